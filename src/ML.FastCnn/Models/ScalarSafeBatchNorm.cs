using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>
/// BatchNorm with PyTorch's parameter and buffer names (<c>weight, bias, running_mean, running_var,
/// num_batches_tracked</c>, so state dicts load unchanged) whose forward passes libtorch no Scalar
/// temporary: TorchSharp's own increments <c>num_batches_tracked</c> with an implicit one that a
/// garbage collection on another thread can free mid-call (<see cref="KeptAliveScalars"/>).
/// </summary>
internal sealed class ScalarSafeBatchNorm : BatchNorm
{
    private readonly int[] _inputDimensions;

    /// <param name="features">Channels (2-D input) or features (1-D input).</param>
    /// <param name="inputDimensions">Accepted input ranks: 4 for images, 2 (and 3) for feature vectors.</param>
    /// <param name="name">The module name TorchSharp would give (shown by ToString).</param>
    /// <param name="epsilon">Added to the variance (PyTorch's <c>eps</c>; 1e-5 but in MobileNetV3).</param>
    /// <param name="momentum">Weight of a batch in the running statistics (PyTorch's <c>momentum</c>; 0.1 but in MobileNetV3).</param>
    private ScalarSafeBatchNorm(long features, int[] inputDimensions, string name, double epsilon = 1e-5, double momentum = 0.1)
        : base(features, eps: epsilon, momentum: momentum, affine: true, track_running_stats: true, device: null, dtype: null, name)
    {
        _inputDimensions = inputDimensions;
    }

    /// <summary>Drop-in for <c>nn.BatchNorm2d</c> (input [N, C, H, W]).</summary>
    public static ScalarSafeBatchNorm For2d(long channels, double epsilon = 1e-5, double momentum = 0.1) => new(channels, [4], "BatchNorm2d", epsilon, momentum);

    /// <summary>Drop-in for <c>nn.BatchNorm1d</c> (input [N, C] or [N, C, L]).</summary>
    public static ScalarSafeBatchNorm For1d(long features) => new(features, [2, 3], "BatchNorm1d");

    protected override void ValidateInputDimensions(Tensor input)
    {
        if (!_inputDimensions.Contains((int)input.ndim))
            throw new ArgumentException($"BatchNorm expected a {string.Join(" or ", _inputDimensions)}-dimensional input, got {input.ndim} dimensions.");
    }

    public override Tensor forward(Tensor input)
    {
        ValidateInputDimensions(input);
        if (training)
            num_batches_tracked!.add_(KeptAliveScalars.One, alpha: KeptAliveScalars.One);
        return nn.functional.batch_norm(input, running_mean, running_var, weight, bias, training, momentum ?? 0.1, eps);
    }
}
