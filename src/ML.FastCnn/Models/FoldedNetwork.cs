using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace ML.FastCnn;

/// <summary>
/// A trained network reduced for inference: every BatchNorm (evaluation mode) folded into the convolution or
/// linear layer next to it, dropout and stochastic depth gone (both are the identity in evaluation). The body
/// becomes a short list of <see cref="Layer"/>s — convolutions (plain, grouped, depthwise), activations (ReLU,
/// ReLU6, hard-swish, hard-sigmoid, SiLU, sigmoid), max pooling, residual additions and squeeze-and-excitation
/// gates — that the TorchSharp scoring engine runs and the ONNX exporter writes, for every backbone. Read from the
/// network's modules in order (their types say what each is); anything else — a custom backbone's own module types, or
/// its own head — is refused by name (<see cref="NotSupportedException"/>), and such a network scores with its own forward. Plain NCHW tensors
/// throughout: the channels-last layout gave wrong convolutions and crashes on some CPUs
/// (docs/channels-last-convolution.md). Owns its tensors.
/// </summary>
internal sealed class FoldedNetwork : IDisposable
{
    /// <summary>One step of the folded body.</summary>
    public abstract record Layer;

    /// <summary>A convolution with the BatchNorm after it (if any) folded in: y = conv(x, Weight) + Bias; grouped for ResNeXt, depthwise for MobileNet.</summary>
    public sealed record Convolution(string Name, Tensor Weight, Tensor Bias, long Stride, long Padding, long Groups, long Dilation) : Layer;

    /// <summary>An activation function, elementwise.</summary>
    public sealed record Activate(ActivationKind Kind) : Layer;

    /// <summary>Max pooling, square (the ResNet stem's: 3×3, stride 2, padding 1).</summary>
    public sealed record MaxPool(long Kernel, long Stride, long Padding) : Layer;

    /// <summary>y = After(Branch(x) + Shortcut(x)); an empty shortcut is the identity, a null <paramref name="After"/> none.</summary>
    public sealed record Residual(IReadOnlyList<Layer> Branch, IReadOnlyList<Layer> Shortcut, ActivationKind? After) : Layer;

    /// <summary>Squeeze-and-excitation: y = x · Gate(mean of x over height and width), per channel.</summary>
    public sealed record ChannelGate(IReadOnlyList<Layer> Gate) : Layer;

    /// <summary>A linear layer with the BatchNorm before it (if any) folded in: y = x·Weightᵀ + Bias.</summary>
    public sealed record Linear(string Name, Tensor Weight, Tensor Bias);

    private const double HeadEpsilon = 1e-5; // BatchNorm's eps in FastCnn's heads

    private FoldedNetwork(IReadOnlyList<Layer> body, ClassifierHead head, IReadOnlyList<Linear> classifier)
    {
        Body = body;
        Head = head;
        Classifier = classifier;
    }

    /// <summary>The body, from the normalised image to the last feature map.</summary>
    public IReadOnlyList<Layer> Body { get; }

    /// <summary>Linear: average pool → <see cref="Classifier"/>[0]. Fastai: concat pool (max, average) → [0] → ReLU → [1].</summary>
    public ClassifierHead Head { get; }

    public IReadOnlyList<Linear> Classifier { get; }

    /// <summary>Folds <paramref name="network"/>'s current weights; the network is not changed.</summary>
    /// <exception cref="NotSupportedException">The network has a layer or a head this class does not know; the message names it.</exception>
    public static FoldedNetwork From(ClassifierNetwork network, ClassifierHead head)
    {
        if (network.HasCustomHead)
            throw new NotSupportedException(
                $"The folded scoring engines and the ONNX export do not know the custom backbone's own head ({network.Classifier.GetType().Name}): " +
                "the model scores with its own forward (ScoringEngine.Reference) and cannot be exported to ONNX. Leave CreateHead null for FastCnn's heads, which they know.");
        using var noGrad = no_grad();
        var body = new List<Layer>();
        try
        {
            var bodyModules = network.Body.ToHashSet();
            Walk(network.named_children().Where(c => c.module is nn.Module<Tensor, Tensor> m && bodyModules.Contains(m)).ToList(), "", body);
            var state = network.state_dict();
            IReadOnlyList<Linear> classifier = head == ClassifierHead.Linear
                ? [Fold(state, "fc", batchNorm: null)]
                : [Fold(state, "head.lin1", "head.bn1"), Fold(state, "head.lin2", "head.bn2")];
            return new FoldedNetwork(body, head, classifier);
        }
        catch
        {
            DisposeAll(body);
            throw;
        }
    }

