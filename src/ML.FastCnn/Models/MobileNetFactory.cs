using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>
/// torchvision's MobileNetV2 and MobileNetV3 bodies (<c>features</c>, width multiplier 1), built here from our
/// layers (BatchNorm and activations that pass libtorch no Scalar temporary) with torchvision's module names, so
/// its ImageNet files load. TorchSharp's own TorchVision MobileNets are not used: they train through TorchSharp's
/// BatchNorm (<see cref="ScalarSafeBatchNorm"/> says why).
/// </summary>
internal static class MobileNetFactory
{
    /// <summary>torchvision's <c>_make_divisible</c>: the nearest multiple of 8, at least 8 and no less than 90% of <paramref name="value"/>.</summary>
    public static int MakeDivisible(double value, int divisor = 8, int? minimum = null)
    {
        int result = Math.Max(minimum ?? divisor, (int)(value + divisor / 2.0) / divisor * divisor);
        return result < 0.9 * value ? result + divisor : result;
    }

    /// <summary>MobileNetV2: a stem, 17 inverted residuals with ReLU6, a 1×1 convolution to 1280 channels.</summary>
    public static Backbone MobileNetV2()
    {
        // torchvision's inverted_residual_setting: expansion t, channels c, repeats n, first stride s.
        int[][] setting = [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1]];
        var norm = BatchNormSettings.PyTorch;
        const int LastChannels = 1280;
        int input = 32;
        var features = new List<nn.Module<Tensor, Tensor>> { ConvNormActivation.Create(3, input, 3, 2, 1, ActivationKind.ReLU6, norm) };
        foreach (var row in setting)
        {
            int t = row[0], output = row[1], repeats = row[2], firstStride = row[3];
            for (int i = 0; i < repeats; i++)
            {
                int stride = i == 0 ? firstStride : 1;
                int hidden = (int)Math.Round(input * (double)t, MidpointRounding.ToEven);
                var layers = new List<nn.Module<Tensor, Tensor>>();
                if (t != 1)
                    layers.Add(ConvNormActivation.Create(input, hidden, 1, 1, 1, ActivationKind.ReLU6, norm));
                layers.Add(ConvNormActivation.Create(hidden, hidden, 3, stride, hidden, ActivationKind.ReLU6, norm));
                layers.Add(nn.Conv2d(hidden, output, 1, bias: false));
                layers.Add(ScalarSafeBatchNorm.For2d(output));
                features.Add(new InvertedResidual("conv", nn.Sequential(layers), residual: stride == 1 && input == output));
                input = output;
            }
        }
        features.Add(ConvNormActivation.Create(input, LastChannels, 1, 1, 1, ActivationKind.ReLU6, norm));
        // Stages by resolution: features.7 starts stride 16 (fast.ai's ResNet split falls there too).
        return Build(features, LastChannels, splitAt: 7);
    }

    /// <summary>MobileNetV3-Large or -Small: hard-swish stem, inverted residuals with squeeze-and-excitation, a 1×1 convolution to 6× the last block's channels.</summary>
    public static Backbone MobileNetV3(bool large)
    {
        // torchvision's bneck_conf: input, kernel, expanded, output, squeeze-and-excitation, hard-swish, stride.
        (int In, int Kernel, int Expanded, int Out, bool Se, bool Hs, int Stride)[] setting = large
            ?
            [
                (16, 3, 16, 16, false, false, 1), (16, 3, 64, 24, false, false, 2), (24, 3, 72, 24, false, false, 1),
                (24, 5, 72, 40, true, false, 2), (40, 5, 120, 40, true, false, 1), (40, 5, 120, 40, true, false, 1),
                (40, 3, 240, 80, false, true, 2), (80, 3, 200, 80, false, true, 1), (80, 3, 184, 80, false, true, 1),
                (80, 3, 184, 80, false, true, 1), (80, 3, 480, 112, true, true, 1), (112, 3, 672, 112, true, true, 1),
                (112, 5, 672, 160, true, true, 2), (160, 5, 960, 160, true, true, 1), (160, 5, 960, 160, true, true, 1),
            ]
            :
            [
                (16, 3, 16, 16, true, false, 2), (16, 3, 72, 24, false, false, 2), (24, 3, 88, 24, false, false, 1),
                (24, 5, 96, 40, true, true, 2), (40, 5, 240, 40, true, true, 1), (40, 5, 240, 40, true, true, 1),
                (40, 5, 120, 48, true, true, 1), (48, 5, 144, 48, true, true, 1), (48, 5, 288, 96, true, true, 2),
                (96, 5, 576, 96, true, true, 1), (96, 5, 576, 96, true, true, 1),
            ];
        var norm = new BatchNormSettings(1e-3, 0.01); // torchvision's MobileNetV3 BatchNorm
        var features = new List<nn.Module<Tensor, Tensor>> { ConvNormActivation.Create(3, setting[0].In, 3, 2, 1, ActivationKind.Hardswish, norm) };
        foreach (var c in setting)
        {
            var activation = c.Hs ? ActivationKind.Hardswish : ActivationKind.ReLU;
            var layers = new List<nn.Module<Tensor, Tensor>>();
            if (c.Expanded != c.In)
                layers.Add(ConvNormActivation.Create(c.In, c.Expanded, 1, 1, 1, activation, norm));
            layers.Add(ConvNormActivation.Create(c.Expanded, c.Expanded, c.Kernel, c.Stride, c.Expanded, activation, norm));
            if (c.Se)
                layers.Add(new SqueezeExcitation(c.Expanded, MakeDivisible(c.Expanded / 4), ActivationKind.ReLU, ActivationKind.Hardsigmoid));
            layers.Add(ConvNormActivation.Create(c.Expanded, c.Out, 1, 1, 1, activation: null, norm));
            features.Add(new InvertedResidual("block", nn.Sequential(layers), residual: c.Stride == 1 && c.In == c.Out));
        }
        int last = 6 * setting[^1].Out;
        features.Add(ConvNormActivation.Create(setting[^1].Out, last, 1, 1, 1, ActivationKind.Hardswish, norm));
        // Stride 16 starts at features.7 (Large) / features.4 (Small).
        return Build(features, last, splitAt: large ? 7 : 4);
    }

    /// <summary>A <c>features</c> body split into layer groups before <paramref name="splitAt"/>, with torchvision's initialisation.</summary>
    internal static Backbone Build(List<nn.Module<Tensor, Tensor>> features, int channels, int splitAt)
    {
        var body = nn.Sequential(features);
        TorchVisionInit.Apply(body);
        return new Backbone([("features", body)], channels, [Backbone.FeaturePrefixes(0, splitAt), Backbone.FeaturePrefixes(splitAt, features.Count)]);
    }
}
