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

    /// <summary>The name a custom backbone's body is registered under: its parameters are <c>body.*</c>.</summary>
    public const string CustomBodyName = "body";

    /// <summary>
    /// A network of <paramref name="custom"/>'s body (random weights, as its factory makes them) under its own head or
    /// <paramref name="head"/>, with <paramref name="classCount"/> outputs; its layer groups are checked to cover the body.
    /// </summary>
    public static ClassifierNetwork Create(CustomBackbone custom, ClassifierHead head, int classCount, Device device, int seed = 0)
    {
        var random = new Generator((ulong)seed, device);
        nn.Module<Tensor, Tensor>? body = null;
        try
        {
            body = custom.CreateBody() ?? throw new InvalidOperationException($"The CreateBody of the {custom} returned null: it must return a new body module.");
            var groups = custom.LayerGroups.Select(g => g.Select(prefix => $"{CustomBodyName}.{prefix}").ToArray()).ToArray();
            var stray = body.named_parameters().Select(p => p.name).FirstOrDefault(name => !custom.LayerGroups.Any(g => g.Any(name.StartsWith)));
            Checks.UserArg(stray is null, nameof(CustomBackbone.LayerGroups),
                $"of the {custom} leave out its parameter '{stray}': add a prefix of it (e.g. \"{stray?.Split('.')[0]}.\") to one of the groups");
            var network = new ClassifierNetwork(new Backbone([(CustomBodyName, body)], custom.FeatureWidth, groups), head, classCount, random, custom.CreateHead);
            network.to(device);
            return network;
        }
        catch
        {
            body?.Dispose();
            random.Dispose();
            throw;
        }
    }
}
