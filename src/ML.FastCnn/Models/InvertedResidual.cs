using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>
/// The inverted-residual block of MobileNetV2 (torchvision's field <c>conv</c>), MobileNetV3 and EfficientNet's
/// MBConv (field <c>block</c>): expand (1×1), depthwise, optional squeeze-and-excitation, project (1×1, no
/// activation), with the input added back when the shape is unchanged. EfficientNet's stochastic depth drops the
/// branch per image while training (torchvision's <c>StochasticDepth(p, "row")</c>), drawing from the network's
/// generator; in evaluation it is the identity. No Scalar temporary reaches libtorch (<see cref="KeptAliveScalars"/>).
/// </summary>
internal sealed class InvertedResidual : nn.Module<Tensor, Tensor>
{
    private readonly double _dropProbability;
    private readonly Scalar? _survivalScale; // 1/(1−p), kept alive with the module
    private readonly Generator? _generator;

    /// <param name="layersName">torchvision's name of the layer sequence: <c>conv</c> (MobileNetV2) or <c>block</c>.</param>
    /// <param name="layers">The block's layers, in order.</param>
    /// <param name="residual">Whether the input is added back (stride 1, as many channels out as in).</param>
    /// <param name="dropProbability">Stochastic depth: probability of dropping the branch of one image while training (0: never).</param>
    /// <param name="generator">The network's generator (not owned); needed when <paramref name="dropProbability"/> &gt; 0.</param>
    public InvertedResidual(string layersName, Sequential layers, bool residual, double dropProbability = 0, Generator? generator = null)
        : base(nameof(InvertedResidual))
    {
        Layers = layers;
        Residual = residual;
        _dropProbability = residual ? dropProbability : 0;
        if (_dropProbability > 0)
        {
            _generator = generator ?? throw new ArgumentNullException(nameof(generator), "Stochastic depth needs the network's generator.");
            _survivalScale = (1 / (1 - _dropProbability)).ToScalar();
        }
        register_module(layersName, layers);
    }

    /// <summary>The block's layers (convolution-BatchNorm-activation sequences, squeeze-and-excitation, a last convolution and BatchNorm).</summary>
    public Sequential Layers { get; }

    /// <summary>Whether the input is added to the output.</summary>
    public bool Residual { get; }

    public override Tensor forward(Tensor input)
    {
        var result = Layers.forward(input);
        if (!Residual)
            return result;
        if (training && _dropProbability > 0)
        {
            using var scope = NewDisposeScope();
            var keep = empty([input.shape[0], 1, 1, 1], result.dtype, _generator!.device).bernoulli_(1 - _dropProbability, _generator).to(result.device);
            result = result.mul(keep.mul_(_survivalScale!)).MoveToOuterDisposeScope();
        }
        return result.add_(input, KeptAliveScalars.One);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            _survivalScale?.Dispose();
        base.Dispose(disposing);
    }
}
