namespace ML.FastCnn;

/// <summary>
/// The ImageNet network (backbone) FastCnn fine-tunes, each with torchvision's ImageNet weights (downloaded on
/// request). The numbers keep families apart and are what a saved model records: 18–152 ResNet, 1000s ResNeXt,
/// 2000s Wide ResNet, 3100 MobileNetV2, 3200s MobileNetV3, 4000s EfficientNet.
/// </summary>
public enum CnnArchitecture
{
    /// <summary>ResNet-18 (11.7 M parameters, 512 features): the fastest ResNet; trains on a CPU; ImageNet weights offline (ML.NET's).</summary>
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

    /// <summary>ResNeXt-101 32×8d (88.8 M parameters, 2048 features): ResNet-101's layout, 32 groups of 8 channels per 64.</summary>
    ResNeXt101_32x8d = 1101,

    /// <summary>ResNeXt-101 64×4d (83.5 M parameters, 2048 features): ResNet-101's layout, 64 groups of 4 channels per 64.</summary>
    ResNeXt101_64x4d = 1102,

    /// <summary>Wide ResNet-50-2 (68.9 M parameters, 2048 features): ResNet-50's layout, bottlenecks twice as wide.</summary>
    WideResNet50_2 = 2050,

    /// <summary>Wide ResNet-101-2 (126.9 M parameters, 2048 features): ResNet-101's layout, bottlenecks twice as wide.</summary>
    WideResNet101_2 = 2101,

    /// <summary>MobileNetV2 (3.5 M parameters, 1280 features): inverted residuals with depthwise convolutions and ReLU6; light enough for phones.</summary>
    MobileNetV2 = 3100,

    /// <summary>MobileNetV3-Large (5.5 M parameters, 960 features): MobileNetV2's blocks with squeeze-and-excitation and hard-swish.</summary>
    MobileNetV3Large = 3200,

    /// <summary>MobileNetV3-Small (2.5 M parameters, 576 features): the smallest and fastest backbone here.</summary>
    MobileNetV3Small = 3201,

    /// <summary>EfficientNet-B0 (5.3 M parameters, 1280 features): MBConv blocks with squeeze-and-excitation and SiLU; trained at 224 px.</summary>
    EfficientNetB0 = 4000,

    /// <summary>EfficientNet-B1 (7.8 M parameters, 1280 features): B0 deeper (×1.1); trained at 240 px.</summary>
    EfficientNetB1 = 4001,

    /// <summary>EfficientNet-B2 (9.1 M parameters, 1408 features): wider (×1.1) and deeper (×1.2); trained at 288 px.</summary>
    EfficientNetB2 = 4002,

    /// <summary>EfficientNet-B3 (12.2 M parameters, 1536 features): wider (×1.2) and deeper (×1.4); trained at 300 px.</summary>
    EfficientNetB3 = 4003,
}
