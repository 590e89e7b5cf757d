using TorchSharp;
using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>
/// A copy of a network's parameters and buffers (BatchNorm statistics included), to go back to: after
/// the learning-rate range test, after divergence, for keep-best. Taken by
/// <see cref="FitContext.SnapshotWeights"/>; holds native memory until disposed.
/// </summary>
public sealed class WeightSnapshot : IDisposable
{
    private readonly nn.Module _network;
    private readonly Dictionary<string, Tensor> _state;

    internal WeightSnapshot(nn.Module network)
    {
        _network = network;
        using var noGrad = no_grad();
        // In a scope, so that no temporary (detach's result) is left to a finalizer while libtorch reads it.
        using var scope = NewDisposeScope();
        _state = network.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone().MoveToOuterDisposeScope());
    }

    /// <summary>Copies the saved values back into the network they were taken from, in place.</summary>
    /// <exception cref="ObjectDisposedException">The snapshot was disposed.</exception>
    public void Restore()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var noGrad = no_grad();
        foreach (var (name, tensor) in _network.state_dict())
            tensor.copy_(_state[name]);
    }

    private bool _disposed;

    /// <summary>Frees the copy's native memory; calling it again does nothing.</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        foreach (var tensor in _state.Values)
            tensor.Dispose();
    }
}
