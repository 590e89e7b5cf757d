using TorchSharp;
using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>Creates TorchVision ResNets; parameter names match PyTorch's (conv1, bn1, layer1..4, fc).</summary>
internal static class ResNetFactory
{
    /// <summary>
    /// A ResNet with <paramref name="classCount"/> outputs. <paramref name="blocks"/> (blocks per stage)
    /// is null for TorchVision's standard layout, or a basic-block layout such as ML.NET's ResNet18's.
    /// </summary>
    public static nn.Module<Tensor, Tensor> Create(ResNetArchitecture architecture, int classCount, Device device, IReadOnlyList<int>? blocks = null)
    {
        if (blocks is not null)
        {
            if (architecture == ResNetArchitecture.ResNet50)
                throw new ArgumentException("A custom block layout is supported for basic-block ResNets (18, 34) only.", nameof(blocks));
            return new TorchSharp.Modules.ResNet($"resnet-{string.Join('-', blocks)}",
                (input, channels, stride, downsample, _, _, _, _) => new BasicBlock(input, channels, stride, downsample),
                expansion: 1, layers: [.. blocks], numClasses: classCount, device: device);
        }
        return architecture switch
        {
            ResNetArchitecture.ResNet18 => torchvision.models.resnet18(num_classes: classCount, device: device),
            ResNetArchitecture.ResNet34 => torchvision.models.resnet34(num_classes: classCount, device: device),
            ResNetArchitecture.ResNet50 => torchvision.models.resnet50(num_classes: classCount, device: device),
            _ => throw new ArgumentOutOfRangeException(nameof(architecture), architecture,
                $"Unknown architecture {architecture}. Use one of: {string.Join(", ", Enum.GetNames<ResNetArchitecture>())}."),
        };
    }
}