    /// <summary>Why <paramref name="network"/> cannot be folded (the layer or head it does not know), or null when it can.</summary>
    public static string? Unsupported(ClassifierNetwork network, ClassifierHead head)
    {
        try
        {
            From(network, head).Dispose();
            return null;
        }
        catch (NotSupportedException e)
        {
            return e.Message.TrimEnd('.');
        }
    }

    /// <summary>Logits [N, classes] of normalised images [N, 3, S, S].</summary>
    public Tensor Forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = Run(Body, input);
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

    private static Tensor Run(IReadOnlyList<Layer> layers, Tensor input)
    {
        var x = input;
        foreach (var layer in layers)
        {
            x = layer switch
            {
                Convolution c => F.conv2d(x, c.Weight, c.Bias, strides: [c.Stride, c.Stride], padding: [c.Padding, c.Padding],
                    dilation: [c.Dilation, c.Dilation], groups: c.Groups),
                Activate a => ML.FastCnn.Activation.Apply(a.Kind, x),
                MaxPool p => F.max_pool2d(x, [p.Kernel, p.Kernel], [p.Stride, p.Stride], [p.Padding, p.Padding]),
                Residual r => After(r.After, Run(r.Branch, x).add_(r.Shortcut.Count == 0 ? x : Run(r.Shortcut, x), KeptAliveScalars.One)),
                ChannelGate g => x.mul(Run(g.Gate, x.mean([2L, 3L], keepdim: true))),
                _ => throw new InvalidOperationException($"Unknown folded layer {layer}."),
            };
        }
        return x;
    }

    private static Tensor After(ActivationKind? kind, Tensor x) => kind is { } k ? ML.FastCnn.Activation.Apply(k, x) : x;

    /// <summary>Appends the folded form of <paramref name="modules"/> (named children, in forward order) to <paramref name="output"/>.</summary>
    private static void Walk(IReadOnlyList<(string name, nn.Module module)> modules, string prefix, List<Layer> output)
    {
        for (int i = 0; i < modules.Count; i++)
        {
            var (name, module) = modules[i];
            string path = prefix + name;
            switch (module)
            {
                case Conv2d conv:
                    var norm = i + 1 < modules.Count ? modules[i + 1].module as BatchNorm : null;
                    output.Add(Fold(path, conv, norm));
                    if (norm is not null)
                        i++;
                    break;
                case ML.FastCnn.Activation activation:
                    output.Add(new Activate(activation.Kind));
                    break;
                case ReLU:
                    output.Add(new Activate(ActivationKind.ReLU));
                    break;
                case MaxPool2d pool:
                    output.Add(Pool(path, pool));
                    break;
                case Sequential sequential:
                    Walk(sequential.named_children().ToList(), path + ".", output);
                    break;
                case BasicBlock or Bottleneck:
                    var parts = module.named_children().ToDictionary(c => c.name, c => c.module);
                    var branch = new List<Layer>();
                    string[] order = module is Bottleneck
                        ? ["conv1", "bn1", "relu", "conv2", "bn2", "relu", "conv3", "bn3"]
                        : ["conv1", "bn1", "relu", "conv2", "bn2"];
                    Walk(order.Select(n => (n, parts[n])).ToList(), path + ".", branch);
                    var shortcut = new List<Layer>();
                    if (parts.TryGetValue("downsample", out var downsample))
                        Walk([("downsample", downsample)], path + ".", shortcut);
                    output.Add(new Residual(branch, shortcut, ActivationKind.ReLU));
                    break;
                case InvertedResidual block:
                    var layers = new List<Layer>();
                    Walk(block.named_children().ToList(), path + ".", layers);
                    if (block.Residual)
                        output.Add(new Residual(layers, [], After: null));
                    else
                        output.AddRange(layers);
                    break;
                case SqueezeExcitation se:
                    output.Add(new ChannelGate(
                    [
                        Fold($"{path}.fc1", se.Squeeze, null), new Activate(se.InnerActivation),
                        Fold($"{path}.fc2", se.Excite, null), new Activate(se.Gate),
                    ]));
                    break;
                default:
                    throw new NotSupportedException(
                        $"The folded scoring engines and the ONNX export do not know layer '{path}' ({module.GetType().Name}): the model scores with its own " +
                        "forward (ScoringEngine.Reference) and cannot be exported to ONNX. In a custom backbone they know Sequential, Conv2d, BatchNorm after a Conv2d, ReLU and MaxPool2d.");
            }
        }
    }

    /// <summary>A max pool with the same kernel, stride and padding both ways, no dilation, floor rounding (what ONNX's MaxPool here writes).</summary>
    private static MaxPool Pool(string name, MaxPool2d pool)
    {
        long[] stride = pool.stride ?? pool.kernel_size, padding = pool.padding ?? [0, 0], dilation = pool.dilation ?? [1, 1];
        if (pool.kernel_size.Distinct().Count() != 1 || stride.Distinct().Count() != 1 || padding.Distinct().Count() != 1 || dilation.Any(d => d != 1) || pool.ceil_mode)
            throw new NotSupportedException($"The folded scoring engines and the ONNX export take square max pools without dilation or ceil mode; '{name}' is not one: " +
                "the model scores with its own forward (ScoringEngine.Reference) and cannot be exported to ONNX.");
        return new MaxPool(pool.kernel_size[0], stride[0], padding[0]);
    }

