using TorchSharp;
using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>Creates ResNet classifiers: TorchVision's bodies (parameter names as PyTorch's: conv1, bn1, layer1..4) under the chosen head.</summary>
internal static class ResNetFactory
{
    /// <summary>
    /// A ResNet with <paramref name="classCount"/> outputs. <paramref name="blocks"/> (blocks per stage)
    /// is null for TorchVision's standard layout, or a basic-block layout such as ML.NET's ResNet18's.
    /// </summary>
    public static ClassifierNetwork Create(ResNetArchitecture architecture, ClassifierHead head, int classCount, Device device, IReadOnlyList<int>? blocks = null)
    {
        var network = new ClassifierNetwork(TorchVisionResNet(architecture, classCount, blocks), head, classCount);
        network.to(device);
        return network;
    }

    private static nn.Module<Tensor, Tensor> TorchVisionResNet(ResNetArchitecture architecture, int classCount, IReadOnlyList<int>? blocks)
    {
        if (blocks is not null)
        {
            if (architecture == ResNetArchitecture.ResNet50)
                throw new ArgumentException("A custom block layout is supported for basic-block ResNets (18, 34) only.", nameof(blocks));
            return new TorchSharp.Modules.ResNet($"resnet-{string.Join('-', blocks)}",
                (input, channels, stride, downsample, _, _, _, _) => new BasicBlock(input, channels, stride, downsample),
                expansion: 1, layers: [.. blocks], numClasses: classCount);
        }
        return architecture switch
        {
            ResNetArchitecture.ResNet18 => torchvision.models.resnet18(num_classes: classCount),
            ResNetArchitecture.ResNet34 => torchvision.models.resnet34(num_classes: classCount),
            ResNetArchitecture.ResNet50 => torchvision.models.resnet50(num_classes: classCount),
            _ => throw new ArgumentOutOfRangeException(nameof(architecture), architecture,
                $"Unknown architecture {architecture}. Use one of: {string.Join(", ", Enum.GetNames<ResNetArchitecture>())}."),
        };
    }
}
