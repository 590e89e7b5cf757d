namespace ML.FastCnn;

/// <summary>The number format of training's forward and backward passes (<see cref="FastCnnLearner.Options.Precision"/>).</summary>
public enum TrainingPrecision
{
    /// <summary>float32 throughout: the reference, and the default.</summary>
    Float32 = 0,

    /// <summary>
    /// Convolutions and linear layers compute in bfloat16 while training; weights, optimizer state, BatchNorm and the
    /// loss stay float32 (PyTorch's autocast with float32 master weights). Used only on a GPU or on a CPU with bfloat16
    /// instructions, and only after each layer and the whole network matched float32 on the first training images;
    /// otherwise the learner warns and trains in float32. Scoring and the saved model are float32 either way.
    /// </summary>
    MixedBFloat16 = 1,
}
