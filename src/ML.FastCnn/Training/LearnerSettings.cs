namespace ML.FastCnn;

/// <summary>What stays fixed across the fits of one learner.</summary>
internal sealed record LearnerSettings(
    int BatchSize,
    OptimizerKind Optimizer,
    double WeightDecay,
    double LabelSmoothing,
    double MixUp,
    int Seed,
    bool TrainBatchNormWhenFrozen,
    TrainingPrecision Precision = TrainingPrecision.Float32,
    bool AllowEmulatedBFloat16 = false);
