using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>
/// Copies a state dictionary into a network, leaving out the heads (the file's ImageNet <c>fc.*</c> or <c>classifier.*</c>, the network's own) so the
/// network keeps its own head sized to the task. Everything else must match by name and shape;
/// the first tensor that does not is named with both shapes.
/// </summary>
internal static class StateDictLoader
{
    private static readonly string[] Heads = ["fc.", "head.", "classifier."];

    private static bool IsHead(string name) => Heads.Any(h => name.StartsWith(h, StringComparison.Ordinal));

    /// <summary>Loads <paramref name="state"/> into <paramref name="network"/> in place (the head excepted).</summary>
    /// <param name="network">The network to fill.</param>
    /// <param name="state">Parameter name → tensor, TorchVision's names.</param>
    /// <param name="source">Where the dictionary came from, for messages.</param>
    /// <param name="networkName">The network's name, for messages ("ResNet34").</param>
    /// <param name="skipHeads">False: load every tensor, head names too (a custom backbone's body may name a layer <c>head</c> or <c>classifier</c>).</param>
    public static void Load(nn.Module network, IReadOnlyDictionary<string, Tensor> state, string source, string networkName, bool skipHeads = true)
    {
        bool Skipped(string name) => skipHeads && IsHead(name);
        var target = network.state_dict();
        foreach (var (name, tensor) in target)
        {
            if (Skipped(name))
                continue;
            if (!state.TryGetValue(name, out var value))
            {
                if (name.EndsWith(".num_batches_tracked", StringComparison.Ordinal))
                    continue; // older PyTorch files lack this counter; it is not used in evaluation
                throw new InvalidDataException(
                    $"Weight file {source} does not fit {networkName}: it has no tensor '{name}' (expected shape [{string.Join(", ", tensor.shape)}]). " +
                    "Is it a file for another architecture?");
            }
            if (!value.shape.SequenceEqual(tensor.shape))
                throw new InvalidDataException(
                    $"Weight file {source} does not fit {networkName}: tensor '{name}' has shape [{string.Join(", ", value.shape)}] in the file, " +
                    $"but [{string.Join(", ", tensor.shape)}] in the network. Is it a file for another architecture?");
        }
        var extra = state.Keys.FirstOrDefault(k => !Skipped(k) && !target.ContainsKey(k));
        if (extra is not null)
            throw new InvalidDataException(
                $"Weight file {source} does not fit {networkName}: it has a tensor '{extra}' that the network lacks. Is it a file for another architecture?");

        using var noGrad = no_grad();
        foreach (var (name, tensor) in target)
        {
            if (!Skipped(name) && state.TryGetValue(name, out var value))
                tensor.copy_(value);
        }
    }
}
