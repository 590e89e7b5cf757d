namespace ML.FastCnn;

/// <summary>The classification head on top of the ResNet body.</summary>
public enum ClassifierHead
{
    /// <summary>
    /// fast.ai's <c>create_head</c>: concat pooling (max and average) → BatchNorm → dropout 0.25 →
    /// Linear(2·features → 512, no bias) → ReLU → BatchNorm → dropout 0.5 → Linear(512 → classes),
    /// Kaiming-initialised. The head fast.ai's transfer-learning results come from.
    /// </summary>
    Fastai,

    /// <summary>TorchVision's: average pooling → one Linear(features → classes) (<c>fc</c>), as models saved before version 1.4.</summary>
    Linear,
}
