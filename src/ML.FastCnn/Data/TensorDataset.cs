using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>
/// Rows held as one tensor [N, …] with their targets — the precomputed backbone activations that
/// train the head while the backbone is frozen (fast.ai v0.7 <c>precompute=True</c>).
/// </summary>
internal sealed class TensorDataset : IDisposable
{
    private readonly Tensor _items;
    private readonly float[][] _targets;

    public TensorDataset(Tensor items, float[][] targets)
    {
        _items = items;
        _targets = targets;
    }

    public int Count => _targets.Length;

    /// <summary>
    /// One epoch of batches as row indices, shuffled with <paramref name="random"/> when given; with
    /// <paramref name="dropLast"/>, a last partial batch is left out when a full one came before.
    /// </summary>
    public IEnumerable<int[]> BatchIndices(int batchSize, Random? random, bool dropLast = false)
    {
        var order = Enumerable.Range(0, Count).ToArray();
        random?.Shuffle(order);
        for (int start = 0; start < order.Length; start += batchSize)
        {
            if (dropLast && start > 0 && start + batchSize > order.Length)
                yield break;
            yield return order[start..Math.Min(start + batchSize, order.Length)];
        }
    }

    /// <summary>The rows' items on <paramref name="device"/> (no copy when they are stored there; in the caller's dispose scope, if any) and their targets.</summary>
    public (Tensor Items, float[][] Targets) GetBatch(int[] indices, Device device)
    {
        // A scope holds the intermediate (index_select's result): a temporary nothing references can be
        // finalized by another thread's garbage collection while libtorch reads it.
        using var scope = NewDisposeScope();
        var index = tensor(indices.Select(i => (long)i).ToArray(), device: _items.device);
        var items = _items.index_select(0, index).to(device);
        return (items.MoveToOuterDisposeScope(), indices.Select(i => _targets[i]).ToArray());
    }

    public void Dispose() => _items.Dispose();
}
