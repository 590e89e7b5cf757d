using TorchSharp;
using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>
/// torchvision's EfficientNet-B0…B3 bodies (<c>features</c>: a SiLU stem, seven stages of MBConv blocks with
/// squeeze-and-excitation and stochastic depth, a 1×1 convolution to 4× the last stage's channels), built from our
/// layers with torchvision's module names so its ImageNet files load. TorchSharp 0.107's TorchVision has no EfficientNet.
/// </summary>
internal static class EfficientNetFactory
{
    private const double StochasticDepth = 0.2; // torchvision's stochastic_depth_prob, spread linearly over the blocks

    /// <summary>EfficientNet-B<paramref name="variant"/> (0–3) with its width and depth multipliers; dropout draws from <paramref name="generator"/>.</summary>
    public static Backbone Create(int variant, Generator generator)
    {
        var (width, depth) = variant switch
        {
            0 => (1.0, 1.0),
            1 => (1.0, 1.1),
            2 => (1.1, 1.2),
            3 => (1.2, 1.4),
            _ => throw new ArgumentOutOfRangeException(nameof(variant), variant, "EfficientNet B0 to B3 are supported."),
        };
        // torchvision's MBConvConfig rows: expansion, kernel, stride, input, output, layers (before the multipliers).
        (int Expand, int Kernel, int Stride, int In, int Out, int Layers)[] setting =
        [
            (1, 3, 1, 32, 16, 1), (6, 3, 2, 16, 24, 2), (6, 5, 2, 24, 40, 2), (6, 3, 2, 40, 80, 3),
            (6, 5, 1, 80, 112, 3), (6, 5, 2, 112, 192, 4), (6, 3, 1, 192, 320, 1),
        ];
        int Channels(int c) => MobileNetFactory.MakeDivisible(c * width);
        int Depth(int n) => (int)Math.Ceiling(n * depth);
        var norm = BatchNormSettings.PyTorch;

        var features = new List<nn.Module<Tensor, Tensor>> { ConvNormActivation.Create(3, Channels(setting[0].In), 3, 2, 1, ActivationKind.SiLU, norm) };
        int total = setting.Sum(s => Depth(s.Layers)), index = 0;
        foreach (var s in setting)
        {
            var stage = new List<nn.Module<Tensor, Tensor>>();
            for (int i = 0; i < Depth(s.Layers); i++, index++)
            {
                int input = i == 0 ? Channels(s.In) : Channels(s.Out), output = Channels(s.Out), stride = i == 0 ? s.Stride : 1;
                int expanded = MobileNetFactory.MakeDivisible(input * (double)s.Expand);
                var layers = new List<nn.Module<Tensor, Tensor>>();
                if (expanded != input)
                    layers.Add(ConvNormActivation.Create(input, expanded, 1, 1, 1, ActivationKind.SiLU, norm));
                layers.Add(ConvNormActivation.Create(expanded, expanded, s.Kernel, stride, expanded, ActivationKind.SiLU, norm));
                layers.Add(new SqueezeExcitation(expanded, Math.Max(1, input / 4), ActivationKind.SiLU, ActivationKind.Sigmoid));
                layers.Add(ConvNormActivation.Create(expanded, output, 1, 1, 1, activation: null, norm));
                stage.Add(new InvertedResidual("block", nn.Sequential(layers), residual: stride == 1 && input == output,
                    StochasticDepth * index / total, generator));
            }
            features.Add(nn.Sequential(stage));
        }
        int last = 4 * Channels(setting[^1].Out);
        features.Add(ConvNormActivation.Create(Channels(setting[^1].Out), last, 1, 1, 1, ActivationKind.SiLU, norm));
        // features.4 (the stage that reaches stride 16) starts the second layer group.
        return MobileNetFactory.Build(features, last, splitAt: 4);
    }
}
