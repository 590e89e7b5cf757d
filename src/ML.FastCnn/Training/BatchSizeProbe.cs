using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>
/// The plan's batch size comes from the data alone; a GPU may not hold it. Before training on a GPU, one training step
/// of the whole network at the planned size is tried, and the batch halved until a step fits; the learner then
/// accumulates gradients so that an optimizer step still averages the planned number of rows.
/// </summary>
internal static class BatchSizeProbe
{
    /// <summary>
    /// The largest of planned, planned/2, planned/4, … ≥ 1 for which <paramref name="step"/> runs without running out of
    /// memory (<see cref="IsOutOfMemory"/>); other errors pass through. Null when not even one image fits.
    /// </summary>
    public static int? Largest(int planned, Action<int> step)
    {
        for (int batch = planned; batch >= 1; batch /= 2)
        {
            try
            {
                step(batch);
                return batch;
            }
            catch (Exception e) when (IsOutOfMemory(e))
            {
                // halve and try again
            }
        }
        return null;
    }

    /// <summary>Whether libtorch ran out of memory: CUDA's "out of memory" (an <see cref="ExternalException"/> through TorchSharp) or the CPU allocator's.</summary>
    public static bool IsOutOfMemory(Exception e) =>
        e is ExternalException or OutOfMemoryException && e.Message.Contains("out of memory", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// One forward and backward pass of <paramref name="network"/> (every layer, in training mode) on <paramref name="batch"/>
    /// images of side <paramref name="size"/> — the memory an unfrozen epoch needs. The network is left as it was: no
    /// gradient, the same BatchNorm statistics, the same dropout generator state, the same trainable layers.
    /// </summary>
    public static void TrainingStep(ClassifierNetwork network, int batch, int size, Device device)
    {
        using var scope = NewDisposeScope();
        var frozen = network.parameters().Where(p => !p.requires_grad).ToList();
        List<Tensor> buffers;
        using (no_grad())
            buffers = network.buffers().Select(b => b.clone()).ToList();
        var dropout = network.Random.get_state();
        bool training = network.training;
        try
        {
            frozen.ForEach(p => p.requires_grad_(true));
            network.train();
            network.call(ones([batch, 3, size, size], device: device)).sum().backward();
            if (device.type == DeviceType.CUDA)
                cuda.synchronize(); // an out-of-memory error surfaces here at the latest
        }
        finally
        {
            network.zero_grad();
            frozen.ForEach(p => p.requires_grad_(false));
            using (no_grad())
            {
                foreach (var (buffer, saved) in network.buffers().Zip(buffers))
                    buffer.copy_(saved);
            }
            network.Random.set_state(dropout);
            network.train(training);
        }
    }
}
