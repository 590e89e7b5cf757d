using TorchSharp;
using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>
/// A trained network with what scoring needs to know about it: architecture (or custom backbone), input size and
/// normalisation, and the task (its outputs: the classes in key order, or the values). Owns the TorchSharp module.
/// </summary>
internal sealed class ImageClassifier(CnnArchitecture architecture, IReadOnlyList<int>? blocks, int imageSize, TaskDefinition task,
    ClassifierNetwork network, Device device, CustomBackbone? custom = null, InputNormalization? normalization = null) : IDisposable
{
    /// <summary>The built-in architecture; for a custom backbone, FastCnn's default, which the model file records in its place.</summary>
    public CnnArchitecture Architecture { get; } = custom is null ? architecture : FastCnnOptions.Defaults.Architecture;

    /// <summary>The custom backbone the network's body comes from, or null for a built-in architecture.</summary>
    public CustomBackbone? Custom { get; } = custom;

    /// <summary>What input pixels are normalised with, everywhere the network sees them: ImageNet's, or the custom backbone's.</summary>
    public InputNormalization Normalization { get; } = normalization ?? custom?.Normalization ?? InputNormalization.ImageNet;

    /// <summary>Blocks per stage when they differ from TorchVision's layout (ML.NET's ResNet18: 2, 2, 2, 3); otherwise null.</summary>
    public IReadOnlyList<int>? Blocks { get; } = blocks;

    public ClassifierHead Head => Network.HeadKind;

    /// <summary>Side of the squares the network is trained and scored at; changes between fits with progressive resizing.</summary>
    public int ImageSize { get; set; } = imageSize;

    /// <summary>What the network predicts (the learner fits it to the training targets).</summary>
    public TaskDefinition Task { get; } = task;

    /// <summary>The outputs' names: the classes in key order, or the values.</summary>
    public IReadOnlyList<string> ClassNames => Task.OutputNames;

    public ClassifierNetwork Network { get; } = network;

    public Device Device { get; } = device;

    /// <summary>The architecture as it really is: "ResNet34", or "ResNet18 with 2-2-2-3 blocks (ML.NET's ImageNet ResNet18)".</summary>
    public string Description => Custom is not null ? Custom.ToString() : Blocks is null
        ? Architecture.ToString()
        : $"{Architecture} with {string.Join('-', Blocks)} blocks{(Architecture == CnnArchitecture.ResNet18 && Blocks.SequenceEqual([2, 2, 2, 3]) ? " (ML.NET's ImageNet ResNet18)" : "")}";

    // Initial weights come from libtorch's process-wide generator: seeding and drawing happen under one
    // lock, so networks created on several threads at once each get their seed's weights.
    private static readonly Lock s_initialWeights = new();

    /// <summary>
    /// A new network of the given shape with random weights, seeded by <paramref name="seed"/>; dropout
    /// then draws from the network's own generator, seeded the same way. With <paramref name="custom"/>, its body
    /// (and head, if it has one) in place of <paramref name="architecture"/>'s.
    /// </summary>
    public static ImageClassifier Create(CnnArchitecture architecture, ClassifierHead head, int imageSize, TaskDefinition task, Device device,
        int seed, IReadOnlyList<int>? blocks = null, CustomBackbone? custom = null)
    {
        NativeBackend.EnsureLoaded();
        ClassifierNetwork network;
        lock (s_initialWeights)
        {
            torch.random.manual_seed(seed);
            network = custom is null
                ? NetworkFactory.Create(architecture, head, task.Outputs, device, blocks, seed)
                : NetworkFactory.Create(custom, head, task.Outputs, device, seed);
        }
        if (task.Kind == ImageTask.Regression) // measured: helps regression, hurts multi-label (benchmarks.md)
            network.StartOutputsAtZero();
        return new ImageClassifier(architecture, blocks, imageSize, task, network, device, custom);
    }

    // Scoring can come from several cursors (threads) at once; TorchSharp modules are not thread-safe.
    private readonly Lock _forward = new();

    private ScoringEngines? _engines;

    /// <summary>
    /// Predictions [N, outputs] of a batch of resized uint8 images [N, 3, S, S] — class probabilities (softmax or
    /// sigmoids) or values, as the <see cref="Task"/> says — computed by the engine <paramref name="engine"/> resolves to
    /// (checked against the network's own forward before its first use; see <see cref="ScoringEngines"/>). Only
    /// scoring copies (which never train) call this.
    /// </summary>
    public float[][] Predict(Tensor imageBytes, ScoringEngine engine = ScoringEngine.Auto, MLNetLog? log = null)
    {
        lock (_forward)
        {
            return Task.Predictions(Engines.For(engine, log ?? MLNetLog.None).Logits(imageBytes));
        }
    }

    /// <summary>The engine that scores for <paramref name="engine"/>, running its self-check if scoring has not started yet.</summary>
    public ScoringEngine EngineFor(ScoringEngine engine, MLNetLog? log = null)
    {
        lock (_forward)
            return Engines.For(engine, log ?? MLNetLog.None).Kind;
    }

    /// <summary>Runs the self-check of <paramref name="engine"/> (not <see cref="ScoringEngine.Auto"/>) and returns its result.</summary>
    public ScoringEngineCheck CheckEngine(ScoringEngine engine, MLNetLog? log = null)
    {
        lock (_forward)
        {
            Engines.Check(engine, log ?? MLNetLog.None);
            return Engines.Checks.Single(c => c.Engine == engine);
        }
    }

    private ScoringEngines Engines => _engines ??= new ScoringEngines(this);

    /// <summary>
    /// Grad-CAM (Selvaraju et al.) of one resized uint8 image [3, S, S] for class <paramref name="classIndex"/>:
    /// the body's last activations (<c>layer4</c>, or the end of <c>features</c>) weighted by the spatial mean of the class score's gradient with respect
    /// to them, summed over channels, ReLU, upsampled bilinearly to S×S. Returns S·S values, row-major, not normalised.
    /// </summary>
    public float[] GradCam(Tensor imageBytes, int classIndex)
    {
        lock (_forward)
        {
            using var scope = NewDisposeScope();
            using var grad = enable_grad();
            Network.eval();
            var input = ImageTensorConverter.Normalize(imageBytes.unsqueeze(0), Device, Normalization);
            Tensor activations;
            using (no_grad())
                activations = Network.LastStageActivations(input);
            activations = activations.detach().requires_grad_(true);
            var score = Network.LogitsFromLastStage(activations).select(1, classIndex).sum();
            var gradients = autograd.grad([score], [activations])[0];
            var weights = gradients.mean([2L, 3L], keepdim: true);
            var cam = nn.functional.relu(weights.mul(activations).sum(1, keepdim: true));
            var upsampled = nn.functional.interpolate(cam.detach(), [ImageSize, ImageSize], mode: InterpolationMode.Bilinear, align_corners: false);
            return upsampled.cpu().contiguous().data<float>().ToArray();
        }
    }

    /// <summary>Writes the weights in TorchSharp's format; the writer stays open.</summary>
    public void SaveWeights(BinaryWriter writer) => Network.save(writer);

    /// <summary>
    /// A network of the stored shape with weights read from <paramref name="reader"/>: <paramref name="architecture"/>'s, or
    /// <paramref name="custom"/>'s when given; its input normalised with <paramref name="normalization"/> (null: the backbone's).
    /// </summary>
    public static ImageClassifier Load(CnnArchitecture architecture, ClassifierHead head, IReadOnlyList<int>? blocks, int imageSize,
        TaskDefinition task, BinaryReader reader, Device device, CustomBackbone? custom = null, InputNormalization? normalization = null)
    {
        NativeBackend.EnsureLoaded();
        var network = custom is null
            ? NetworkFactory.Create(architecture, head, task.Outputs, CPU, blocks)
            : NetworkFactory.Create(custom, head, task.Outputs, CPU);
        try
        {
            network.load(reader);
        }
        catch
        {
            network.Dispose(); // no half-loaded network left behind
            throw;
        }
        network.to(device);
        network.eval();
        return new ImageClassifier(architecture, blocks, imageSize, task, network, device, custom, normalization);
    }

    /// <summary>An independent copy: same shape, same weights and BatchNorm statistics.</summary>
    public ImageClassifier Clone()
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
            SaveWeights(writer);
        stream.Position = 0;
        using var reader = new BinaryReader(stream);
        return Load(Architecture, Head, Blocks, ImageSize, Task, reader, Device, Custom, Normalization);
    }

    private int _leases;

    /// <summary>
    /// A share in this network for one transformer: the network is freed when the last lease is
    /// disposed. Disposing a lease twice releases it once.
    /// </summary>
    public IDisposable Lease()
    {
        Interlocked.Increment(ref _leases);
        return new NetworkLease(this);
    }

    private sealed class NetworkLease(ImageClassifier classifier) : IDisposable
    {
        private ImageClassifier? _classifier = classifier;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _classifier, null) is { } c && Interlocked.Decrement(ref c._leases) == 0)
                c.Dispose();
        }
    }

    public void Dispose()
    {
        _engines?.Dispose();
        Network.Dispose();
    }
}
