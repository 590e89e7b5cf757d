namespace ML.FastCnn;

/// <summary>
/// How a trained model reads its input and scores: column names, batching, test-time augmentation, a multi-label
/// model's thresholds, and the engine asked for (a choice for this machine: not saved with the model).
/// </summary>
internal sealed record ScoringSettings(
    string ImageColumnName,
    string? ImagePathColumnName,
    string ScoreColumnName,
    string PredictedLabelColumnName, // multi-label: the predicted labels column
    int ScoringBatchSize,
    int PrefetchBatches,
    int TestTimeAugmentation,
    Augmentation TestTimeAugmentationKind,
    int Seed,
    ResizeMethod Resize = ResizeMethod.Squish,
    ScoringEngine Engine = ScoringEngine.Auto)
{
    /// <summary>Multi-label: each class's threshold (a class is predicted above it); empty for other tasks.</summary>
    public IReadOnlyList<float> Thresholds { get; init; } = [];

    /// <summary>The image itself, made square with <see cref="Resize"/> (crops centred).</summary>
    public AugmentationDraw Plain => AugmentationDraw.Identity with { Resize = Resize };

    public static ScoringSettings From(FastCnnLearner.Options learner, FastCnnTransformer.Options scoring, ImageTask task, Augmentation? trainingAugmentation, int seed) => new(
        learner.ImageColumnName, learner.ImagePathColumnName, scoring.ScoreColumnName,
        task == ImageTask.MultiLabel ? scoring.PredictedLabelsColumnName : scoring.PredictedLabelColumnName,
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
