namespace ML.FastCnn;

/// <summary>How the estimator trains a pretrained network.</summary>
public enum TrainingRecipe
{
    /// <summary>
    /// fast.ai v2's <c>fine_tune</c>: range test, one-cycle epochs of the head (and BatchNorm) with the
    /// body frozen, then all layers with discriminative rates.
    /// </summary>
    FineTune,

    /// <summary>
    /// fast.ai v0.7's lesson 1: the frozen body's activations computed once, the range test and several
    /// cheap head epochs on them, then all layers with augmentation and discriminative rates (SGDR).
    /// </summary>
    Precompute,
}
