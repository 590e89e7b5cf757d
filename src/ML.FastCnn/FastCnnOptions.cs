using Microsoft.ML;

namespace ML.FastCnn;

/// <summary>
/// Options of the FastCnn image-classification trainer, used by
/// <see cref="FastCnn.Train(MLContext, FastCnnOptions)"/> and
/// <c>mlContext.MulticlassClassification.Trainers.FastCnn(options)</c>: the recipe the estimator
/// runs (epochs, learning rate, schedule, frozen epochs, range test), the <see cref="Learner"/> it
/// trains, and how the trained model <see cref="Scoring">scores</see>.
/// </summary>
/// <example>
/// <code>
/// var options = new FastCnnOptions
/// {
///     Epochs = 5,
///     Learner = { Architecture = CnnArchitecture.ResNet18, ImageSize = 64 },
///     Scoring = { TestTimeAugmentation = 4 },
/// };
/// </code>
/// </example>
public sealed class FastCnnOptions
{
    /// <summary>Default values of the options, shared by the catalog's simple overload.</summary>
    internal static class Defaults
    {
        /// <summary>Default <see cref="FastCnnLearner.Options.LabelColumnName"/>: "Label".</summary>
        public const string LabelColumnName = "Label";

        /// <summary>Default <see cref="FastCnnLearner.Options.ImageColumnName"/>: "Image".</summary>
        public const string ImageColumnName = "Image";

        /// <summary>Default <see cref="FastCnnLearner.Options.ImagePathColumnName"/>: "ImagePath".</summary>
        public const string ImagePathColumnName = "ImagePath";

        /// <summary>Default <see cref="FastCnnTransformer.Options.ScoreColumnName"/>: "Score".</summary>
        public const string ScoreColumnName = "Score";

        /// <summary>Default <see cref="FastCnnTransformer.Options.PredictedLabelColumnName"/>: "PredictedLabel".</summary>
        public const string PredictedLabelColumnName = "PredictedLabel";

        /// <summary>Default <see cref="FastCnnTransformer.Options.PredictedLabelsColumnName"/>: "PredictedLabels".</summary>
        public const string PredictedLabelsColumnName = "PredictedLabels";

        /// <summary>Default <see cref="FastCnnLearner.Options.Architecture"/>: ResNet-34, as in fast.ai's lesson 1.</summary>
        public const CnnArchitecture Architecture = CnnArchitecture.ResNet34;

        /// <summary>Default <see cref="FastCnnTransformer.Options.BatchSize"/>: 64.</summary>
        public const int ScoringBatchSize = 64;

        /// <summary>Default <see cref="FastCnnLearner.Options.WeightDecay"/>: 0.01, fast.ai's decoupled weight decay.</summary>
        public const double WeightDecay = 0.01;

        /// <summary>Default number of batches prepared ahead on background threads: 2.</summary>
        public const int PrefetchBatches = 2;
    }

    /// <summary>The learner the estimator trains: columns, network, weights, input pipeline, optimizer, validation, callbacks.</summary>
    public FastCnnLearner.Options Learner { get; set; } = new();

    /// <summary>How the trained model scores: output columns, batch size, test-time augmentation.</summary>
    public FastCnnTransformer.Options Scoring { get; set; } = new();

    /// <summary>
    /// How a pretrained network is trained: the <see cref="FastCnnLearner"/> method of that name runs. Default
    /// <see cref="TrainingRecipe.FineTuneOnStoredActivations"/> (the head first on stored activations, cheaply),
    /// chosen by measurement (docs/options.md, "Defaults that fit the data"); <see cref="TrainingRecipe.FineTune"/>
    /// is fast.ai v2's <c>fine_tune</c>, <see cref="TrainingRecipe.Lesson1"/> fast.ai v0.7's lesson 1.
    /// </summary>
    public TrainingRecipe Recipe { get; set; } = TrainingRecipe.FineTuneOnStoredActivations;

    /// <summary>
    /// Passes over the training data in the main phase (fast.ai <c>fine_tune(epochs)</c>), 0 or more (0:
    /// only the frozen phase, with pretrained weights). Default <see langword="null"/>: from the number of
    /// training images (<see cref="TrainingPlan.For"/>).
    /// </summary>
    public int? Epochs { get; set; }

