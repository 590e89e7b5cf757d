using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>
/// Networks and images for self-checks and speed probes: random weights, and BatchNorm statistics like
/// a trained network's (fresh ones are the identity, which folding cannot get wrong).
/// </summary>
internal static class ProbeClassifier
{
    public static ImageClassifier Create(CnnArchitecture architecture, ClassifierHead head, int size, int classes = 3, Device? device = null)
    {
        var classifier = ImageClassifier.Create(architecture, head, size, new SingleLabelTask(Enumerable.Range(0, classes).Select(c => $"class{c}").ToArray()), device ?? CPU, seed: 5);
        using var noGrad = no_grad();
        var random = new Random(7);
        var batchNorms = classifier.Network.named_modules().Where(m => m.module is TorchSharp.Modules.BatchNorm).Select(m => m.name + ".").ToList();
        foreach (var (name, value) in classifier.Network.state_dict().Where(kv => batchNorms.Any(prefix => kv.Key.StartsWith(prefix, StringComparison.Ordinal))))
        {
            bool positive = name.EndsWith("running_var", StringComparison.Ordinal) || name.EndsWith(".weight", StringComparison.Ordinal);
            if (positive || name.EndsWith("running_mean", StringComparison.Ordinal) || name.EndsWith(".bias", StringComparison.Ordinal))
            {
                var values = Enumerable.Range(0, (int)value.numel()).Select(_ => positive ? 0.25f + 1.5f * random.NextSingle() : 0.6f * (random.NextSingle() - 0.5f)).ToArray();
                using var replacement = tensor(values, value.shape, device: value.device);
                value.copy_(replacement);
            }
        }
        classifier.Network.eval();
        return classifier;
    }

    /// <summary>Seeded random uint8 pixels [count, 3, size, size].</summary>
    public static Tensor Images(int count, int size, int seed)
    {
        var pixels = new byte[count * 3 * size * size];
        new Random(seed).NextBytes(pixels);
        return tensor(pixels, [count, 3, size, size]);
    }
}
