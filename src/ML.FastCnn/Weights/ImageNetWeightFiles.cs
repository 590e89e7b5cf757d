using System.Text.RegularExpressions;

namespace ML.FastCnn;

/// <summary>
/// torchvision's ImageNet state-dict files for the ResNets (the <c>IMAGENET1K_V1</c> weights of
/// <c>torchvision.models.resnet18/34/50/101/152</c>, <c>resnext50_32x4d</c>, <c>wide_resnet50_2</c>), as published on download.pytorch.org.
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
    public static readonly WeightsFile WideResNet50 = FromTorchVisionName("wide_resnet50_2-95faca4d.pth");

    /// <summary>The ImageNet weights file of <paramref name="architecture"/>.</summary>
    public static WeightsFile For(ResNetArchitecture architecture) =>
        architecture switch
        {
            ResNetArchitecture.ResNet18 => ResNet18,
            ResNetArchitecture.ResNet34 => ResNet34,
            ResNetArchitecture.ResNet50 => ResNet50,
            ResNetArchitecture.ResNet101 => ResNet101,
            ResNetArchitecture.ResNet152 => ResNet152,
            ResNetArchitecture.ResNeXt50_32x4d => ResNeXt50,
            ResNetArchitecture.WideResNet50_2 => WideResNet50,
            _ => throw new ArgumentOutOfRangeException(nameof(architecture), architecture,
                $"No ImageNet weights for architecture {architecture}. Use one of: {string.Join(", ", Enum.GetNames<ResNetArchitecture>())}."),
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
