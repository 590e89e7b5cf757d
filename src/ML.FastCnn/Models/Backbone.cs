using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>
/// The body a classifier is built on: its modules in order, named as torchvision names them (so ImageNet state
/// dicts load), the channels of its last feature map, and fast.ai's split of the body into two layer groups.
/// </summary>
/// <param name="Body">The body's modules, applied in order: <c>conv1 … layer4</c> (ResNets) or <c>features</c>.</param>
/// <param name="Features">Channels of the body's output (what the head pools).</param>
/// <param name="GroupPrefixes">State-dict name prefixes of the two body layer groups (the head is the third).</param>
/// <param name="Fc">torchvision's own <c>fc</c> (ResNets), kept as the Linear head so models saved before 1.4 load; null elsewhere.</param>
internal sealed record Backbone(IReadOnlyList<(string Name, nn.Module<Tensor, Tensor> Module)> Body, int Features, IReadOnlyList<string[]> GroupPrefixes,
    nn.Module<Tensor, Tensor>? Fc = null)
{
    /// <summary>Prefixes <c>features.0.</c> … for the modules of a <c>features</c> sequence from <paramref name="from"/> up to, not including, <paramref name="to"/>.</summary>
    public static string[] FeaturePrefixes(int from, int to) => Enumerable.Range(from, to - from).Select(i => $"features.{i}.").ToArray();
}
