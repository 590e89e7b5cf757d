namespace ML.FastCnn;

/// <summary>
/// Everything a recipe needs to train, worked out once from the data and the options when the learner is
/// created (<see cref="FastCnnLearner.Plan"/>, logged then): what the data decides (batch size, image size,
/// cache, augmentation, epochs, the range test's length) and what the options fix (recipe, learning rate,
/// schedule, time budget, progressive resizing). Explicit options always win over the data-size defaults.
/// Pass a changed copy (<c>learner.Plan with { Epochs = 3 }</c>) to a recipe to train differently.
/// </summary>
/// <param name="TrainingImages">Usable training images.</param>
/// <param name="BatchSize">Images per training step; fixed when the learner is created (<see cref="FastCnnLearner.Options.BatchSize"/>).</param>
/// <param name="ImageSize">Side in pixels the fit ends at.</param>
/// <param name="CacheImages">Whether the decoded images are kept in memory; fixed when the learner is created (<see cref="FastCnnLearner.Options.CacheImages"/>).</param>
/// <param name="Augmentation">Augmentation of the phases that train the body (null or <see cref="Augmentation.None"/>: off).</param>
/// <param name="Recipe">The recipe <see cref="FastCnnLearner.Train"/> runs.</param>
/// <param name="FreezeEpochs">Epochs of the head alone before the body trains (cheap on stored activations); 0 with random weights.</param>
/// <param name="Epochs">Epochs of the main phase, where every layer trains.</param>
/// <param name="FinderIterations">Batches of the learning-rate range test; 0 when <see cref="LearningRate"/> is given.</param>
public sealed record TrainingPlan(int TrainingImages, int BatchSize, int ImageSize, bool CacheImages, Augmentation? Augmentation,
    TrainingRecipe Recipe, int FreezeEpochs, int Epochs, int FinderIterations)
{
    /// <summary>Peak learning rate of the head; null: the range test's valley suggestion.</summary>
    public double? LearningRate { get; init; }

    /// <summary>The range test's sweep (its <see cref="LearningRateFinderOptions.Iterations"/> give way to <see cref="FinderIterations"/>); null: fast.ai's.</summary>
    public LearningRateFinderOptions? LearningRateFinder { get; init; }

    /// <summary>The main phase's schedule; null: the recipe's own (one-cycle; SGDR for <see cref="TrainingRecipe.Lesson1"/>).</summary>
    public LearningRateSchedule? Schedule { get; init; }

    /// <summary>Progressive resizing: everything before the main phase's second half runs at this side, the rest at <see cref="ImageSize"/>; null: one size.</summary>
    public int? StartImageSize { get; init; }

    /// <summary>
    /// Side the training images are decoded, resized and cached at for batch augmentation (fast.ai's presizing:
    /// <see cref="PresizeFactor"/> × <see cref="ImageSize"/>, or the images' own median side when smaller, never
    /// below <see cref="ImageSize"/>), so that the batch transform on the device is the only other resample;
    /// <see cref="ImageSize"/> when the plan does not augment in <see cref="AugmentationMode.Batch"/>. Fixed
    /// when the learner is created.
    /// </summary>
    public int Presize { get; init; }

    /// <summary>fast.ai's presizing: images are held this much larger than the training size.</summary>
    public const double PresizeFactor = 1.25;

    /// <summary>Wall time the training may take, counted from the learner's creation: the main phase runs as many of its epochs as fit; null: all of them.</summary>
    public TimeSpan? TimeBudget { get; init; }

    /// <summary>
    /// With a validation set: after the main phase, go back to the head-only weights when they had the lower
    /// validation loss (fast.ai's <c>SaveModelCallback</c> at phase granularity), and log which were kept and
    /// why. On small sets the unfrozen epochs can make a model worse than its head alone. Default true.
    /// </summary>
    public bool KeepBestPhase { get; init; } = true;

    /// <summary>
    /// The data-size defaults for <paramref name="trainingImages"/> images: small sets get smaller batches and
    /// more epochs, so that the main phase makes enough optimizer steps (about 60 for single-label, about 450 for
    /// multi-label and regression — see <see cref="DetailTaskMainPhaseSteps"/>; at least 3 epochs). Single-label sets
    /// of <see cref="LargeSet"/> images or more get augmentation (<see cref="ML.FastCnn.Augmentation.SideOn"/>) and
    /// the epochs it needs to pay (6). Multi-label sets of any size get <see cref="ML.FastCnn.Augmentation.TopDown"/>
    /// (which classes appear does not change with a flip or a turn), and regression sets
    /// <see cref="ML.FastCnn.Augmentation.SizeKeeping"/> (flips, quarter turns, lighting), which keeps a size, a count
    /// or a score (SideOn's zoom does not): their longer main phase makes it pay (docs/benchmarks.md, issue 22).
    /// The range test covers at most about three epochs, except on stored activations where it is cheap. The images are cached when they take at most 512 MB at
    /// <paramref name="imageSize"/>.
    /// </summary>
    /// <param name="trainingImages">Usable training images, 1 or more.</param>
    /// <param name="recipe">The recipe to plan for.</param>
    /// <param name="imageSize">Side in pixels the images are trained at.</param>
    /// <param name="task">The task the network learns.</param>
    public static TrainingPlan For(int trainingImages, TrainingRecipe recipe = TrainingRecipe.FineTuneOnStoredActivations, int imageSize = 224,
        ImageTask task = ImageTask.SingleLabel)
    {
        Checks.UserArg(trainingImages >= 1, nameof(trainingImages), $"must be 1 or more (was {trainingImages})");
        Checks.UserArg(imageSize >= FastCnnLearner.Options.MinImageSize, nameof(imageSize), $"must be {FastCnnLearner.Options.MinImageSize} or more (was {imageSize})");
        int batchSize = BatchSizeFor(trainingImages);
        int stepsPerEpoch = Math.Max(1, trainingImages / batchSize);
        bool large = trainingImages >= LargeSet;
        var (steps, maxEpochs) = task == ImageTask.SingleLabel ? (MainPhaseSteps, MaxEpochs) : (DetailTaskMainPhaseSteps, DetailTaskMaxEpochs);
        int epochs = large ? LargeSetEpochs : Math.Clamp((int)Math.Round(steps / (double)stepsPerEpoch), MinEpochs, maxEpochs);
        bool stored = recipe != TrainingRecipe.FineTune;
        var augmentation = task switch
        {
            ImageTask.Regression => ML.FastCnn.Augmentation.SizeKeeping, // SideOn's zoom would change a size
            ImageTask.MultiLabel => ML.FastCnn.Augmentation.TopDown, // beat SideOn on each of three medium drawing sets
            _ => large || recipe == TrainingRecipe.Lesson1 ? ML.FastCnn.Augmentation.SideOn : null,
        };
        int presize = PresizeFor(imageSize, augmentation, imagesMedianSide: null);
        return new TrainingPlan(trainingImages, batchSize, imageSize, FitsTheCache(trainingImages, presize, 0, imageSize),
            augmentation, recipe,
            FreezeEpochs: stored ? 8 : 1,
            Epochs: recipe == TrainingRecipe.Lesson1 ? Lesson1Epochs : epochs,
            FinderIterations: stored ? 100 : Math.Clamp(3 * stepsPerEpoch, 20, 100))
        { Presize = presize };
    }

    /// <summary>
    /// The plan of a learner: <see cref="For"/> with every option that is set taking its place. The
    /// learner options decide the data side; <paramref name="recipe"/> (the estimator's options, or null
    /// for a learner made directly) the training side.
    /// </summary>
    /// <param name="trainingImages">Usable training images.</param>
    /// <param name="validationImages">Usable validation images (they share the cache).</param>
    /// <param name="imageSizeOfData">The data's default image size; called only when the options leave it open.</param>
    /// <param name="options">The learner options.</param>
    /// <param name="recipe">The estimator's options, or null.</param>
    /// <param name="pretrained">Whether the body starts from pretrained weights.</param>
    /// <param name="imagesMedianSide">The training images' median shorter side, null when unknown; read only when the plan presizes.</param>
    /// <param name="task">The task the network learns (the label column's, bound before the plan).</param>
    internal static TrainingPlan Create(int trainingImages, int validationImages, Func<int> imageSizeOfData, FastCnnLearner.Options options,
        FastCnnOptions? recipe, bool pretrained, Func<int?>? imagesMedianSide = null, ImageTask task = ImageTask.SingleLabel)
    {
        int imageSize = options.ImageSize ?? imageSizeOfData();
        var defaults = For(trainingImages, recipe?.Recipe ?? TrainingRecipe.FineTuneOnStoredActivations, imageSize, task);
        var finder = recipe?.LearningRateFinder;
        var augmentation = options.Augmentation ?? defaults.Augmentation; // None stays None: off, also for Lesson1
        int presize = PresizeFor(imageSize, augmentation, imagesMedianSide);
        return defaults with
        {
            BatchSize = options.BatchSize ?? defaults.BatchSize,
            // Crop draws its position per epoch from the whole image, so it is not cached unless asked for (then centred).
            CacheImages = options.CacheImages ?? (options.Resize != ResizeMethod.Crop && FitsTheCache(trainingImages, presize, validationImages, imageSize)),
            Augmentation = augmentation,
            Presize = presize,
            Epochs = recipe?.Epochs ?? defaults.Epochs,
            FreezeEpochs = pretrained ? recipe?.FreezeEpochs ?? defaults.FreezeEpochs : 0,
            FinderIterations = recipe?.LearningRate is not null ? 0 : finder?.Iterations ?? defaults.FinderIterations,
            LearningRate = recipe?.LearningRate,
            LearningRateFinder = finder,
            Schedule = recipe?.Schedule,
            StartImageSize = recipe?.StartImageSize,
            TimeBudget = recipe?.Epochs is null ? recipe?.TimeBudget : null, // explicit epochs win over the budget
        };
    }

    /// <summary>
    /// From this many training images on, the main phase augments and runs 6 epochs: on smaller sets
    /// measured, augmenting a short main phase did not pay (docs/benchmarks.md).
    /// </summary>
    public const int LargeSet = 10_000;

    /// <summary>Steps the main phase aims at (single-label).</summary>
    private const int MainPhaseSteps = 60;

    /// <summary>
    /// Steps the main phase aims at for multi-label and regression, which augment at any size: every image carries
    /// several decisions (which classes) or a fine one (how large). On medium drawings 15 augmented epochs of 500 images
    /// beat 10 on each of three sets, for both tasks (docs/benchmarks.md, issue 22), where single-label sets gained
    /// nothing from longer phases.
    /// </summary>
    internal const int DetailTaskMainPhaseSteps = 450;
    private const int MinEpochs = 3;
    private const int MaxEpochs = 12;
    private const int DetailTaskMaxEpochs = 16;
    private const int LargeSetEpochs = 6;

    /// <summary>fast.ai v0.7's lesson 1 unfreezes for SGDR cycles of 1 and 2 epochs.</summary>
    internal const int Lesson1Epochs = 3;

    /// <summary>Bytes of decoded images (4·S² each) the images may take for the cache's default.</summary>
    private const long CacheBudget = 512L << 20;

    private static bool FitsTheCache(int trainingImages, int presize, int validationImages, int imageSize) =>
        trainingImages * 4L * presize * presize + validationImages * 4L * imageSize * imageSize <= CacheBudget;

    /// <summary>
    /// The presize for <paramref name="augmentation"/>: <see cref="PresizeFactor"/> × <paramref name="imageSize"/> rounded
    /// up to a multiple of 8, capped by the images' median side (no point enlarging small images twice), never
    /// below <paramref name="imageSize"/>; <paramref name="imageSize"/> itself without batch augmentation.
    /// </summary>
    internal static int PresizeFor(int imageSize, Augmentation? augmentation, Func<int?>? imagesMedianSide)
    {
        if (augmentation is not { Mode: AugmentationMode.Batch, IsNone: false })
            return imageSize;
        int presize = (int)Math.Ceiling(imageSize * PresizeFactor / 8) * 8;
        if (imagesMedianSide?.Invoke() is { } side)
            presize = Math.Min(presize, side);
        return Math.Max(imageSize, presize);
    }

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
        $"{TrainingImages} training images at {ImageSize}px{(StartImageSize is { } start && start != ImageSize ? $" (from {start}px)" : "")}" +
        $"{(CacheImages ? ", cached" : "")}{(Presize > ImageSize ? $" (presized to {Presize}px)" : "")}: batch size {BatchSize}, recipe {Recipe}, {FreezeEpochs} frozen + {Epochs} epochs" +
        $"{(TimeBudget is { } budget ? $" (time budget {budget:g})" : "")}, " +
        (Augmentation is null or { IsNone: true } ? "no augmentation, " : $"augmentation {Augmentation.PresetName ?? "on"}, ") +
        (LearningRate is { } lr ? $"learning rate {lr:G3} (no range test)" : $"range test up to {FinderIterations} batches");
}
