using TorchSharp;
using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>
/// Dropout (zeroes each value with probability p while training, scales the rest by 1/(1−p)) drawing
/// from the network's own generator rather than libtorch's process-wide one, so that two fits in
/// one process do not take each other's random numbers: the same seed gives the same model however
/// many other fits run beside it. No parameters, so state dicts are unchanged. The mask is drawn on
/// the CPU, where the generator lives (TorchSharp creates every generator there), and moved to the
/// input's device: drawn on a CUDA tensor with a CPU generator, libtorch refuses ("Expected a 'cuda'
/// device type for generator", dotnet/TorchSharp#1194). The same seed gives the same mask on any device.
/// </summary>
internal sealed class SeededDropout : nn.Module<Tensor, Tensor>
{
    private double _probability;
    private Scalar _scale; // 1/(1−p), kept alive with the module (KeptAliveScalars)
    private readonly Generator _generator;

    /// <param name="probability">Probability of zeroing a value, in [0, 1).</param>
    /// <param name="generator">The network's generator (not owned).</param>
    public SeededDropout(double probability, Generator generator) : base("Dropout")
    {
        _probability = probability;
        _scale = (1 / (1 - probability)).ToScalar();
        _generator = generator;
    }

    /// <summary>Probability of zeroing a value, in [0, 1); set it between fits, not during a forward pass.</summary>
    public double Probability
    {
        get => _probability;
        set
        {
            var old = _scale;
            _scale = (1 / (1 - value)).ToScalar();
            _probability = value;
            old.Dispose();
        }
    }

    public override Tensor forward(Tensor input)
    {
        if (!training || _probability == 0)
            return input;
        using var scope = NewDisposeScope();
        var mask = empty(input.shape, input.dtype, _generator.device).bernoulli_(1 - _probability, _generator).to(input.device);
        return input.mul(mask.mul_(_scale)).MoveToOuterDisposeScope();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            _scale.Dispose();
        base.Dispose(disposing);
    }
}
