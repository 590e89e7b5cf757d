using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>
/// torchvision's <c>Conv2dNormActivation</c>: a <c>Sequential</c> of a convolution without bias (<c>0</c>), BatchNorm
/// (<c>1</c>) and an optional activation (<c>2</c>), so state-dict keys read <c>features.0.0.weight</c>,
/// <c>features.0.1.running_var</c> as torchvision's do. Padding (k − 1) / 2 keeps the size at stride 1.
/// </summary>
internal static class ConvNormActivation
{
    /// <summary>The layers; <paramref name="groups"/> = channels makes a depthwise convolution.</summary>
    public static Sequential Create(long inputChannels, long outputChannels, long kernel, long stride, long groups, ActivationKind? activation,
        BatchNormSettings norm)
    {
        var layers = new List<nn.Module<Tensor, Tensor>>
        {
            nn.Conv2d(inputChannels, outputChannels, kernel, stride: stride, padding: (kernel - 1) / 2, groups: groups, bias: false),
            ScalarSafeBatchNorm.For2d(outputChannels, norm.Epsilon, norm.Momentum),
        };
        if (activation is { } kind)
            layers.Add(new Activation(kind));
        return nn.Sequential(layers);
    }
}

/// <summary>A family's BatchNorm constants: torchvision uses eps 1e-5 and momentum 0.1, except MobileNetV3 (1e-3, 0.01).</summary>
internal sealed record BatchNormSettings(double Epsilon, double Momentum)
{
    public static BatchNormSettings PyTorch { get; } = new(1e-5, 0.1);
}
