using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace ML.FastCnn;

/// <summary>
/// A trained network reduced for inference: every BatchNorm (evaluation mode) folded into the
/// convolution or linear layer next to it, dropout gone. The TorchSharp scoring engine runs it (one
/// pass over memory less per layer); the ONNX exporter writes the same layers. Plain NCHW tensors
/// throughout: the channels-last layout gave wrong convolutions and crashes on some CPUs
/// (docs/channels-last-convolution.md). Read from the state dict,
/// so TorchVision's names (<c>conv1</c>/<c>bn1</c>, <c>layer2.0.downsample.1</c>, <c>fc</c>, fast.ai's
/// <c>head.bn1</c>/<c>head.lin1</c>) are the contract. Owns its tensors.
/// </summary>
internal sealed class FoldedNetwork : IDisposable
{
    private const double Epsilon = 1e-5; // BatchNorm's eps in every FastCnn network

    /// <summary>A convolution with the BatchNorm after it folded in: y = conv(x, Weight) + Bias; grouped for ResNeXt.</summary>
    public sealed record Convolution(string Name, Tensor Weight, Tensor Bias, long Stride, long Groups = 1)
    {
        public long Padding => Weight.shape[2] / 2;
    }

    /// <summary>A residual block: basic (two convolutions) or bottleneck (three); the shortcut's convolution if it has one.</summary>
    public sealed record Block(IReadOnlyList<Convolution> Convolutions, Convolution? Downsample);

    /// <summary>A linear layer with the BatchNorm before it (if any) folded in: y = x·Weightᵀ + Bias.</summary>
    public sealed record Linear(string Name, Tensor Weight, Tensor Bias);

    private FoldedNetwork(Convolution stem, IReadOnlyList<Block> blocks, ClassifierHead head, IReadOnlyList<Linear> classifier)
    {
        Stem = stem;
        Blocks = blocks;
        Head = head;
        Classifier = classifier;
    }

    /// <summary>conv1 + bn1 (7×7, stride 2), followed by ReLU and a 3×3 max pool with stride 2.</summary>
    public Convolution Stem { get; }

    public IReadOnlyList<Block> Blocks { get; }

    /// <summary>Linear: average pool → <see cref="Classifier"/>[0]. Fastai: concat pool (max, average) → [0] → ReLU → [1].</summary>
    public ClassifierHead Head { get; }

    public IReadOnlyList<Linear> Classifier { get; }

    /// <summary>Folds <paramref name="network"/>'s current weights; the network is not changed.</summary>
    public static FoldedNetwork From(ClassifierNetwork network, ClassifierHead head)
    {
        using var noGrad = no_grad();
        var state = network.state_dict();
        var stem = Fold(state, "conv1", "bn1", stride: 2);
        var blocks = new List<Block>();
        for (int stage = 1; stage <= 4; stage++)
        {
            for (int block = 0; state.ContainsKey($"layer{stage}.{block}.conv1.weight"); block++)
            {
                string prefix = $"layer{stage}.{block}";
                long stride = stage > 1 && block == 0 ? 2 : 1;
                bool bottleneck = state.ContainsKey($"{prefix}.conv3.weight");
                // TorchVision's layout: the stride sits on the 3×3 convolution (the first of a basic block, the second of a bottleneck).
                // A grouped 3×3 convolution (ResNeXt) takes fewer input channels per filter than the 1×1 before it puts out.
                long groups = bottleneck ? state[$"{prefix}.conv1.weight"].shape[0] / state[$"{prefix}.conv2.weight"].shape[1] : 1;
                var convolutions = new List<Convolution>
                {
                    Fold(state, $"{prefix}.conv1", $"{prefix}.bn1", bottleneck ? 1 : stride),
                    Fold(state, $"{prefix}.conv2", $"{prefix}.bn2", bottleneck ? stride : 1, groups),
                };
                if (bottleneck)
                    convolutions.Add(Fold(state, $"{prefix}.conv3", $"{prefix}.bn3", 1));
                var downsample = state.ContainsKey($"{prefix}.downsample.0.weight") ? Fold(state, $"{prefix}.downsample.0", $"{prefix}.downsample.1", stride) : null;
                blocks.Add(new Block(convolutions, downsample));
            }
        }
        IReadOnlyList<Linear> classifier = head == ClassifierHead.Linear
            ? [Fold(state, "fc", batchNorm: null)]
            : [Fold(state, "head.lin1", "head.bn1"), Fold(state, "head.lin2", "head.bn2")];
        return new FoldedNetwork(stem, blocks, head, classifier);
    }

