using System.Text.RegularExpressions;

namespace ML.FastCnn;

/// <summary>
/// torchvision's ImageNet state-dict files for the ResNets (the <c>IMAGENET1K_V1</c> weights of
/// <c>torchvision.models.resnet18/34/50</c>), as published on download.pytorch.org.
/// </summary>
internal static partial class ImageNetWeightFiles
{
    /// <summary>Where torchvision downloads its model weights from.</summary>
    public static readonly Uri BaseUrl = new("https://download.pytorch.org/models/");

    public static readonly WeightsFile ResNet18 = FromTorchVisionName("resnet18-f37072fd.pth");
    public static readonly WeightsFile ResNet34 = FromTorchVisionName("resnet34-b627a593.pth");
    public static readonly WeightsFile ResNet50 = FromTorchVisionName("resnet50-0676ba61.pth");

    /// <summary>The ImageNet weights file of <paramref name="architecture"/>.</summary>
    public static WeightsFile For(ResNetArchitecture architecture) =>
        architecture switch
        {
            ResNetArchitecture.ResNet18 => ResNet18,
            ResNetArchitecture.ResNet34 => ResNet34,
            ResNetArchitecture.ResNet50 => ResNet50,
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
