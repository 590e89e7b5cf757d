using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>
/// torchvision's <c>SqueezeExcitation</c> (Hu et al.): each channel scaled by a gate computed from the image's
/// channel means, gate = scale_activation(fc2(activation(fc1(mean)))); <c>fc1</c>, <c>fc2</c> are 1×1 convolutions
/// with bias, named as torchvision's.
/// </summary>
internal sealed class SqueezeExcitation : nn.Module<Tensor, Tensor>
{
    private readonly AdaptiveAvgPool2d avgpool = nn.AdaptiveAvgPool2d(1);
    private readonly Conv2d fc1;
    private readonly Conv2d fc2;
    private readonly Activation activation;
    private readonly Activation scale_activation;

    public SqueezeExcitation(long channels, long squeezeChannels, ActivationKind activation, ActivationKind gate) : base(nameof(SqueezeExcitation))
    {
        fc1 = nn.Conv2d(channels, squeezeChannels, 1);
        fc2 = nn.Conv2d(squeezeChannels, channels, 1);
        this.activation = new Activation(activation);
        scale_activation = new Activation(gate);
        RegisterComponents();
    }

    public Conv2d Squeeze => fc1;

    public Conv2d Excite => fc2;

    public ActivationKind InnerActivation => activation.Kind;

    public ActivationKind Gate => scale_activation.Kind;

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var scale = scale_activation.forward(fc2.forward(activation.forward(fc1.forward(avgpool.forward(input)))));
        return input.mul(scale).MoveToOuterDisposeScope();
    }
}
