using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>
/// TorchVision's ResNet bottleneck block (1×1, 3×3, 1×1 convolutions and a shortcut; ResNet50 and
/// deeper; grouped for ResNeXt, wider for Wide ResNet), with PyTorch's field names so state-dict keys match. Ours so that no Scalar temporary
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

    /// <param name="inputChannels">Channels coming in.</param>
    /// <param name="channels">torchvision's <c>planes</c>: the block puts out <see cref="Expansion"/> times as many.</param>
    /// <param name="stride">Stride of the 3×3 convolution (2 in a stage's first block, else 1).</param>
    /// <param name="downsample">The shortcut's 1×1 convolution and BatchNorm, when the shape changes.</param>
    /// <param name="norm">Makes the BatchNorm layers.</param>
    /// <param name="groups">Groups of the 3×3 convolution (torchvision's <c>groups</c>; 32 for ResNeXt).</param>
    /// <param name="widthPerGroup">torchvision's <c>width_per_group</c>: 64 for ResNet, 4 for ResNeXt 32×4d, 128 for Wide ResNet-50-2.</param>
    public Bottleneck(int inputChannels, int channels, int stride, nn.Module<Tensor, Tensor>? downsample, Func<int, nn.Module<Tensor, Tensor>> norm,
        int groups = 1, int widthPerGroup = 64)
        : base(nameof(Bottleneck))
    {
        int width = channels * widthPerGroup / 64 * groups; // torchvision: int(planes * (base_width / 64.0)) * groups
        conv1 = nn.Conv2d(inputChannels, width, 1, bias: false);
        bn1 = norm(width);
        conv2 = nn.Conv2d(width, width, 3, stride: stride, padding: 1, groups: groups, bias: false);
        bn2 = norm(width);
        conv3 = nn.Conv2d(width, channels * Expansion, 1, bias: false);
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
