using TorchSharp;
using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>Creates classifier networks: the architecture's body (<see cref="Backbone"/>) under the chosen head.</summary>
internal static class NetworkFactory
{
    /// <summary>
    /// A network with <paramref name="classCount"/> outputs. <paramref name="blocks"/> (blocks per stage) is null
    /// but for a basic-block ResNet of a non-standard layout (ML.NET's ResNet18). <paramref name="seed"/> seeds the
    /// network's own generator (dropout, stochastic depth).
    /// </summary>
    public static ClassifierNetwork Create(CnnArchitecture architecture, ClassifierHead head, int classCount, Device device, IReadOnlyList<int>? blocks = null, int seed = 0)
    {
        if (blocks is not null && !ResNetFactory.IsResNet(architecture))
            throw new ArgumentException($"A custom block layout is supported for basic-block ResNets (18, 34) only, not {architecture}.", nameof(blocks));
        var random = new Generator((ulong)seed, device);
        try
        {
            var backbone = architecture switch
            {
                CnnArchitecture.MobileNetV2 => MobileNetFactory.MobileNetV2(),
                CnnArchitecture.MobileNetV3Large => MobileNetFactory.MobileNetV3(large: true),
                CnnArchitecture.MobileNetV3Small => MobileNetFactory.MobileNetV3(large: false),
                CnnArchitecture.EfficientNetB0 => EfficientNetFactory.Create(0, random),
                CnnArchitecture.EfficientNetB1 => EfficientNetFactory.Create(1, random),
                CnnArchitecture.EfficientNetB2 => EfficientNetFactory.Create(2, random),
                CnnArchitecture.EfficientNetB3 => EfficientNetFactory.Create(3, random),
                _ when ResNetFactory.IsResNet(architecture) => ResNetFactory.Create(architecture, classCount, blocks),
                _ => throw new ArgumentOutOfRangeException(nameof(architecture), architecture,
                    $"Unknown architecture {architecture}. Use one of: {string.Join(", ", Enum.GetNames<CnnArchitecture>())}."),
            };
            var network = new ClassifierNetwork(backbone, head, classCount, random);
            network.to(device);
            return network;
        }
        catch
        {
            random.Dispose();
            throw;
        }
    }
}
