using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using Onnx;
using static TorchSharp.torch;

namespace ML.FastCnn.Tests;

/// <summary>
/// The backbones built by hand (MobileNetV2/V3, EfficientNet B0–B3; TorchSharp's TorchVision has no EfficientNet and
/// its MobileNets train through a BatchNorm that is not Scalar-safe), and the larger ResNets, against torchvision's
/// own: the state-dict names and shapes of Fixtures/torchvision-backbones.json (so torchvision's ImageNet files load
/// through PyBridge), and the body's output on formula-made weights and image (so the layers compute what
/// torchvision's do). The fixture was written by Debian's PyTorch 1.13 / torchvision 0.14 with
/// Fixtures/torchvision_backbones.py. Then each new backbone scores through folding and ONNX as its plain forward does,
/// and trains.
/// </summary>
[TestClass]
public sealed class TorchVisionBackboneTests
{
    private static readonly Lazy<JsonElement> s_fixture = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "torchvision-backbones.json"))).RootElement);

    private static JsonElement Fixture(CnnArchitecture architecture) => s_fixture.Value.GetProperty("architectures").GetProperty(architecture.ToString());

    [TestMethod]
    [DataRow(CnnArchitecture.MobileNetV2)]
    [DataRow(CnnArchitecture.MobileNetV3Large)]
    [DataRow(CnnArchitecture.MobileNetV3Small)]
    [DataRow(CnnArchitecture.EfficientNetB0)]
    [DataRow(CnnArchitecture.EfficientNetB1)]
    [DataRow(CnnArchitecture.EfficientNetB2)]
    [DataRow(CnnArchitecture.EfficientNetB3)]
    public void TheBodyHasTorchVisionsTensorsAndComputesItsFeatures(CnnArchitecture architecture)
    {
        using var network = NetworkFactory.Create(architecture, ClassifierHead.Linear, 3, CPU);
        AssertTorchVisionsTensors(architecture, network);

        // torchvision's body with the fixture's formula weights, on the fixture's formula image: the same pooled features.
        var state = network.state_dict();
        using (no_grad())
        {
            foreach (var (name, tensor) in state.Where(kv => !kv.Key.StartsWith("fc.", StringComparison.Ordinal) && kv.Value.dtype == ScalarType.Float32))
            {
                using var values = Formula(name, tensor.shape, state);
                tensor.copy_(values);
            }
        }
        int size = s_fixture.Value.GetProperty("image_size").GetInt32();
        var expected = Fixture(architecture).GetProperty("features").EnumerateArray().Select(e => e.GetSingle()).ToArray();
        float[] actual;
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            network.eval();
            var image = tensor(Enumerable.Range(0, 3 * size * size).Select(i => (float)Math.Sin(0.05 * i)).ToArray(), [1, 3, size, size]);
            actual = network.Features(image).data<float>().ToArray();
        }
        Assert.AreEqual(expected.Length, actual.Length, "feature width");
        Assert.IsTrue(expected.Max(Math.Abs) > 0.5, "the features are not all near zero (the comparison means something)");
        double scale = Math.Max(1, expected.Max(Math.Abs));
        for (int i = 0; i < expected.Length; i++)
            Assert.AreEqual(expected[i], actual[i], 1e-4 * scale, $"{architecture}: feature {i}");
    }

    [TestMethod]
    [TestCategory(Categories.Integration)] // 84–127 M parameters each
    [DataRow(CnnArchitecture.ResNeXt101_32x8d)]
    [DataRow(CnnArchitecture.ResNeXt101_64x4d)]
    [DataRow(CnnArchitecture.WideResNet101_2)]
    public void TheLargeResNetsHaveTorchVisionsTensors(CnnArchitecture architecture)
    {
        using var network = NetworkFactory.Create(architecture, ClassifierHead.Linear, 3, CPU);
        AssertTorchVisionsTensors(architecture, network);
    }

    /// <summary>The body's state dict is torchvision's (its ImageNet classifier aside), name for name and shape for shape.</summary>
    private static void AssertTorchVisionsTensors(CnnArchitecture architecture, ClassifierNetwork network)
    {
        var theirs = Fixture(architecture).GetProperty("tensors").EnumerateObject()
            .ToDictionary(p => p.Name, p => p.Value.EnumerateArray().Select(d => d.GetInt64()).ToArray());
        var ours = network.state_dict().Where(kv => !kv.Key.StartsWith("fc.", StringComparison.Ordinal)).ToDictionary(kv => kv.Key, kv => kv.Value.shape);
        CollectionAssert.AreEquivalent(theirs.Keys.ToArray(), ours.Keys.ToArray(),
            $"{architecture}: missing {string.Join(", ", theirs.Keys.Except(ours.Keys).Take(5))}; extra {string.Join(", ", ours.Keys.Except(theirs.Keys).Take(5))}");
        foreach (var (name, shape) in theirs)
            CollectionAssert.AreEqual(shape, ours[name], $"{architecture}: shape of {name}");
    }

    /// <summary>The fixture script's formula (torchvision_backbones.py, <c>formula</c>), written again here.</summary>
    private static Tensor Formula(string name, long[] shape, Dictionary<string, Tensor> state)
    {
        long n = shape.Aggregate(1L, (a, b) => a * b);
        var values = new float[n];
        string stem = name[..name.LastIndexOf('.')];
        for (long i = 0; i < n; i++)
        {
            double b = Math.Sin(0.7 * i + 0.1 * name.Length);
            values[i] = (float)(name.EndsWith("running_var", StringComparison.Ordinal) ? 0.75 + 0.25 * b
                : name.EndsWith("running_mean", StringComparison.Ordinal) ? 0.1 * b
                : name.EndsWith(".weight", StringComparison.Ordinal) && shape.Length == 1 && state.ContainsKey(stem + ".running_var") ? 1 + 0.2 * b
                : name.EndsWith(".bias", StringComparison.Ordinal) ? 0.1 * b
                : b * Math.Sqrt(2.0 / (n / shape[0])));
        }
        return tensor(values, shape);
    }

    public static IEnumerable<object[]> NewBackbonesAndHeads() =>
        from architecture in new[] { CnnArchitecture.MobileNetV2, CnnArchitecture.MobileNetV3Large, CnnArchitecture.MobileNetV3Small, CnnArchitecture.EfficientNetB0 }
        from head in new[] { ClassifierHead.Fastai, ClassifierHead.Linear }
        select new object[] { architecture, head };

    [TestMethod]
    [DynamicData(nameof(NewBackbonesAndHeads))]
    public void FoldedAndOnnxScoringGiveThePlainForwardsLogits(CnnArchitecture architecture, ClassifierHead head)
    {
        // Random weights, BatchNorm statistics like a trained network's (fresh ones fold to the identity).
        using var classifier = ProbeClassifier.Create(architecture, head, 32);
        using var images = ProbeClassifier.Images(3, 32, seed: 4);
        float[] expected;
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            classifier.Network.eval();
            expected = classifier.Network.forward(ImageTensorConverter.Normalize(images, CPU, InputNormalization.ImageNet)).data<float>().ToArray();
        }
        Assert.IsTrue(expected.Max() - expected.Min() > 0.01, $"{architecture}: the logits depend on the image (the comparison means something)");

        using var engines = new ScoringEngines(classifier);
        foreach (var engine in new[] { ScoringEngine.TorchSharp, ScoringEngine.OnnxRuntime })
        {
            var forward = engines.For(engine, MLNetLog.None);
            Assert.AreEqual(engine, forward.Kind, $"{engine} passed its self-check ({string.Join("; ", engines.Checks)})");
            var logits = forward.Logits(images);
            double scale = Math.Max(1, expected.Max(Math.Abs));
            for (int i = 0; i < expected.Length; i++)
                Assert.AreEqual(expected[i], logits[i], 1e-4 * scale, $"{architecture}, {head} head, {engine}: logit {i}");
        }

        // The exported file: opset 13, BatchNorm folded, nothing but the operators the runtime check ran.
        using var stream = new MemoryStream();
        OnnxExporter.Write(classifier, stream);
        var model = ModelProto.Parser.ParseFrom(stream.ToArray());
        Assert.AreEqual(13L, model.OpsetImport.Single().Version);
        Assert.IsFalse(model.Graph.Node.Any(n => n.OpType is "BatchNormalization" or "Dropout"), "BatchNorm folded, no dropout");
        Assert.AreEqual("probabilities", model.Graph.Output.Single().Name);
    }

    [TestMethod]
    [DataRow(CnnArchitecture.MobileNetV2, "features.7.")]
    [DataRow(CnnArchitecture.MobileNetV3Large, "features.7.")]
    [DataRow(CnnArchitecture.MobileNetV3Small, "features.4.")]
    [DataRow(CnnArchitecture.EfficientNetB0, "features.4.")]
    [DataRow(CnnArchitecture.ResNeXt50_32x4d, "layer3.")]
    public void LayerGroupsSplitTheBodyWhereStride16BeginsAndFreezingKeepsBatchNormTraining(CnnArchitecture architecture, string secondGroupStart)
    {
        using var network = NetworkFactory.Create(architecture, ClassifierHead.Fastai, 3, CPU);
        var groups = new LayerGroups(network);

        Assert.AreEqual(3, groups.Count);
        var names = Enumerable.Range(0, 3).Select(g => groups.Names(g).ToList()).ToList();
        Assert.IsTrue(names.All(n => n.Count > 0), "every group has parameters");
        Assert.IsTrue(names[1][0].StartsWith(secondGroupStart, StringComparison.Ordinal), $"group 1 starts with {names[1][0]}");
        Assert.IsTrue(names[2].All(n => n.StartsWith("head.", StringComparison.Ordinal)));
        Assert.AreEqual(network.named_parameters().Count(), names.Sum(n => n.Count), "every parameter in one group");

        groups.Freeze();
        var trainable = network.named_parameters().Where(p => p.parameter.requires_grad).Select(p => p.name).ToList();
        Assert.IsTrue(trainable.All(n => n.StartsWith("head.", StringComparison.Ordinal) || groups.IsBatchNorm(n)), "frozen: the head and BatchNorm train");
        Assert.IsTrue(trainable.Any(n => !n.StartsWith("head.", StringComparison.Ordinal)), "BatchNorm of the body still trains (fast.ai train_bn)");
    }

    [TestMethod]
    public void ATorchVisionFileWithItsImageNetClassifierLoadsIntoTheBody()
    {
        // A .pth as torchvision writes mobilenet_v3_small's: the body's tensors and its ImageNet classifier (Linear 576→1024, Hardswish, Dropout, Linear 1024→1000).
        var folder = Directory.CreateTempSubdirectory("fastcnn-weights").FullName;
        try
        {
            random.manual_seed(3);
            using var source = NetworkFactory.Create(CnnArchitecture.MobileNetV3Small, ClassifierHead.Linear, 3, CPU, seed: 3);
            var file = source.state_dict().Where(kv => !kv.Key.StartsWith("fc.", StringComparison.Ordinal)).ToDictionary(kv => kv.Key, kv => kv.Value);
            file["classifier.0.weight"] = randn(1024, 576);
            file["classifier.0.bias"] = zeros(1024);
            file["classifier.3.weight"] = randn(1000, 1024);
            file["classifier.3.bias"] = zeros(1000);
            var path = Path.Combine(folder, "mobilenet_v3_small.pth");
            TorchSharp.PyBridge.PyTorchPickler.PickleStateDict(path, file);

            var options = new FastCnnLearner.Options { Architecture = CnnArchitecture.MobileNetV3Small, Weights = PretrainedWeights.FromFile(path) };
            using var classifier = BackboneFactory.Create(options, 32, new SingleLabelTask(["a", "b", "c"]), CPU, seed: 1, _ => { }, default);

            var loaded = classifier.Network.state_dict();
            foreach (var (name, tensor) in file.Where(kv => !kv.Key.StartsWith("classifier.", StringComparison.Ordinal)))
                Assert.IsTrue(tensor.eq(loaded[name]).all().item<bool>(), $"{name} was not loaded");
            CollectionAssert.AreEqual(new long[] { 512, 2 * 576 }, loaded["head.lin1.weight"].shape, "fastai's head on concat pooling of 576 features");
            Assert.IsFalse(loaded.Keys.Any(k => k.StartsWith("classifier.", StringComparison.Ordinal)), "torchvision's ImageNet classifier is left out");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    [TestCategory(Categories.Integration)] // 20–60 s each on a busy 2-core machine, most of it the learner's set-up and scoring
    [DataRow(CnnArchitecture.MobileNetV2)]
    [DataRow(CnnArchitecture.MobileNetV3Large)]
    [DataRow(CnnArchitecture.MobileNetV3Small)]
    [DataRow(CnnArchitecture.EfficientNetB0)]
    public void ANewBackboneTrainsAnEpochAndScoresTheSameAfterSavingAndLoading(CnnArchitecture architecture)
    {
        var ml = new MLContext(seed: 1);
        using var images = new GeneratedImages($"backbone-{architecture}");
        var raw = ml.Data.LoadFromEnumerable(images.Write("train", 4, seed: 2)); // 12 images
        var preprocessing = TestData.Preprocessing(ml).Fit(raw);
        var data = preprocessing.Transform(raw);
        var options = new FastCnnLearner.Options { Architecture = architecture, ImageSize = 32, BatchSize = 4, Seed = 1, Weights = PretrainedWeights.None };
        using var learner = FastCnnLearner.Create(ml, data, options);
        var before = learner.Network.state_dict().First(kv => kv.Key.StartsWith("features.", StringComparison.Ordinal) && kv.Key.EndsWith(".weight", StringComparison.Ordinal)).Value.clone();

        var epochs = learner.Fit(1, 1e-3, LearningRateSchedule.OneCycle());

        Assert.AreEqual(1, epochs.Count);
        Assert.IsTrue(double.IsFinite(epochs[0].TrainLoss), $"training loss {epochs[0].TrainLoss}");
        var after = learner.Network.state_dict().First(kv => kv.Key.StartsWith("features.", StringComparison.Ordinal) && kv.Key.EndsWith(".weight", StringComparison.Ordinal)).Value;
        Assert.IsFalse(before.allclose(after), "the body's first convolution changed");
        before.Dispose();

        // The plain forward scores (the faster engines are checked above): this test is about training and the model file.
        using var model = learner.ToTransformer(new FastCnnTransformer.Options { Engine = ScoringEngine.Reference });
        Assert.AreEqual(architecture, model.Architecture);
        var scores = model.Transform(data).GetColumn<float[]>("Score").ToList();
        var path = Path.Combine(images.Folder, "model.zip");
        ml.Model.Save(model, data.Schema, path);
        var loaded = ml.Model.Load(path, out _);
        try
        {
            var reloaded = loaded.Transform(data).GetColumn<float[]>("Score").ToList();
            for (int i = 0; i < scores.Count; i++)
                for (int k = 0; k < scores[i].Length; k++)
                    Assert.AreEqual(scores[i][k], reloaded[i][k], 1e-5, $"{architecture}: row {i}, class {k} after loading");
        }
        finally
        {
            (loaded as IDisposable)?.Dispose();
        }
    }
}
