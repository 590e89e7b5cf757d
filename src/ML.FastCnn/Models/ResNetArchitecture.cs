namespace ML.FastCnn;

/// <summary>The TorchVision ResNet that FastCnn trains (each with torchvision's ImageNet weights, downloaded on request).</summary>
public enum ResNetArchitecture
{
    /// <summary>ResNet-18 (11.7 M parameters, 512 features): the fastest; trains on a CPU; ImageNet weights offline (ML.NET's).</summary>
    ResNet18 = 18,

    /// <summary>ResNet-34 (21.8 M parameters, 512 features): fast.ai's lesson-1 default.</summary>
    ResNet34 = 34,

    /// <summary>ResNet-50 (25.6 M parameters, 2048 features): bottleneck blocks; best on a GPU.</summary>
    ResNet50 = 50,

    /// <summary>ResNet-101 (44.5 M parameters, 2048 features): bottleneck blocks, 23 in stage 3.</summary>
    ResNet101 = 101,

    /// <summary>ResNet-152 (60.2 M parameters, 2048 features): bottleneck blocks, 8 and 36 in stages 2 and 3.</summary>
    ResNet152 = 152,

    /// <summary>ResNeXt-50 32×4d (25.0 M parameters, 2048 features): ResNet-50's layout, grouped 3×3 convolutions (32 groups of 4 channels per 64).</summary>
    ResNeXt50_32x4d = 1050,

    /// <summary>Wide ResNet-50-2 (68.9 M parameters, 2048 features): ResNet-50's layout, bottlenecks twice as wide.</summary>
    WideResNet50_2 = 2050,
}
