using TorchSharp;
using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>
/// A copy of a network's parameters and buffers (BatchNorm statistics included), to go back to:
/// after the learning-rate range test, after divergence, for keep-best.
/// </summary>
internal sealed class WeightSnapshot : IDisposable
{
    private readonly Dictionary<string, Tensor> _state;

    public WeightSnapshot(nn.Module network)
    {
        using var noGrad = no_grad();
        // In a scope, so that no temporary (detach's result) is left to a finalizer while libtorch reads it.
        using var scope = NewDisposeScope();
        _state = network.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone().MoveToOuterDisposeScope());
    }

    /// <summary>Copies the saved values back into <paramref name="network"/>, in place.</summary>
    public void Restore(nn.Module network)
    {
        using var noGrad = no_grad();
        foreach (var (name, tensor) in network.state_dict())
            tensor.copy_(_state[name]);
    }

    public void Dispose()
    {
        foreach (var tensor in _state.Values)
            tensor.Dispose();
    }
}
