namespace ML.FastCnn;

/// <summary>
/// What the trainer does with a data set of a given size when the options leave it open: batch size,
/// epochs, the frozen (head) epochs and the range test's length. A pure function of the number of
/// training images (<see cref="For"/>), printed in the log at the start of a fit; explicit options
/// always win over it.
/// </summary>
/// <param name="TrainingImages">Usable training images.</param>
/// <param name="BatchSize">Images per training step.</param>
/// <param name="Epochs">Epochs of the main (unfrozen) phase.</param>
/// <param name="FreezeEpochs">Epochs of the head alone before it (cheap with <see cref="TrainingRecipe.Precompute"/>).</param>
/// <param name="FinderIterations">Batches of the learning-rate range test.</param>
/// <param name="Augmentation">Augmentation of the main phase (null: off).</param>
public sealed record TrainingPlan(int TrainingImages, int BatchSize, int Epochs, int FreezeEpochs, int FinderIterations, Augmentation? Augmentation = null)
{
    /// <summary>
    /// The defaults for <paramref name="trainingImages"/> images: small sets get smaller batches and more
    /// epochs, so that the main phase makes enough optimizer steps (about 60, at least 3 epochs); sets of
    /// <see cref="LargeSet"/> images or more get augmentation (<see cref="ML.FastCnn.Augmentation.SideOn"/>)
    /// and the epochs it needs to pay (6). The range test covers at most about three epochs.
    /// </summary>
    public static TrainingPlan For(int trainingImages, TrainingRecipe recipe = TrainingRecipe.Precompute)
    {
        Checks.UserArg(trainingImages >= 1, nameof(trainingImages), $"must be 1 or more (was {trainingImages})");
        int batchSize = BatchSizeFor(trainingImages);
        int stepsPerEpoch = Math.Max(1, trainingImages / batchSize);
        bool large = trainingImages >= LargeSet;
        int epochs = large ? LargeSetEpochs : Math.Clamp((int)Math.Round(MainPhaseSteps / (double)stepsPerEpoch), MinEpochs, MaxEpochs);
        int freezeEpochs = recipe == TrainingRecipe.Precompute ? 8 : 1;
        int finder = recipe == TrainingRecipe.Precompute ? 100 : Math.Clamp(3 * stepsPerEpoch, 20, 100);
        return new TrainingPlan(trainingImages, batchSize, epochs, freezeEpochs, finder, large ? ML.FastCnn.Augmentation.SideOn : null);
    }

    /// <summary>
    /// From this many training images on, the main phase augments and runs 6 epochs: on smaller sets
    /// measured, augmenting a short main phase did not pay (docs/benchmarks.md).
    /// </summary>
    public const int LargeSet = 10_000;

    /// <summary>Steps the main phase aims at.</summary>
    private const int MainPhaseSteps = 60;
    private const int MinEpochs = 3;
    private const int MaxEpochs = 12;
    private const int LargeSetEpochs = 6;

    /// <summary>The largest power of two at most a sixteenth of the images, between 16 and 128.</summary>
    internal static int BatchSizeFor(int trainingImages)
    {
        int batch = 16;
        while (batch < 128 && batch * 2 <= trainingImages / 16)
            batch *= 2;
        return batch;
    }

    /// <summary>The plan as the log prints it.</summary>
    public override string ToString() =>
        $"{TrainingImages} training images: batch size {BatchSize}, {FreezeEpochs} frozen + {Epochs} epochs, " +
        (Augmentation is null ? "no augmentation, " : Augmentation == ML.FastCnn.Augmentation.SideOn ? "augmentation SideOn, " : "augmentation on, ") +
        (FinderIterations > 0 ? $"range test up to {FinderIterations} batches" : "learning rate given (no range test)");
}
