using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>
/// A network body of your own (any TorchSharp module) for FastCnn to train and score in place of a built-in
/// <see cref="CnnArchitecture"/>: set it as <see cref="FastCnnLearner.Options.CustomBackbone"/>. FastCnn puts a head on it
/// (<see cref="FastCnnLearner.Options.Head"/>, or yours from <see cref="CreateHead"/>), splits it into your
/// <see cref="LayerGroups"/> for freezing and discriminative learning rates, normalises the pixels it sees with your
/// <see cref="Mean"/> and <see cref="Std"/>, and trains it with every recipe and callback. A saved model records the
/// definition's <see cref="Name"/>, the normalisation and all the weights, not the code that builds the body: an
/// application that loads the model must first call <see cref="FastCnn.RegisterBackbone"/> with the same definition.
/// </summary>
/// <example>
/// <code>
/// var tiny = new CustomBackbone("TinyNet", () => nn.Sequential(
///         ("conv1", nn.Conv2d(3, 32, 3, stride: 2, padding: 1)), ("bn1", CustomBackbone.BatchNorm2d(32)), ("relu1", nn.ReLU()),
///         ("conv2", nn.Conv2d(32, 64, 3, stride: 2, padding: 1)), ("bn2", CustomBackbone.BatchNorm2d(64)), ("relu2", nn.ReLU())),
///     featureWidth: 64)
/// {
///     LayerGroups = [["conv1.", "bn1."], ["conv2.", "bn2."]],
/// };
/// FastCnn.RegisterBackbone(tiny);                                   // in every process that loads its models
/// var options = new FastCnnOptions { Learner = { CustomBackbone = tiny, Weights = PretrainedWeights.None } };
/// </code>
/// </example>
public sealed class CustomBackbone
{
    /// <summary>Creates a definition; the optional parts are properties.</summary>
    /// <param name="name">
    /// The name a saved model records and <see cref="FastCnn.RegisterBackbone"/> finds the definition by, e.g. "TinyNet".
    /// Keep it stable, and give a changed body a new name: a model loads only into the body it was trained with.
    /// </param>
    /// <param name="createBody">
    /// Makes a new body each time it is called (a learner, every copy of a trained model and every load call it):
    /// a module from normalised images [N, 3, S, S] to a feature map [N, <paramref name="featureWidth"/>, h, w], with
    /// random weights (see <see cref="WeightsFile"/> and <see cref="LoadWeights"/> for starting weights). Random
    /// initialisation is seeded by the learner's seed.
    /// </param>
    /// <param name="featureWidth">Channels of the body's feature map (C): what the head takes after pooling.</param>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty, or <paramref name="featureWidth"/> is below 1.</exception>
    public CustomBackbone(string name, Func<nn.Module<Tensor, Tensor>> createBody, int featureWidth)
    {
        Checks.UserArg(!string.IsNullOrWhiteSpace(name), nameof(name), "must name the backbone, e.g. \"TinyNet\": saved models record it");
        ArgumentNullException.ThrowIfNull(createBody);
        Checks.UserArg(featureWidth >= 1, nameof(featureWidth), $"must be the channels of the body's feature map, 1 or more (was {featureWidth})");
        Name = name;
        CreateBody = createBody;
        FeatureWidth = featureWidth;
    }

    /// <summary>The name saved models record (see the constructor).</summary>
    public string Name { get; }

    /// <summary>Makes a new body (see the constructor).</summary>
    public Func<nn.Module<Tensor, Tensor>> CreateBody { get; }

    /// <summary>Channels of the body's feature map.</summary>
    public int FeatureWidth { get; }

    /// <summary>
    /// The body's layer groups, first to last, each a list of state-dict name prefixes of the body's parameters
    /// (<c>"conv1."</c>, <c>"layer3."</c>; names as the body's own <c>named_parameters()</c> gives them). FastCnn adds the
    /// head as the last group; <see cref="FastCnnLearner.Freeze"/> trains only the head (and BatchNorm), and discriminative
    /// learning rates give each group its own. Every parameter must match a prefix of some group (the first one it
    /// matches counts). Default: one group, the whole body (<c>[[""]]</c>); fast.ai splits a body in two.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<string>> LayerGroups { get; init; } = [[""]];

    /// <summary>Channel means (R, G, B, in 0–1 units) the pixels are normalised with: (x/255 − mean)/std. Default ImageNet's (0.485, 0.456, 0.406).</summary>
    public IReadOnlyList<float> Mean { get; init; } = InputNormalization.ImageNet.Mean;

    /// <summary>Channel standard deviations (R, G, B), positive. Default ImageNet's (0.229, 0.224, 0.225).</summary>
    public IReadOnlyList<float> Std { get; init; } = InputNormalization.ImageNet.Std;