    /// <summary>conv(x) then BatchNorm in evaluation mode as one convolution: W' = W·scale, b' = (b − mean)·scale + β, per output channel.</summary>
    private static Convolution Fold(string name, Conv2d conv, BatchNorm? norm)
    {
        if (conv.padding is not { } padding || padding.Distinct().Count() != 1 || conv.stride.Distinct().Count() != 1 || conv.dilation.Distinct().Count() != 1
            || conv.padding_mode != PaddingModes.Zeros)
            throw new NotSupportedException($"The folded scoring engines and the ONNX export take square convolutions with equal zero padding and strides; '{name}' is not one: " +
                "the model scores with its own forward (ScoringEngine.Reference) and cannot be exported to ONNX.");
        using var scope = NewDisposeScope();
        var weight = conv.weight.to_type(ScalarType.Float64);
        var bias = conv.bias is { } b ? b.to_type(ScalarType.Float64) : zeros(weight.shape[0], ScalarType.Float64, weight.device);
        if (norm is not null)
        {
            var (scale, shift) = BatchNorm(norm.weight!, norm.bias!, norm.running_mean!, norm.running_var!, norm.eps);
            weight = weight.mul(scale.view(-1, 1, 1, 1));
            bias = bias.mul(scale).add_(shift, KeptAliveScalars.One);
        }
        return new Convolution(name, Keep(weight), Keep(bias), conv.stride[0], padding[0], conv.groups, conv.dilation[0]);
    }

    /// <summary>BatchNorm in evaluation mode as y = x·scale + shift per channel (float64).</summary>
    private static (Tensor Scale, Tensor Shift) BatchNorm(Tensor gamma, Tensor beta, Tensor mean, Tensor variance, double epsilon)
    {
        using var eps = epsilon.ToScalar();
        var scale = variance.to_type(ScalarType.Float64, copy: true).add_(eps, KeptAliveScalars.One).rsqrt_().mul_(gamma.to_type(ScalarType.Float64));
        var shift = beta.to_type(ScalarType.Float64).sub(mean.to_type(ScalarType.Float64).mul(scale));
        return (scale, shift);
    }

    /// <summary>Linear(x), or Linear(BatchNorm(x)) as one layer: W' = W·diag(scale), b' = b + W·shift.</summary>
    private static Linear Fold(Dictionary<string, Tensor> state, string linear, string? batchNorm)
    {
        using var scope = NewDisposeScope();
        var weight = state[$"{linear}.weight"].to_type(ScalarType.Float64);
        var bias = state.TryGetValue($"{linear}.bias", out var b) ? b.to_type(ScalarType.Float64) : zeros(weight.shape[0], ScalarType.Float64, weight.device);
        if (batchNorm is not null)
        {
            var (scale, shift) = BatchNorm(state[$"{batchNorm}.weight"], state[$"{batchNorm}.bias"], state[$"{batchNorm}.running_mean"],
                state[$"{batchNorm}.running_var"], HeadEpsilon);
            bias = bias.add(weight.matmul(shift), KeptAliveScalars.One);
            weight = weight.mul(scale);
        }
        return new Linear(linear, Keep(weight), Keep(bias));
    }

    /// <summary>A float32, contiguous copy that outlives the folding's dispose scope.</summary>
    private static Tensor Keep(Tensor folded) => folded.to_type(ScalarType.Float32).contiguous().DetachFromDisposeScope();

    /// <summary>Every convolution of <paramref name="layers"/>, depth first, in forward order.</summary>
    public static IEnumerable<Convolution> Convolutions(IEnumerable<Layer> layers)
    {
        foreach (var layer in layers)
        {
            var inner = layer switch
            {
                Convolution c => [c],
                Residual r => Convolutions(r.Branch).Concat(Convolutions(r.Shortcut)),
                ChannelGate g => Convolutions(g.Gate),
                _ => [],
            };
            foreach (var c in inner)
                yield return c;
        }
    }

    private static void DisposeAll(IEnumerable<Layer> layers)
    {
        foreach (var c in Convolutions(layers))
        {
            c.Weight.Dispose();
            c.Bias.Dispose();
        }
    }

    public void Dispose()
    {
        DisposeAll(Body);
        foreach (var l in Classifier)
        {
            l.Weight.Dispose();
            l.Bias.Dispose();
        }
    }
}
