using TorchSharp;
using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>
/// Dropout (zeroes each value with probability p while training, scales the rest by 1/(1−p)) drawing
/// from the network's own generator rather than libtorch's process-wide one, so that two fits in
/// one process do not take each other's random numbers: the same seed gives the same model however
/// many other fits run beside it. No parameters, so state dicts are unchanged.
/// </summary>
internal sealed class SeededDropout : nn.Module<Tensor, Tensor>
{
    private readonly double _probability;
    private readonly Scalar _scale; // 1/(1−p), kept alive with the module (KeptAliveScalars)
    private readonly Generator _generator;

    /// <param name="probability">Probability of zeroing a value, in [0, 1).</param>
    /// <param name="generator">The network's generator (not owned).</param>
    public SeededDropout(double probability, Generator generator) : base("Dropout")
    {
        _probability = probability;
        _scale = (1 / (1 - probability)).ToScalar();
        _generator = generator;
    }

    public override Tensor forward(Tensor input)
    {
        if (!training || _probability == 0)
            return input;
        var mask = empty_like(input).bernoulli_(1 - _probability, _generator);
        return input.mul(mask.mul_(_scale));
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            _scale.Dispose();
        base.Dispose(disposing);
    }
}
