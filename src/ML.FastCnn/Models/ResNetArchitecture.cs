namespace ML.FastCnn;

/// <summary>The TorchVision ResNet that FastCnn trains.</summary>
public enum ResNetArchitecture
{
    /// <summary>ResNet-18 (11.7 M parameters, 512 features): the fastest; trains on a CPU.</summary>
    ResNet18 = 18,

    /// <summary>ResNet-34 (21.8 M parameters, 512 features): fast.ai's lesson-1 default.</summary>
    ResNet34 = 34,

    /// <summary>ResNet-50 (25.6 M parameters, 2048 features): bottleneck blocks; best on a GPU.</summary>
    ResNet50 = 50,
}
