using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>
/// TorchVision's ResNet bottleneck block (1×1, 3×3, 1×1 convolutions and a shortcut; ResNet50 and
/// deeper), with PyTorch's field names so state-dict keys match. Ours so that no Scalar temporary
/// reaches libtorch (<see cref="KeptAliveScalars"/>).
/// </summary>
internal sealed class Bottleneck : nn.Module<Tensor, Tensor>
{
    /// <summary>Output channels per <c>channels</c> argument.</summary>
    public const int Expansion = 4;

    private readonly Conv2d conv1;
    private readonly nn.Module<Tensor, Tensor> bn1;
    private readonly Conv2d conv2;
    private readonly nn.Module<Tensor, Tensor> bn2;
    private readonly Conv2d conv3;
    private readonly nn.Module<Tensor, Tensor> bn3;
    private readonly ReLU relu;
    private readonly nn.Module<Tensor, Tensor>? downsample;

    public Bottleneck(int inputChannels, int channels, int stride, nn.Module<Tensor, Tensor>? downsample, Func<int, nn.Module<Tensor, Tensor>> norm)
        : base(nameof(Bottleneck))
    {
        conv1 = nn.Conv2d(inputChannels, channels, 1, bias: false);
        bn1 = norm(channels);
        conv2 = nn.Conv2d(channels, channels, 3, stride: stride, padding: 1, bias: false);
        bn2 = norm(channels);
        conv3 = nn.Conv2d(channels, channels * Expansion, 1, bias: false);
        bn3 = norm(channels * Expansion);
        relu = nn.ReLU(inplace: true);
        this.downsample = downsample;
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        var shortcut = downsample is null ? input : downsample.forward(input);
        var x = relu.forward(bn1.forward(conv1.forward(input)));
        x = relu.forward(bn2.forward(conv2.forward(x)));
        x = bn3.forward(conv3.forward(x));
        return relu.forward(x.add_(shortcut, KeptAliveScalars.One));
    }
}