    /// <summary>Logits [N, classes] of normalised images [N, 3, S, S].</summary>
    public Tensor Forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = F.max_pool2d(Apply(Stem, input).relu_(), [3, 3], [2, 2], [1, 1]);
        foreach (var block in Blocks)
        {
            var y = x;
            for (int i = 0; i < block.Convolutions.Count; i++)
            {
                y = Apply(block.Convolutions[i], y);
                if (i < block.Convolutions.Count - 1)
                    y = y.relu_();
            }
            var shortcut = block.Downsample is { } downsample ? Apply(downsample, x) : x;
            x = y.add_(shortcut, KeptAliveScalars.One).relu_();
        }
        Tensor logits;
        if (Head == ClassifierHead.Linear)
        {
            logits = F.linear(x.mean([2L, 3L]), Classifier[0].Weight, Classifier[0].Bias);
        }
        else
        {
            var pooled = cat([x.amax([2L, 3L]), x.mean([2L, 3L])], 1);
            logits = F.linear(F.linear(pooled, Classifier[0].Weight, Classifier[0].Bias).relu_(), Classifier[1].Weight, Classifier[1].Bias);
        }
        return logits.MoveToOuterDisposeScope();
    }

    private static Tensor Apply(Convolution c, Tensor x) =>
        F.conv2d(x, c.Weight, c.Bias, strides: [c.Stride, c.Stride], padding: [c.Padding, c.Padding], groups: c.Groups);

    /// <summary>BatchNorm in evaluation mode as y = x·scale + shift per channel (float64).</summary>
    private static (Tensor Scale, Tensor Shift) BatchNorm(Dictionary<string, Tensor> state, string name)
    {
        using var epsilon = Epsilon.ToScalar();
        var gamma = state[$"{name}.weight"].to_type(ScalarType.Float64);
        var scale = state[$"{name}.running_var"].to_type(ScalarType.Float64, copy: true).add_(epsilon, KeptAliveScalars.One).rsqrt_().mul_(gamma);
        var shift = state[$"{name}.bias"].to_type(ScalarType.Float64).sub(state[$"{name}.running_mean"].to_type(ScalarType.Float64).mul(scale));
        return (scale, shift);
    }

    private static Convolution Fold(Dictionary<string, Tensor> state, string convolution, string batchNorm, long stride, long groups = 1)
    {
        using var scope = NewDisposeScope();
        var (scale, shift) = BatchNorm(state, batchNorm);
        var weight = state[$"{convolution}.weight"].to_type(ScalarType.Float64).mul(scale.view(-1, 1, 1, 1));
        return new Convolution(convolution, Keep(weight), Keep(shift), stride, groups);
    }

    /// <summary>Linear(x), or Linear(BatchNorm(x)) as one layer: W' = W·diag(scale), b' = b + W·shift.</summary>
    private static Linear Fold(Dictionary<string, Tensor> state, string linear, string? batchNorm)
    {
        using var scope = NewDisposeScope();
        var weight = state[$"{linear}.weight"].to_type(ScalarType.Float64);
        var bias = state.TryGetValue($"{linear}.bias", out var b) ? b.to_type(ScalarType.Float64) : zeros(weight.shape[0], ScalarType.Float64, weight.device);
        if (batchNorm is not null)
        {
            var (scale, shift) = BatchNorm(state, batchNorm);
            bias = bias.add(weight.matmul(shift), KeptAliveScalars.One);
            weight = weight.mul(scale);
        }
        return new Linear(linear, Keep(weight), Keep(bias));
    }

    /// <summary>A float32, contiguous copy that outlives the folding's dispose scope.</summary>
    private static Tensor Keep(Tensor folded) => folded.to_type(ScalarType.Float32).contiguous().DetachFromDisposeScope();

    public void Dispose()
    {
        foreach (var c in Blocks.SelectMany(b => b.Convolutions.Append(b.Downsample)).Append(Stem).OfType<Convolution>())
        {
            c.Weight.Dispose();
            c.Bias.Dispose();
        }
        foreach (var l in Classifier)
        {
            l.Weight.Dispose();
            l.Bias.Dispose();
        }
    }
}
