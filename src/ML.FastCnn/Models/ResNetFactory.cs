using TorchSharp;
using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>Creates ResNet classifiers: TorchVision's bodies (parameter names as PyTorch's: conv1, bn1, layer1..4) under the chosen head.</summary>
internal static class ResNetFactory
{
    /// <summary>
    /// A ResNet with <paramref name="classCount"/> outputs. <paramref name="blocks"/> (blocks per stage)
    /// is null for TorchVision's standard layout, or a basic-block layout such as ML.NET's ResNet18's.
    /// <paramref name="seed"/> seeds the network's own generator (dropout).
    /// </summary>
    public static ClassifierNetwork Create(ResNetArchitecture architecture, ClassifierHead head, int classCount, Device device, IReadOnlyList<int>? blocks = null, int seed = 0)
    {
        var network = new ClassifierNetwork(TorchVisionResNet(architecture, classCount, blocks), head, classCount, new Generator((ulong)seed, device));
        network.to(device);
        return network;
    }

    // TorchVision's ResNet class (stem, stages, init) around our blocks and BatchNorm, which pass libtorch no Scalar temporary.
    private static nn.Module<Tensor, Tensor> TorchVisionResNet(ResNetArchitecture architecture, int classCount, IReadOnlyList<int>? blocks)
    {
        bool bottleneck = UsesBottlenecks(architecture);
        if (blocks is not null && bottleneck)
            throw new ArgumentException("A custom block layout is supported for basic-block ResNets (18, 34) only.", nameof(blocks));
        int[] layout = blocks?.ToArray() ?? architecture switch
        {
            ResNetArchitecture.ResNet18 => [2, 2, 2, 2],
            ResNetArchitecture.ResNet34 or ResNetArchitecture.ResNet50 or ResNetArchitecture.ResNeXt50_32x4d or ResNetArchitecture.WideResNet50_2 => [3, 4, 6, 3],
            ResNetArchitecture.ResNet101 => [3, 4, 23, 3],
            ResNetArchitecture.ResNet152 => [3, 8, 36, 3],
            _ => throw new ArgumentOutOfRangeException(nameof(architecture), architecture,
                $"Unknown architecture {architecture}. Use one of: {string.Join(", ", Enum.GetNames<ResNetArchitecture>())}."),
        };
        // torchvision's groups and width_per_group: ResNeXt groups its 3×3 convolutions, Wide ResNet doubles the bottleneck.
        var (groups, widthPerGroup) = architecture switch
        {
            ResNetArchitecture.ResNeXt50_32x4d => (32, 4),
            ResNetArchitecture.WideResNet50_2 => (1, 128),
            _ => (1, 64),
        };
        Func<int, nn.Module<Tensor, Tensor>> norm = channels => ScalarSafeBatchNorm.For2d(channels);
        string name = $"{architecture}-{string.Join('-', layout)}";
        return bottleneck
            ? new TorchSharp.Modules.ResNet(name, (input, channels, stride, downsample, _, _, _, _) => new Bottleneck(input, channels, stride, downsample, norm, groups, widthPerGroup),
                Bottleneck.Expansion, layout, classCount, groups: groups, width_per_group: widthPerGroup, norm_layer: norm)
            : new TorchSharp.Modules.ResNet(name, (input, channels, stride, downsample, _, _, _, _) => new BasicBlock(input, channels, stride, downsample, norm),
                BasicBlock.Expansion, layout, classCount, norm_layer: norm);
    }

    /// <summary>Whether <paramref name="architecture"/> is built of bottleneck blocks (ResNet-50 and deeper, ResNeXt, Wide ResNet).</summary>
    public static bool UsesBottlenecks(ResNetArchitecture architecture) =>
        architecture is not (ResNetArchitecture.ResNet18 or ResNetArchitecture.ResNet34);
}
