using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>The activation functions FastCnn's backbones use; the folded scoring path and the ONNX export know each one.</summary>
internal enum ActivationKind
{
    /// <summary>max(x, 0).</summary>
    ReLU,

    /// <summary>min(max(x, 0), 6): MobileNetV2.</summary>
    ReLU6,

    /// <summary>x · relu6(x + 3) / 6: MobileNetV3.</summary>
    Hardswish,

    /// <summary>relu6(x + 3) / 6: MobileNetV3's squeeze-and-excitation gate.</summary>
    Hardsigmoid,

    /// <summary>x · sigmoid(x) (swish): EfficientNet.</summary>
    SiLU,

    /// <summary>1 / (1 + e^−x): EfficientNet's squeeze-and-excitation gate.</summary>
    Sigmoid,
}

/// <summary>
/// An activation layer without parameters (state dicts unchanged), computed by libtorch's own kernels through
/// calls that take no Scalar (so no temporary can be freed mid-call; <see cref="KeptAliveScalars"/>). Its
/// <see cref="Kind"/> is what the folded network and the ONNX export read.
/// </summary>
internal sealed class Activation(ActivationKind kind) : nn.Module<Tensor, Tensor>(kind.ToString())
{
    public ActivationKind Kind { get; } = kind;

    public override Tensor forward(Tensor input) => Apply(Kind, input);

    /// <summary><paramref name="kind"/> of <paramref name="input"/>, as a new tensor.</summary>
    public static Tensor Apply(ActivationKind kind, Tensor input) => kind switch
    {
        ActivationKind.ReLU => input.relu(),
        ActivationKind.ReLU6 => input.relu6(),
        ActivationKind.Hardswish => input.hardswish(),
        ActivationKind.Hardsigmoid => input.hardsigmoid(),
        ActivationKind.SiLU => input.silu(),
        ActivationKind.Sigmoid => input.sigmoid(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown activation."),
    };
}
