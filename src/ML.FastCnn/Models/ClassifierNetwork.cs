using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>
/// A backbone's body with torchvision's names (<c>conv1, bn1, relu, maxpool, layer1..4</c> for ResNets,
/// <c>features</c> for MobileNet and EfficientNet, so ImageNet state dicts load; <c>body</c> for a <see cref="CustomBackbone"/>)
/// under a classification head: fast.ai's (<c>head.*</c>), one <c>fc</c> after average pooling (torchvision's own for
/// ResNets: the exact layout of earlier models, so they load too), or a custom backbone's own (<c>head.*</c>, after
/// average pooling). <see cref="Features"/> is what the head consumes (the pooled body output), which is what
/// precomputed activations store.
/// </summary>
internal sealed class ClassifierNetwork : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor>[] _body;
    private readonly nn.Module<Tensor, Tensor> _pool;

    /// <param name="backbone">The body; its modules are taken over (and a ResNet's own <c>fc</c> dropped unless <paramref name="head"/> is Linear).</param>
    /// <param name="head">Which head to put on top.</param>
    /// <param name="classes">Number of outputs.</param>
    /// <param name="random">The network's own random numbers (dropout), owned by the network from here on.</param>
    /// <param name="customHead">A custom backbone's own head (on average-pooled features), in place of <paramref name="head"/>; null for the usual ones.</param>
    public ClassifierNetwork(Backbone backbone, ClassifierHead head, int classes, Generator random,
        Func<int, nn.Module<Tensor, Tensor>>? customHead = null) : base("ClassifierNetwork")
    {
        Random = random;
        _body = backbone.Body.Select(b => b.Module).ToArray();
        foreach (var (name, module) in backbone.Body)
            register_module(name, module);
        BodyGroupPrefixes = backbone.GroupPrefixes;
        FeatureChannels = backbone.Features;
        HeadKind = head;
        if (customHead is not null)
        {
            _pool = nn.AdaptiveAvgPool2d(1);
            Classifier = customHead(classes) ?? throw new InvalidOperationException("The custom backbone's CreateHead returned null: it must return the head module.");
            HasCustomHead = true;
            register_module("head", Classifier);
            backbone.Fc?.Dispose();
        }
        else if (head == ClassifierHead.Linear)
        {
            _pool = nn.AdaptiveAvgPool2d(1);
            Classifier = backbone.Fc ?? nn.Linear(backbone.Features, classes);
            register_module("avgpool", _pool);
            register_module("fc", Classifier);
        }
        else
        {
            _pool = new AdaptiveConcatPool2d();
            Classifier = new FastaiHead(2 * backbone.Features, classes, random);
            register_module("head", Classifier);
            backbone.Fc?.Dispose();
        }
    }

    /// <summary>State-dict name prefixes of the body's two layer groups (fast.ai's split); the head is the third group.</summary>
    public IReadOnlyList<string[]> BodyGroupPrefixes { get; }

    /// <summary>Channels of the body's last feature map.</summary>
    public int FeatureChannels { get; }

    /// <summary>The body's modules in order (what the folded network reads).</summary>
    public IReadOnlyList<nn.Module<Tensor, Tensor>> Body => _body;

    /// <summary>The head kind asked for; with <see cref="HasCustomHead"/>, not the head there is.</summary>
    public ClassifierHead HeadKind { get; }

    /// <summary>Whether the head is a custom backbone's own (<see cref="CustomBackbone.CreateHead"/>).</summary>
    public bool HasCustomHead { get; }

    /// <summary>The generator dropout draws from (per network, not libtorch's process-wide one).</summary>
    public Generator Random { get; }

    /// <summary>The part that maps <see cref="Features"/> to class scores (the only part trained on precomputed activations).</summary>
    public nn.Module<Tensor, Tensor> Classifier { get; }

    /// <summary>The body's pooled output [N, F] (F = 2·channels for fast.ai's concat pooling).</summary>
    public Tensor Features(Tensor input)
    {
        var x = input;
        foreach (var module in _body)
            x = module.forward(x);
        return _pool.forward(x).flatten(1);
    }

    public override Tensor forward(Tensor input) => Classifier.forward(Features(input));

    /// <summary>The body's last feature map (<c>layer4</c>, or the end of <c>features</c>) [N, C, h, w]: what Grad-CAM weighs.</summary>
    public Tensor LastStageActivations(Tensor input)
    {
        var x = input;
        foreach (var module in _body)
            x = module.forward(x);
        return x;
    }

    /// <summary>Class scores (logits) from <see cref="LastStageActivations"/>: pooling and the head, so gradients can be taken with respect to the activations.</summary>
    public Tensor LogitsFromLastStage(Tensor activations) => Classifier.forward(_pool.forward(activations).flatten(1));

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            Random.Dispose();
        base.Dispose(disposing);
    }

    /// <summary>Training mode for the head, and for the body unless it is frozen whole (then its BatchNorm statistics stay put).</summary>
    public void SetTrainingMode(bool body)
    {
        train();
        if (!body)
        {
            foreach (var module in _body)
                module.eval();
        }
    }

    /// <summary>
    /// Zeroes the fast.ai head's last layer, so a new regression model starts at the training mean.
    /// Why: its Kaiming-initialised outputs have a variance near 4 (2 × dropout 0.5) against targets of unit spread, and
    /// the range test's small learning rate could not shrink them in the head epochs — measured on generated drawings:
    /// head loss 2.5 (worse than predicting the mean), R² 0.44; zeroed: head loss 0.16, R² 0.92. Multi-label is not zeroed:
    /// there the range test then picked a 10× smaller rate and accuracy_multi fell from 0.879 to 0.824. Other heads are left as they are.
    /// </summary>
    public void StartOutputsAtZero()
    {
        if (Classifier is FastaiHead head)
            head.ZeroLastLayer();
    }

    /// <summary>
    /// Sets the fast.ai head's dropout (fast.ai's <c>ps</c>: <paramref name="ps"/>/2 before its hidden layer, <paramref name="ps"/>
    /// before its last); other heads have none. Training only: scoring never drops, so model files do not record it.
    /// </summary>
    public void SetHeadDropout(double ps)
    {
        if (Classifier is FastaiHead head)
            head.SetDropout(ps);
    }

    /// <summary>fast.ai's <c>AdaptiveConcatPool2d</c>: max and average pooling to 1×1, concatenated on the channels.</summary>
    private sealed class AdaptiveConcatPool2d : nn.Module<Tensor, Tensor>
    {
        private readonly AdaptiveMaxPool2d max = nn.AdaptiveMaxPool2d([1, 1]);
        private readonly AdaptiveAvgPool2d avg = nn.AdaptiveAvgPool2d(1);

        public AdaptiveConcatPool2d() : base(nameof(AdaptiveConcatPool2d)) => RegisterComponents();

        public override Tensor forward(Tensor input) => cat([max.forward(input), avg.forward(input)], 1);
    }

    /// <summary>
    /// fast.ai's <c>create_head</c> after pooling: BatchNorm → dropout 0.25 → Linear(no bias) → ReLU →
    /// BatchNorm → dropout 0.5 → Linear, Kaiming-normal weights, BatchNorm bias 1e-3 (fast.ai's <c>BatchNorm</c> init).
    /// </summary>
    private sealed class FastaiHead : nn.Module<Tensor, Tensor>
    {
        private const int Hidden = 512;
        private readonly ScalarSafeBatchNorm bn1;
        private readonly SeededDropout drop1;
        private readonly Linear lin1;
        private readonly ReLU relu = nn.ReLU(inplace: true);
        private readonly ScalarSafeBatchNorm bn2 = ScalarSafeBatchNorm.For1d(Hidden);
        private readonly SeededDropout drop2;
        private readonly Linear lin2;

        public FastaiHead(int features, int classes, Generator random) : base(nameof(FastaiHead))
        {
            drop1 = new SeededDropout(0.25, random);
            drop2 = new SeededDropout(0.5, random);
            bn1 = ScalarSafeBatchNorm.For1d(features);
            lin1 = nn.Linear(features, Hidden, hasBias: false);
            lin2 = nn.Linear(Hidden, classes);
            using (no_grad())
            using (var bias = 1e-3.ToScalar())
            using (var zero = 0.0.ToScalar())
            {
                foreach (var bn in new[] { bn1, bn2 })
                    bn.bias!.fill_(bias);
                nn.init.kaiming_normal_(lin1.weight!);
                nn.init.kaiming_normal_(lin2.weight!);
                lin2.bias!.fill_(zero);
            }
            RegisterComponents();
        }

        /// <summary>fast.ai's <c>ps</c>: dropout <paramref name="ps"/>/2 before the hidden layer, <paramref name="ps"/> before the last.</summary>
        public void SetDropout(double ps)
        {
            drop1.Probability = ps / 2;
            drop2.Probability = ps;
        }

        public void ZeroLastLayer()
        {
            using var _ = no_grad();
            nn.init.zeros_(lin2.weight!);
            nn.init.zeros_(lin2.bias!);
        }

        public override Tensor forward(Tensor features)
        {
            var x = lin1.forward(drop1.forward(bn1.forward(features)));
            return lin2.forward(drop2.forward(bn2.forward(relu.forward(x))));
        }
    }
}
