using System.Text.RegularExpressions;

namespace ML.FastCnn;

/// <summary>
/// torchvision's ImageNet state-dict files (the <c>IMAGENET1K_V1</c> weights of <c>torchvision.models.resnet18/34/50/101/152</c>,
/// <c>resnext50_32x4d</c>, <c>resnext101_32x8d</c>, <c>resnext101_64x4d</c>, <c>wide_resnet50_2</c>, <c>wide_resnet101_2</c>,
/// <c>mobilenet_v2</c>, <c>mobilenet_v3_large/small</c>, <c>efficientnet_b0…b3</c>), as published
/// on download.pytorch.org. File names and hash prefixes as in torchvision's <c>models/*.py</c>; the EfficientNets' as since
/// torchvision 0.16.1 (pytorch/vision#8036 renamed them: the earlier names, such as <c>efficientnet_b0_rwightman-3dd342df.pth</c>,
/// carried hash prefixes their files do not have, so a hash check like ours refuses them).
/// </summary>
internal static partial class ImageNetWeightFiles
{
    /// <summary>Where torchvision downloads its model weights from.</summary>
    public static readonly Uri BaseUrl = new("https://download.pytorch.org/models/");

    public static readonly WeightsFile ResNet18 = FromTorchVisionName("resnet18-f37072fd.pth");
    public static readonly WeightsFile ResNet34 = FromTorchVisionName("resnet34-b627a593.pth");
    public static readonly WeightsFile ResNet50 = FromTorchVisionName("resnet50-0676ba61.pth");
    public static readonly WeightsFile ResNet101 = FromTorchVisionName("resnet101-63fe2227.pth");
    public static readonly WeightsFile ResNet152 = FromTorchVisionName("resnet152-394f9c45.pth");
    public static readonly WeightsFile ResNeXt50 = FromTorchVisionName("resnext50_32x4d-7cdf4587.pth");
    public static readonly WeightsFile ResNeXt101_32x8d = FromTorchVisionName("resnext101_32x8d-8ba56ff5.pth");
    public static readonly WeightsFile ResNeXt101_64x4d = FromTorchVisionName("resnext101_64x4d-173b62eb.pth");
    public static readonly WeightsFile WideResNet50 = FromTorchVisionName("wide_resnet50_2-95faca4d.pth");
    public static readonly WeightsFile WideResNet101 = FromTorchVisionName("wide_resnet101_2-32ee1156.pth");
    public static readonly WeightsFile MobileNetV2 = FromTorchVisionName("mobilenet_v2-b0353104.pth");
    public static readonly WeightsFile MobileNetV3Large = FromTorchVisionName("mobilenet_v3_large-8738ca79.pth");
    public static readonly WeightsFile MobileNetV3Small = FromTorchVisionName("mobilenet_v3_small-047dcff4.pth");
    public static readonly WeightsFile EfficientNetB0 = FromTorchVisionName("efficientnet_b0_rwightman-7f5810bc.pth");
    public static readonly WeightsFile EfficientNetB1 = FromTorchVisionName("efficientnet_b1_rwightman-bac287d4.pth");
    public static readonly WeightsFile EfficientNetB2 = FromTorchVisionName("efficientnet_b2_rwightman-c35c1473.pth");
    public static readonly WeightsFile EfficientNetB3 = FromTorchVisionName("efficientnet_b3_rwightman-b3899882.pth");

    /// <summary>The ImageNet weights file of <paramref name="architecture"/>.</summary>
    public static WeightsFile For(CnnArchitecture architecture) =>
        architecture switch
        {
            CnnArchitecture.ResNet18 => ResNet18,
            CnnArchitecture.ResNet34 => ResNet34,
            CnnArchitecture.ResNet50 => ResNet50,
            CnnArchitecture.ResNet101 => ResNet101,
            CnnArchitecture.ResNet152 => ResNet152,
            CnnArchitecture.ResNeXt50_32x4d => ResNeXt50,
            CnnArchitecture.ResNeXt101_32x8d => ResNeXt101_32x8d,
            CnnArchitecture.ResNeXt101_64x4d => ResNeXt101_64x4d,
            CnnArchitecture.WideResNet50_2 => WideResNet50,
            CnnArchitecture.WideResNet101_2 => WideResNet101,
            CnnArchitecture.MobileNetV2 => MobileNetV2,
            CnnArchitecture.MobileNetV3Large => MobileNetV3Large,
            CnnArchitecture.MobileNetV3Small => MobileNetV3Small,
            CnnArchitecture.EfficientNetB0 => EfficientNetB0,
            CnnArchitecture.EfficientNetB1 => EfficientNetB1,
            CnnArchitecture.EfficientNetB2 => EfficientNetB2,
            CnnArchitecture.EfficientNetB3 => EfficientNetB3,
            _ => throw new ArgumentOutOfRangeException(nameof(architecture), architecture,
                $"No ImageNet weights for architecture {architecture}. Use one of: {string.Join(", ", Enum.GetNames<CnnArchitecture>())}."),
        };

    /// <summary>
    /// A file named the torchvision way, <c>name-&lt;hash prefix&gt;.ext</c>: the expected digest is
    /// the hex fragment after the first '-' that is followed by a '.', as torchvision's <c>HASH_REGEX</c> reads it.
    /// </summary>
    public static WeightsFile FromTorchVisionName(string fileName)
    {
        var match = HashFragment().Match(fileName);
        if (!match.Success)
            throw new ArgumentException($"'{fileName}' does not carry a hash fragment the torchvision way (name-<hex>.pth).", nameof(fileName));
        return new WeightsFile(fileName, new Uri(BaseUrl, fileName), match.Groups[1].Value);
    }

    [GeneratedRegex(@"-([a-f0-9]*)\.")]
    private static partial Regex HashFragment();
}
