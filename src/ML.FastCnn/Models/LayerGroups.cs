using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>
/// fast.ai's split of a network into layer groups: for a ResNet (<c>_resnet_split</c>) stem and stages 1–2,
/// stages 3–4, head (<c>fc</c> or fast.ai's <c>head</c>); for MobileNet and EfficientNet the <c>features</c> before
/// stride 16, the rest, head (<see cref="Backbone"/>). Groups get their own learning rates; freezing stops training every group but
/// the head, except BatchNorm layers, which keep adapting (fast.ai <c>train_bn</c>).
/// </summary>
internal sealed class LayerGroups
{
    private static readonly string[] HeadPrefixes = ["fc.", "head."];

    private readonly List<(string Name, Parameter Parameter)>[] _groups;
    private readonly HashSet<string> _batchNorm;

    public LayerGroups(ClassifierNetwork network)
    {
        string[][] groupPrefixes = [.. network.BodyGroupPrefixes, HeadPrefixes];
        _groups = groupPrefixes.Select(_ => new List<(string, Parameter)>()).ToArray();
        foreach (var (name, parameter) in network.named_parameters())
        {
            int group = Array.FindIndex(groupPrefixes, prefixes => prefixes.Any(name.StartsWith));
            if (group < 0)
                throw new InvalidOperationException($"Parameter '{name}' belongs to no layer group; the network does not follow its backbone's layout.");
            _groups[group].Add((name, parameter));
        }
        _batchNorm = network.named_modules()
            .Where(m => m.module is BatchNorm)
            .SelectMany(m => m.module.named_parameters().Select(p => $"{m.name}.{p.name}"))
            .ToHashSet();
    }

    public int Count => _groups.Length;

    /// <summary>Names of the parameters of group <paramref name="index"/>.</summary>
    public IEnumerable<string> Names(int index) => _groups[index].Select(p => p.Name);

    /// <summary>
    /// The parameters to train, as (layer group, with weight decay, parameters) in group order; within a
    /// group, BatchNorm parameters and biases come apart, without weight decay (fast.ai <c>wd_bn_bias=False</c>).
    /// <paramref name="headOnly"/>: only the head (training on precomputed activations); otherwise every trainable one.
    /// </summary>
    public List<(int Group, bool Decay, List<Parameter> Parameters)> ParameterGroups(bool headOnly)
    {
        var result = new List<(int, bool, List<Parameter>)>();
        for (int g = 0; g < _groups.Length; g++)
        {
            var trainable = _groups[g].Where(p => headOnly ? g == _groups.Length - 1 : p.Parameter.requires_grad).ToList();
            foreach (bool decay in new[] { true, false })
            {
                var parameters = trainable.Where(p => decay != IsBatchNormOrBias(p.Name)).Select(p => p.Parameter).ToList();
                if (parameters.Count > 0)
                    result.Add((g, decay, parameters));
            }
        }
        return result;
    }

    private bool IsBatchNormOrBias(string name) => _batchNorm.Contains(name) || name.EndsWith(".bias", StringComparison.Ordinal);

    public bool IsFrozen { get; private set; }

    public bool IsBatchNorm(string parameterName) => _batchNorm.Contains(parameterName);

    /// <summary>Stops training every group but the last, except (when <paramref name="trainBatchNorm"/>) BatchNorm parameters.</summary>
    public void Freeze(bool trainBatchNorm = true)
    {
        for (int g = 0; g < _groups.Length; g++)
        {
            foreach (var (name, parameter) in _groups[g])
                parameter.requires_grad = g == _groups.Length - 1 || (trainBatchNorm && _batchNorm.Contains(name));
        }
        IsFrozen = true;
        BatchNormFrozen = !trainBatchNorm;
    }

    /// <summary>Whether the frozen backbone's BatchNorm layers are frozen too (then it runs in evaluation mode).</summary>
    public bool BatchNormFrozen { get; private set; }

    /// <summary>Makes every parameter trainable.</summary>
    public void Unfreeze()
    {
        foreach (var (_, parameter) in _groups.SelectMany(g => g))
            parameter.requires_grad = true;
        IsFrozen = false;
        BatchNormFrozen = false;
    }
}