    /// <summary>
    /// Your own head, or <see langword="null"/> (the default) for the one <see cref="FastCnnLearner.Options.Head"/> names. Called
    /// with the number of outputs (the classes, or the values of a regression); the module gets the body's feature map
    /// average-pooled, [N, <see cref="FeatureWidth"/>], and returns raw outputs, [N, outputs] (logits: FastCnn applies the
    /// task's softmax, sigmoids or regression scaling). It is the last layer
    /// group. Models with a head of their own score with the network's own forward (<see cref="ScoringEngine.Reference"/>)
    /// and cannot be exported to ONNX.
    /// </summary>
    public Func<int, nn.Module<Tensor, Tensor>>? CreateHead { get; init; }

    /// <summary>
    /// A state dict of the body (names as the body's own, or as <see cref="FastCnnLearner.SaveWeights"/> writes them:
    /// <c>body.*</c>, the head left out): a PyTorch pickle (<c>.pth</c>, <c>.pt</c>, <c>.bin</c>), <c>.safetensors</c> or
    /// TorchSharp's <c>.dat</c>. Loaded when <see cref="FastCnnLearner.Options.Weights"/> is <see cref="PretrainedWeights.ImageNet"/>
    /// (the default: "the backbone's own pretrained weights"). Every tensor must match by name and shape. Default none.
    /// </summary>
    public string? WeightsFile { get; init; }

    /// <summary>
    /// Loads your starting weights into a new body (e.g. with TorchSharp.PyBridge's <c>load_py</c>), called when
    /// <see cref="FastCnnLearner.Options.Weights"/> is <see cref="PretrainedWeights.ImageNet"/>; an alternative to
    /// <see cref="WeightsFile"/>. Default none.
    /// </summary>
    public Action<nn.Module<Tensor, Tensor>>? LoadWeights { get; init; }

    /// <summary>
    /// A drop-in for TorchSharp's <c>nn.BatchNorm2d</c> (same parameter names, so state dicts load) that is safe when other
    /// threads collect garbage: TorchSharp 0.107's increments its batch counter with a temporary native Scalar that a
    /// collection can free while libtorch reads it, crashing training at random (docs/torchsharp-scalar-lifetimes.md).
    /// Build your body's BatchNorm layers with it.
    /// </summary>
    /// <param name="channels">Channels of the input [N, C, H, W].</param>
    /// <param name="epsilon">Added to the variance (PyTorch's <c>eps</c>).</param>
    /// <param name="momentum">Weight of a batch in the running statistics (PyTorch's <c>momentum</c>).</param>
    public static BatchNorm BatchNorm2d(long channels, double epsilon = 1e-5, double momentum = 0.1)
    {
        Checks.UserArg(channels >= 1, nameof(channels), $"must be 1 or more (was {channels})");
        return ScalarSafeBatchNorm.For2d(channels, epsilon, momentum);
    }

    /// <summary>Whether starting weights are given (<see cref="WeightsFile"/> or <see cref="LoadWeights"/>).</summary>
    internal bool HasWeights => WeightsFile is not null || LoadWeights is not null;

    /// <summary>The normalisation as the converters take it.</summary>
    internal InputNormalization Normalization => new([.. Mean], [.. Std]);

    /// <summary>Checks the optional parts; messages name the property, the rule and the value.</summary>
    internal void Check()
    {
        Checks.UserArg(LayerGroups is { Count: > 0 } && LayerGroups.All(g => g is { Count: > 0 } && g.All(p => p is not null)), nameof(LayerGroups),
            $"of the custom backbone '{Name}' must hold one or more groups, each one or more name prefixes (\"\" is the whole body)");
        Checks.UserArg(Mean is { Count: 3 } && Mean.All(float.IsFinite), nameof(Mean),
            $"of the custom backbone '{Name}' must be three finite numbers, R, G, B (was {Describe(Mean)})");
        Checks.UserArg(Std is { Count: 3 } && Std.All(s => float.IsFinite(s) && s > 0), nameof(Std),
            $"of the custom backbone '{Name}' must be three positive numbers, R, G, B (was {Describe(Std)})");
        Checks.UserArg(WeightsFile is null || LoadWeights is null, nameof(WeightsFile),
            $"and LoadWeights of the custom backbone '{Name}' are both set: give its starting weights one way");
        Checks.UserArg(WeightsFile is null || !string.IsNullOrWhiteSpace(WeightsFile), nameof(WeightsFile),
            $"of the custom backbone '{Name}' must name a file, or be null");
    }

    private static string Describe(IReadOnlyList<float>? values) => values is null ? "null" : $"[{string.Join(", ", values)}]";

    /// <summary>"custom backbone 'TinyNet'".</summary>
    public override string ToString() => $"custom backbone '{Name}'";
}
