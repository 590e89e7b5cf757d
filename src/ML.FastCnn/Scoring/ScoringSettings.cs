namespace ML.FastCnn;

/// <summary>
/// How a trained model reads its input and scores: column names, batching, test-time augmentation, and
/// the engine asked for (a choice for this machine: not saved with the model).
/// </summary>
internal sealed record ScoringSettings(
    string ImageColumnName,
    string? ImagePathColumnName,
    string ScoreColumnName,
    string PredictedLabelColumnName,
    int ScoringBatchSize,
    int PrefetchBatches,
    int TestTimeAugmentation,
    Augmentation TestTimeAugmentationKind,
    int Seed,
    ResizeMethod Resize = ResizeMethod.Squish,
    ScoringEngine Engine = ScoringEngine.Auto)
{
    /// <summary>The image itself, made square with <see cref="Resize"/> (crops centred).</summary>
    public AugmentationDraw Plain => AugmentationDraw.Identity with { Resize = Resize };

    public static ScoringSettings From(FastCnnLearner.Options learner, FastCnnTransformer.Options scoring, Augmentation? trainingAugmentation, int seed) => new(
        learner.ImageColumnName, learner.ImagePathColumnName, scoring.ScoreColumnName, scoring.PredictedLabelColumnName,
        scoring.BatchSize, scoring.PrefetchBatches, scoring.TestTimeAugmentation, (trainingAugmentation ?? Augmentation.SideOn).ForTestTime, seed, learner.Resize, scoring.Engine);

    /// <summary>
    /// The views scored for the row at <paramref name="position"/>: the image itself, then
    /// <see cref="TestTimeAugmentation"/> augmented ones drawn with seeds fixed by the position.
    /// </summary>
    public AugmentationDraw[] Views(long position)
    {
        var views = new AugmentationDraw[1 + TestTimeAugmentation];
        views[0] = Plain;
        for (int v = 1; v < views.Length; v++)
            views[v] = TestTimeAugmentationKind.Draw(SampleRandom.For(Seed, epoch: -1, position, v)) with { Resize = Resize };
        return views;
    }
}
