namespace ML.FastCnn;

public sealed partial class FastCnnTransformer
{
    /// <summary>
    /// How a trained model scores: its output columns, images per forward pass and test-time
    /// augmentation. Given to <see cref="FastCnnLearner.ToTransformer"/> or as
    /// <see cref="FastCnnOptions.Scoring"/>; saved with the model.
    /// </summary>
    public sealed class Options
    {
        /// <summary>Name of the output column of class probabilities (regression: of the predicted values). Default "Score".</summary>
        public string ScoreColumnName { get; set; } = FastCnnOptions.Defaults.ScoreColumnName;

        /// <summary>Name of the output key column holding the most probable class (single-label models). Default "PredictedLabel".</summary>
        public string PredictedLabelColumnName { get; set; } = FastCnnOptions.Defaults.PredictedLabelColumnName;

        /// <summary>
        /// Name of the output column of a multi-label model holding the predicted classes: a vector of keys, those whose
        /// probability is above their threshold (<c>MapKeyToValue</c> turns it into the class names). Default "PredictedLabels".
        /// </summary>
        public string PredictedLabelsColumnName { get; set; } = FastCnnOptions.Defaults.PredictedLabelsColumnName;

        /// <summary>
        /// Multi-label models: the probability above which a class is predicted, the same for every class, in (0, 1).
        /// Default <see langword="null"/>: each class's own threshold, tuned on the validation set for that class's best F1
        /// (0.5 without a validation set) — the choice fast.ai users otherwise make by hand. Change it on a trained model
        /// with <see cref="WithThresholds(float)"/>.
        /// </summary>
        public float? Threshold { get; set; }

        /// <summary>Images per forward pass when <see cref="Transform"/> scores data, 1 or more. Default 64.</summary>
        public int BatchSize { get; set; } = FastCnnOptions.Defaults.ScoringBatchSize;

        /// <summary>Batches prepared ahead of the forward pass on background threads, 1 or more. Default 2.</summary>
        public int PrefetchBatches { get; set; } = FastCnnOptions.Defaults.PrefetchBatches;

        /// <summary>
        /// Test-time augmentation: score each image and this many augmented views of it and average the
        /// probabilities (fast.ai's <c>TTA</c>; it uses 4). The views use the training augmentation, or
        /// <see cref="Augmentation.SideOn"/> when training had none. 0 or more. Default 0: off. Change it
        /// on a trained model with <see cref="WithTestTimeAugmentation"/>.
        /// </summary>
        public int TestTimeAugmentation { get; set; }

        /// <summary>
        /// What runs the network when it scores (<see cref="ML.FastCnn.ScoringEngine"/>). Default
        /// <see cref="ScoringEngine.Auto"/>: the fastest engine that gives the network's own probabilities
        /// on this machine. Every engine but <see cref="ScoringEngine.Reference"/> is checked against the
        /// network's forward before its first use and replaced, with a warning in MLContext's log, when it
        /// differs. A choice for the machine that scores, so it is not saved with the model: set it on a
        /// loaded model with <see cref="WithScoringEngine"/>.
        /// </summary>
        public ScoringEngine Engine { get; set; } = ScoringEngine.Auto;

        /// <summary>Checks every option's range; messages name the option, the rule and the value.</summary>
        internal void Check()
        {
            Checks.UserArg(!string.IsNullOrWhiteSpace(ScoreColumnName), nameof(ScoreColumnName), "must name the output column");
            Checks.UserArg(!string.IsNullOrWhiteSpace(PredictedLabelColumnName), nameof(PredictedLabelColumnName), "must name the output column");
            Checks.UserArg(ScoreColumnName != PredictedLabelColumnName, nameof(PredictedLabelColumnName),
                $"must differ from ScoreColumnName (both were '{ScoreColumnName}')");
            Checks.UserArg(!string.IsNullOrWhiteSpace(PredictedLabelsColumnName) && PredictedLabelsColumnName != ScoreColumnName, nameof(PredictedLabelsColumnName),
                $"must name an output column other than ScoreColumnName (was '{PredictedLabelsColumnName}')");
            Checks.UserArg(Threshold is null or (> 0 and < 1), nameof(Threshold), $"must be in (0, 1), or null for thresholds tuned per class (was {Threshold})");
            Checks.UserArg(BatchSize >= 1, nameof(BatchSize), $"must be 1 or more (was {BatchSize})");
            Checks.UserArg(PrefetchBatches >= 1, nameof(PrefetchBatches), $"must be 1 or more (was {PrefetchBatches})");
            Checks.UserArg(TestTimeAugmentation >= 0, nameof(TestTimeAugmentation), $"must be 0 or more (was {TestTimeAugmentation})");
            Checks.UserArg(Enum.IsDefined(Engine), nameof(Engine), $"must be Auto, Reference, TorchSharp or OnnxRuntime (was {(int)Engine})");
        }
    }
}
