using TorchSharp;
using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>ResNet bodies: TorchVision's ResNet class (parameter names as PyTorch's: conv1, bn1, layer1..4) around our blocks and BatchNorm.</summary>
internal static class ResNetFactory
{
    private static readonly string[] BodyNames = ["conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4"];

    /// <summary>Whether <paramref name="architecture"/> is a ResNet (ResNet, ResNeXt, Wide ResNet).</summary>
    public static bool IsResNet(CnnArchitecture architecture) => architecture is CnnArchitecture.ResNet18 or CnnArchitecture.ResNet34
        or CnnArchitecture.ResNet50 or CnnArchitecture.ResNet101 or CnnArchitecture.ResNet152 or CnnArchitecture.ResNeXt50_32x4d
        or CnnArchitecture.ResNeXt101_32x8d or CnnArchitecture.ResNeXt101_64x4d or CnnArchitecture.WideResNet50_2 or CnnArchitecture.WideResNet101_2;

    /// <summary>
    /// The body of a ResNet with torchvision's <c>fc</c> for <paramref name="classCount"/> classes. <paramref name="blocks"/> (blocks per stage)
    /// is null for TorchVision's standard layout, or a basic-block layout such as ML.NET's ResNet18's.
    /// fast.ai's split (<c>_resnet_split</c>): stem and stages 1–2, stages 3–4.
    /// </summary>
    public static Backbone Create(CnnArchitecture architecture, int classCount, IReadOnlyList<int>? blocks)
    {
        var resnet = TorchVisionResNet(architecture, classCount, blocks);
        var children = resnet.named_children().ToDictionary(c => c.name, c => c.module);
        var fc = (TorchSharp.Modules.Linear)children["fc"];
        return new Backbone(BodyNames.Select(name => (name, (nn.Module<Tensor, Tensor>)children[name])).ToArray(), (int)fc.in_features,
            [["conv1.", "bn1.", "layer1.", "layer2."], ["layer3.", "layer4."]], fc);
    }

    // TorchVision's ResNet class (stem, stages, init) around our blocks and BatchNorm, which pass libtorch no Scalar temporary.
    private static nn.Module<Tensor, Tensor> TorchVisionResNet(CnnArchitecture architecture, int classCount, IReadOnlyList<int>? blocks)
    {
        bool bottleneck = UsesBottlenecks(architecture);
        if (blocks is not null && bottleneck)
            throw new ArgumentException("A custom block layout is supported for basic-block ResNets (18, 34) only.", nameof(blocks));
        int[] layout = blocks?.ToArray() ?? architecture switch
        {
            CnnArchitecture.ResNet18 => [2, 2, 2, 2],
            CnnArchitecture.ResNet34 or CnnArchitecture.ResNet50 or CnnArchitecture.ResNeXt50_32x4d or CnnArchitecture.WideResNet50_2 => [3, 4, 6, 3],
            CnnArchitecture.ResNet101 or CnnArchitecture.ResNeXt101_32x8d or CnnArchitecture.ResNeXt101_64x4d or CnnArchitecture.WideResNet101_2 => [3, 4, 23, 3],
            CnnArchitecture.ResNet152 => [3, 8, 36, 3],
            _ => throw new ArgumentOutOfRangeException(nameof(architecture), architecture, $"{architecture} is not a ResNet."),
        };
        // torchvision's groups and width_per_group: ResNeXt groups its 3×3 convolutions, Wide ResNet doubles the bottleneck.
        var (groups, widthPerGroup) = architecture switch
        {
            CnnArchitecture.ResNeXt50_32x4d => (32, 4),
            CnnArchitecture.ResNeXt101_32x8d => (32, 8),
            CnnArchitecture.ResNeXt101_64x4d => (64, 4),
            CnnArchitecture.WideResNet50_2 or CnnArchitecture.WideResNet101_2 => (1, 128),
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
    public static bool UsesBottlenecks(CnnArchitecture architecture) =>
        IsResNet(architecture) && architecture is not (CnnArchitecture.ResNet18 or CnnArchitecture.ResNet34);
}
