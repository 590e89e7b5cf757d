using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>
/// TorchVision's ResNet basic block (two 3×3 convolutions and a shortcut), with PyTorch's field
/// names so state-dict keys match. Ours rather than TorchVision's so that no Scalar temporary reaches
/// libtorch (<see cref="KeptAliveScalars"/>), and so that ResNets with a non-standard number of blocks
/// per stage (ML.NET's ImageNet ResNet18 has 2, 2, 2, 3) can be built.
/// </summary>
internal sealed class BasicBlock : nn.Module<Tensor, Tensor>
{
    /// <summary>Output channels per <c>channels</c> argument.</summary>
    public const int Expansion = 1;

    private readonly Conv2d conv1;
    private readonly nn.Module<Tensor, Tensor> bn1;
    private readonly ReLU relu;
    private readonly Conv2d conv2;
    private readonly nn.Module<Tensor, Tensor> bn2;
    private readonly nn.Module<Tensor, Tensor>? downsample;

    public BasicBlock(int inputChannels, int channels, int stride, nn.Module<Tensor, Tensor>? downsample, Func<int, nn.Module<Tensor, Tensor>> norm)
        : base(nameof(BasicBlock))
    {
        conv1 = nn.Conv2d(inputChannels, channels, 3, stride: stride, padding: 1, bias: false);
        bn1 = norm(channels);
        relu = nn.ReLU(inplace: true);
        conv2 = nn.Conv2d(channels, channels, 3, stride: 1, padding: 1, bias: false);
        bn2 = norm(channels);
        this.downsample = downsample;
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        var shortcut = downsample is null ? input : downsample.forward(input);
        var x = relu.forward(bn1.forward(conv1.forward(input)));
        x = bn2.forward(conv2.forward(x));
        return relu.forward(x.add_(shortcut, KeptAliveScalars.One));
    }
}
