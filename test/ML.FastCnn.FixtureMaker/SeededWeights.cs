using ML.FastCnn;
using TorchSharp;
using static TorchSharp.torch;

namespace ML.FastCnn.FixtureMaker;

/// <summary>
/// The weights stream of a fixture: the network FastCnn builds for the spec, every parameter and BatchNorm
/// statistic replaced by seeded random values (System.Random, so they do not depend on libtorch's generator),
/// saved in TorchSharp's format as FastCnn's <c>ImageClassifier.SaveWeights</c> does.
/// </summary>
/// <remarks>
/// Convolution and linear weights are sparse so the zip stays small (about 16 non-zero inputs per output,
/// ±√(2/16), He's variance): every output still depends on the pixels, so a change in how old models'
/// images are resized or normalised moves the scores. The last layer (<c>fc</c> or <c>head.lin2</c>) is
/// scaled by <see cref="LastLayerScale"/> so the probabilities stay away from 0 and 1, where they would
/// hide such a change. BatchNorm weights 0.5–1.5, biases and running means
/// ±0.2, running variances 0.5–1.5, dense. <c>num_batches_tracked</c> stays 0.
/// </remarks>
internal static class SeededWeights
{
    private const int InputsPerOutput = 16;
    private const double LastLayerScale = 0.05;

    public static byte[] Make(FixtureSpec spec)
    {
        NativeBackend.EnsureLoaded();
        var random = new Random(spec.WeightSeed);
        using var network = NetworkFactory.Create(spec.Architecture, spec.Head, spec.ClassNames.Length, CPU, spec.Blocks);
        using (no_grad())
        {
            foreach (var (name, tensor) in network.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).Concat(network.named_buffers()))
            {
                if (tensor.dtype != ScalarType.Float32)
                    continue;
                using var scope = NewDisposeScope();
                var values = Values(name, tensor.shape, random);
                tensor.copy_(torch.tensor(values).reshape(tensor.shape));
            }
        }
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
            network.save(writer);
        return stream.ToArray();
    }

    private static float[] Values(string name, long[] shape, Random random)
    {
        long count = shape.Aggregate(1L, (a, b) => a * b);
        var values = new float[count];
        if (shape.Length >= 2)
        {
            long fanIn = count / shape[0];
            double p = Math.Min(1.0, (double)InputsPerOutput / fanIn);
            bool last = name is "fc.weight" or "head.lin2.weight";
            float magnitude = (float)(Math.Sqrt(2.0 / (p * fanIn)) * (last ? LastLayerScale : 1.0));
            for (long i = 0; i < count; i++)
            {
                if (random.NextDouble() < p)
                    values[i] = random.Next(2) == 0 ? magnitude : -magnitude;
            }
            return values;
        }
        bool scale = name.EndsWith(".running_var", StringComparison.Ordinal) || name.EndsWith(".weight", StringComparison.Ordinal);
        for (long i = 0; i < count; i++)
            values[i] = scale ? (float)(0.5 + random.NextDouble()) : (float)(0.4 * random.NextDouble() - 0.2);
        return values;
    }
}