    /// <summary>
    /// Epochs with the pretrained backbone frozen before all layers train (fast.ai
    /// <c>fine_tune(freeze_epochs)</c>), 0 or more; used only with pretrained weights. Default
    /// <see langword="null"/>: 1 for <see cref="TrainingRecipe.FineTune"/>, 8 (on stored activations) for the others.
    /// </summary>
    public int? FreezeEpochs { get; set; }

    /// <summary>
    /// Peak learning rate (the head's; fast.ai <c>lr_max</c> / <c>base_lr</c>), greater than 0.
    /// Default <see langword="null"/>: the trainer runs the learning-rate range test first and uses
    /// its <see cref="LearningRateSuggestion.Valley"/> suggestion (both are logged).
    /// </summary>
    public double? LearningRate { get; set; }

    /// <summary>
    /// Settings of the automatic range test when <see cref="LearningRate"/> is null. Default
    /// <see langword="null"/>: fast.ai's, for at most about three epochs of batches (<see cref="TrainingPlan.FinderIterations"/>).
    /// </summary>
    public LearningRateFinderOptions? LearningRateFinder { get; set; }

    /// <summary>
    /// How the learning rate and momentum change over the main phase. Default <see langword="null"/>:
    /// fast.ai's one-cycle (<see cref="LearningRateSchedule.OneCycle"/>; in fine-tuning, the unfrozen
    /// phase uses fast.ai <c>fine_tune</c>'s warm-up 0.3 and div 5). An SGDR schedule fixes the number
    /// of epochs itself.
    /// </summary>
    public LearningRateSchedule? Schedule { get; set; }

    /// <summary>
    /// Optional limit on the fit's wall time, as ML.NET Model Builder's "time to train". When <see cref="Epochs"/>
    /// is not set, the main (unfrozen) phase runs as many of the plan's epochs as fit into what is left of the
    /// budget after the head's epochs, judged from a few timed training steps; at least one, never more than
    /// the plan's (the log says what it chose). Default <see langword="null"/>: the plan's epochs.
    /// </summary>
    public TimeSpan? TimeBudget { get; set; }

    /// <summary>
    /// Progressive resizing (fast.ai): everything before the second half of the main (unfrozen) phase — range
    /// test, head epochs, the first half (rounded down) of the main epochs — runs at this side in pixels, the
    /// rest at the learner's image size (its own one-cycle); 16 or more. Epochs at the small size cost about
    /// (this / image size)² of a full one. Default <see langword="null"/>: one size throughout. Ignored (and
    /// logged) when the plan has fewer than two main epochs or <see cref="Schedule"/> fixes its own epochs
    /// (SGDR cycles). A <see cref="TimeBudget"/> is judged at the start size.
    /// </summary>
    public int? StartImageSize { get; set; }

    /// <summary>
    /// Cancels training (and the automatic range test) within one batch: <c>Fit</c> then throws
    /// <see cref="OperationCanceledException"/> and no model is returned. Default: none.
    /// </summary>
    public CancellationToken CancellationToken { get; set; }

    /// <summary>Checks every option's range; messages name the option, the rule and the value.</summary>
    internal void Check()
    {
        Checks.UserArg(Learner is not null, nameof(Learner), "must not be null");
        Checks.UserArg(Scoring is not null, nameof(Scoring), "must not be null");
        Learner!.Check();
        Scoring!.Check();
        Checks.UserArg(Epochs is null or >= 0, nameof(Epochs), $"must be 0 or more, or null for the data-size default (was {Epochs})");
        Checks.UserArg(FreezeEpochs is null or >= 0, nameof(FreezeEpochs), $"must be 0 or more, or null for the recipe's default (was {FreezeEpochs})");
        Checks.UserArg(Enum.IsDefined(Recipe), nameof(Recipe), $"must be FineTune, FineTuneOnStoredActivations or Lesson1 (was {Recipe})");
        Checks.UserArg(LearningRate is null || (LearningRate > 0 && double.IsFinite(LearningRate.Value)), nameof(LearningRate),
            $"must be a positive number, or null to run the range test (was {LearningRate})");
        LearningRateFinder?.Check(nameof(LearningRateFinder));
        Checks.UserArg(StartImageSize is null or >= FastCnnLearner.Options.MinImageSize, nameof(StartImageSize), $"must be {FastCnnLearner.Options.MinImageSize} or more, or null for one size throughout (was {StartImageSize})");
        Checks.UserArg(TimeBudget is null || TimeBudget > TimeSpan.Zero, nameof(TimeBudget), $"must be positive, or null for the plan's epochs (was {TimeBudget})");
    }
}
