using Microsoft.ML;
using Microsoft.ML.Data;
using ML.FastCnn.TestBackbones;
using TorchSharp;
using static TorchSharp.torch;

namespace ML.FastCnn.Tests;

/// <summary>
/// Bring your own network (issue 22, item 4): a tiny TorchSharp body of the tests' own (<see cref="TinyBackbones"/>, with its own
/// normalisation) trained through <c>FastCnn.Train</c> in an ML.NET pipeline on an easy two-class set, then saved, loaded after
/// registering its definition (here and in a fresh process), scored by every engine and <c>PredictionEngine</c>; its layer groups,
/// normalisation, starting weights, own head and the errors that say what to provide.
/// </summary>
[TestClass]
[TestCategory(Categories.Integration)]
public sealed class CustomBackboneTests
{
    private static readonly GeneratedImages s_images = GeneratedImages.ForClass("custom-backbone");
    private static readonly string[] Classes = ["blob", "hstripes"];
    private static MLContext s_ml = null!;
    private static List<string> s_log = null!;
    private static List<ImageRow> s_trainRows = null!;
    private static List<ImageRow> s_validRows = null!;
    private static IDataView s_valid = null!;
    private static ITransformer s_model = null!;

    [ClassInitialize]
    public static void TrainOnce(TestContext _)
    {
        s_ml = new MLContext(seed: 1);
        s_log = TestData.CaptureLog(s_ml);
        s_trainRows = s_images.Write("train", perClass: 60, seed: 11).Where(r => Classes.Contains(r.Label)).ToList();
        s_validRows = s_images.Write("valid", perClass: 10, seed: 12).Where(r => Classes.Contains(r.Label)).ToList();
        var train = s_ml.Data.LoadFromEnumerable(s_trainRows);
        s_valid = s_ml.Data.LoadFromEnumerable(s_validRows);
        s_model = TestData.Preprocessing(s_ml)
            .Append(FastCnn.Train(s_ml, Options(TinyBackbones.Tiny())))
            .Append(s_ml.Transforms.Conversion.MapKeyToValue("PredictedLabelText", "PredictedLabel"))
            .Fit(train);
    }

    [ClassCleanup]
    public static void Cleanup() => (s_model as IDisposable)?.Dispose();

    /// <summary>One epoch from random weights at 32 px.</summary>
    private static FastCnnOptions Options(CustomBackbone backbone) => new()
    {
        Epochs = 1,
        LearningRate = 1e-2,
        Learner = { CustomBackbone = backbone, Weights = PretrainedWeights.None, ImageSize = 32, BatchSize = 8, Seed = 1 },
        Scoring = { BatchSize = 8 },
    };

    private static FastCnnTransformer FastCnnStep(ITransformer model) => FastCnn.FindTransformer(model)!;

    private static List<float[]> Scores(ITransformer model, IDataView data) => model.Transform(data).GetColumn<float[]>("Score").ToList();

    private static IDataView Preprocessed(MLContext ml, IEnumerable<ImageRow> rows) =>
        TestData.Preprocessing(ml).Fit(ml.Data.LoadFromEnumerable(s_trainRows)).Transform(ml.Data.LoadFromEnumerable(rows));

    [TestMethod]
    public void TrainsInAPipelineAndLearnsTheEasyClasses()
    {
        var metrics = s_ml.MulticlassClassification.Evaluate(s_model.Transform(s_valid));

        Assert.IsGreaterThanOrEqualTo(0.9, metrics.MicroAccuracy, $"accuracy {metrics.MicroAccuracy:F3} after one epoch");
        var step = FastCnnStep(s_model);
        Assert.AreEqual(TinyBackbones.Name, step.CustomBackboneName);
        Assert.AreEqual($"custom backbone '{TinyBackbones.Name}'", step.NetworkDescription);
        lock (s_log)
            Assert.IsTrue(s_log.Any(l => l.Contains($"custom backbone '{TinyBackbones.Name}' (random initialisation) for 2 classes", StringComparison.Ordinal)),
                string.Join("\n", s_log));
    }

    [TestMethod]
    public void SavedModelLoadsAfterRegisteringWithIdenticalScores()
    {
        var path = Path.Combine(s_images.Folder, "registered.zip");
        FastCnn.SaveModel(s_ml, s_model, s_valid.Schema, path);
        FastCnn.RegisterBackbone(TinyBackbones.Tiny());

        using var loaded = (IDisposable)FastCnn.LoadModel(s_ml, path, out _);

        var expected = Scores(s_model, s_valid);
        var actual = Scores((ITransformer)loaded, s_valid);
        Assert.AreEqual(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
            CollectionAssert.AreEqual(expected[i], actual[i], $"row {i}");
        Assert.AreEqual(TinyBackbones.Name, FastCnnStep((ITransformer)loaded).CustomBackboneName);
    }

    [TestMethod]
    public void SavedModelLoadsInAFreshProcessThatRegistersTheDefinition()
    {
        var path = Path.Combine(s_images.Folder, "fresh-process.zip");
        FastCnn.SaveModel(s_ml, s_model, s_valid.Schema, path);
        var rows = s_validRows.Take(6).ToList();
        // The network's own forward on both sides (the probe's "custom" mode too): Auto's timing of so small a network may pick
        // another engine in each process, and engines agree within 1e-4, not to the bit.
        var reference = FastCnn.ReplaceTransformer(s_model, t => t.WithScoringEngine(ScoringEngine.Reference));
        var expected = Scores(reference, s_ml.Data.LoadFromEnumerable(rows))
            .Select(s => string.Join(' ', s.Select(v => BitConverter.SingleToInt32Bits(v).ToString("x8"))))
            .ToList();

        var output = TestData.RunProbe("custom", rows.Select(r => r.ImagePath).Prepend(path));

        CollectionAssert.AreEqual(expected, output, string.Join("\n", output));
    }

    [TestMethod]
    public void PredictionEngineScoresLikeTheBatchedTransform()
    {
        var batched = Scores(s_model, s_valid);
        using var engine = s_ml.Model.CreatePredictionEngine<ImageRow, Prediction>(s_model, new PredictionEngineOptions { OwnsTransformer = false });

        for (int i = 0; i < s_validRows.Count; i++)
        {
            var single = engine.Predict(s_validRows[i]);
            for (int k = 0; k < Classes.Length; k++)
                Assert.AreEqual(batched[i][k], single.Score[k], 1e-5f, $"row {i}, class {k}");
            Assert.AreEqual(Classes[Array.IndexOf(batched[i], batched[i].Max())], single.PredictedLabelText, $"row {i}");
        }
    }

    [TestMethod]
    public void EveryEngineAndTheOnnxExportUseTheBackbonesNormalisation()
    {
        // The tiny body is all Sequential, Conv2d, BatchNorm and ReLU: the folded engine and ONNX Runtime (the exported graph,
        // its normalisation constants included) must pass their self-check against the network's own forward.
        var step = FastCnnStep(s_model);
        var reference = Scores(step.WithScoringEngine(ScoringEngine.Reference), Preprocessed(s_ml, s_validRows));
        foreach (var engine in new[] { ScoringEngine.TorchSharp, ScoringEngine.OnnxRuntime })
        {
            var other = step.WithScoringEngine(engine);
            Assert.AreEqual(engine, other.ScoringEngine, $"{engine} passes its self-check");
            var scores = Scores(other, Preprocessed(s_ml, s_validRows));
            for (int i = 0; i < reference.Count; i++)
                for (int k = 0; k < Classes.Length; k++)
                    Assert.AreEqual(reference[i][k], scores[i][k], 1e-4f, $"{engine}, row {i}, class {k}");
        }

        var onnx = Path.Combine(s_images.Folder, "tiny.onnx");
        step.ExportOnnx(onnx);
        Assert.IsTrue(new FileInfo(onnx).Length > 1000);
    }

    [TestMethod]
    public void TheNormalisationReachesTheFirstLayerInTrainingScoringAndGradCam()
    {
        // Solid images of one colour: every value the first layer sees is (pixel/255 − mean)/std of its channel.
        using var images = new GeneratedImages("custom-normalisation");
        byte[] colour = [255, 0, 128];
        var rows = new List<ImageRow>();
        for (int i = 0; i < 8; i++)
        {
            var rgb = new byte[24, 24, 3];
            for (int y = 0; y < 24; y++)
                for (int x = 0; x < 24; x++)
                    for (int c = 0; c < 3; c++)
                        rgb[y, x, c] = colour[c];
            var path = Path.Combine(images.Folder, $"solid-{i}.png");
            GeneratedImages.Save(path, 24, 24, MLPixelFormat.Rgba32, rgb);
            rows.Add(new ImageRow { ImagePath = path, Label = i % 2 == 0 ? "a" : "b" });
        }
        float[] mean = [0.1f, 0.2f, 0.3f], std = [0.5f, 0.25f, 0.125f];
        var expected = Enumerable.Range(0, 3).Select(c => (colour[c] / 255f - mean[c]) / std[c]).ToArray();
        var probe = new InputRecord();
        var backbone = new CustomBackbone("ProbedNet", () => nn.Sequential(("probe", new InputProbe(probe)), ("conv", nn.Conv2d(3, 4, 3, padding: 1)), ("relu", nn.ReLU())), 4)
        {
            Mean = mean,
            Std = std,
        };
        var ml = new MLContext(seed: 2);
        var log = TestData.CaptureLog(ml);
        var data = TestData.Preprocessing(ml).Fit(ml.Data.LoadFromEnumerable(rows)).Transform(ml.Data.LoadFromEnumerable(rows));
        var options = Options(backbone).Learner;
        options.ValidationSet = data;

        using var learner = FastCnnLearner.Create(ml, data, options);
        probe.Clear(); // the learner's check of the feature map's shape ran a blank image through the body
        learner.Fit(1, 1e-3, LearningRateSchedule.Constant);
        probe.AssertSawOnly(expected, "training and validation");

        using var model = learner.ToTransformer();
        Scores(model, data);
        probe.AssertSawOnly(expected, "scoring");
        Assert.AreEqual(ScoringEngine.Reference, model.ScoringEngine, "a layer the folded engines do not know: the network's own forward");
        lock (log)
            Assert.IsTrue(log.Any(l => l.Contains("Scoring engine: Reference, the network's own forward", StringComparison.Ordinal)
                                       && l.Contains("'body.probe' (InputProbe)", StringComparison.Ordinal)), string.Join("\n", log));

        var interpretation = FastCnnInterpretation.Create(TestData.Preprocessing(ml).Fit(ml.Data.LoadFromEnumerable(rows)).Append(model), ml.Data.LoadFromEnumerable(rows));
        var heat = interpretation.GradCam(interpretation.Predictions[0], "a");
        Assert.AreEqual(32 * 32, heat.Length);
        probe.AssertSawOnly(expected, "Grad-CAM");
    }

    [TestMethod]
    public void ExportOnnxNamesTheLayerItDoesNotKnow()
    {
        var backbone = new CustomBackbone("UnknownLayerNet", () => nn.Sequential(("probe", new InputProbe(new InputRecord())), ("conv", nn.Conv2d(3, 4, 3, padding: 1))), 4);
        var ml = new MLContext(seed: 3);
        using var learner = FastCnnLearner.Create(ml, Preprocessed(ml, s_trainRows.Take(8)), Options(backbone).Learner);
        using var model = learner.ToTransformer();

        var error = Assert.ThrowsExactly<NotSupportedException>(() => model.ExportOnnx(Path.Combine(s_images.Folder, "unknown.onnx")));

        StringAssert.Contains(error.Message, "'body.probe' (InputProbe)");
        StringAssert.Contains(error.Message, "cannot be exported to ONNX");
        Assert.IsFalse(File.Exists(Path.Combine(s_images.Folder, "unknown.onnx")), "nothing half-written");
    }

    [TestMethod]
    public void FreezeAndDiscriminativeRatesUseTheGivenLayerGroups()
    {
        var ml = new MLContext(seed: 4);
        using var learner = FastCnnLearner.Create(ml, Preprocessed(ml, s_trainRows.Take(16)), Options(TinyBackbones.Tiny()).Learner);
        Assert.AreEqual(3, learner.LayerGroupCount, "two body groups and the head");

        learner.Freeze();
        foreach (var (name, parameter) in learner.Network.named_parameters())
        {
            bool batchNorm = name.StartsWith("body.bn", StringComparison.Ordinal);
            bool head = name.StartsWith("head.", StringComparison.Ordinal);
            Assert.AreEqual(head || batchNorm, parameter.requires_grad, $"{name} while frozen (BatchNorm keeps training)");
        }
        var groups = new LayerGroups((ClassifierNetwork)learner.Network);
        CollectionAssert.AreEquivalent(new[] { "body.conv1.weight", "body.conv1.bias", "body.bn1.weight", "body.bn1.bias" }, groups.Names(0).ToArray());
        CollectionAssert.AreEquivalent(new[] { "body.conv2.weight", "body.conv2.bias", "body.bn2.weight", "body.bn2.bias" }, groups.Names(1).ToArray());

        learner.Unfreeze();
        Assert.IsTrue(learner.Network.parameters().All(p => p.requires_grad));

        var oneGroup = new CustomBackbone("OneGroupNet", TinyBackbones.Tiny().CreateBody, TinyBackbones.FeatureWidth);
        using var whole = FastCnnLearner.Create(ml, Preprocessed(ml, s_trainRows.Take(16)), Options(oneGroup).Learner);
        Assert.AreEqual(2, whole.LayerGroupCount, "by default the body is one group");
    }

    [TestMethod]
    public void StartingWeightsAreTheBackbonesOwnAndTheDefaultRecipeTrainsFromThem()
    {
        // A learner's saved weights (body.* and head.*) as the backbone's starting weights: the body takes them, the head is new.
        var ml = new MLContext(seed: 5);
        var data = Preprocessed(ml, s_trainRows);
        var weights = Path.Combine(s_images.Folder, "tiny-start.pth");
        Dictionary<string, float[]> saved;
        using (var source = FastCnnLearner.Create(ml, data, Options(TinyBackbones.Tiny("TinySourceNet")).Learner))
        {
            source.Fit(1, 1e-2, LearningRateSchedule.Constant);
            source.SaveWeights(weights);
            saved = Body(source);
        }
        var pretrained = new CustomBackbone("TinyPretrainedNet", TinyBackbones.Tiny().CreateBody, TinyBackbones.FeatureWidth)
        {
            LayerGroups = TinyBackbones.Tiny().LayerGroups,
            WeightsFile = weights,
        };
        var options = Options(pretrained).Learner;
        options.Weights = PretrainedWeights.ImageNet; // for a custom backbone: its own starting weights

        using var learner = FastCnnLearner.Create(ml, data, options);

        Assert.IsTrue(learner.IsPretrained && learner.IsFrozen, "pretrained: starts frozen, as fast.ai");
        var loaded = Body(learner);
        CollectionAssert.AreEquivalent(saved.Keys, loaded.Keys);
        foreach (var (name, values) in saved)
            CollectionAssert.AreEqual(values, loaded[name], name);

        // The default recipe: head epochs on stored activations of the frozen body, then all layers.
        var results = learner.FineTuneOnStoredActivations(learner.Plan with { LearningRate = 1e-2, FreezeEpochs = 1, Epochs = 1 });
        Assert.AreEqual(2, results.Count);
        Assert.IsTrue(results.All(r => double.IsFinite(r.TrainLoss)));
    }

    private static Dictionary<string, float[]> Body(FastCnnLearner learner) => learner.Network.state_dict()
        .Where(kv => kv.Key.StartsWith("body.", StringComparison.Ordinal))
        .ToDictionary(kv => kv.Key, kv => kv.Value.to_type(ScalarType.Float32).cpu().data<float>().ToArray());

    [TestMethod]
    public void AHeadOfItsOwnTrainsSavesAndLoads()
    {
        var backbone = new CustomBackbone("TinyWithHeadNet", TinyBackbones.Tiny().CreateBody, TinyBackbones.FeatureWidth)
        {
            LayerGroups = TinyBackbones.Tiny().LayerGroups,
            CreateHead = outputs => nn.Sequential(("dropout", nn.Dropout(0.1)), ("linear", nn.Linear(TinyBackbones.FeatureWidth, outputs))),
        };
        var ml = new MLContext(seed: 6);
        var raw = ml.Data.LoadFromEnumerable(s_trainRows.Take(16));
        var model = TestData.Preprocessing(ml).Append(FastCnn.Train(ml, Options(backbone))).Fit(raw);
        var path = Path.Combine(s_images.Folder, "own-head.zip");
        FastCnn.SaveModel(ml, model, raw.Schema, path);
        FastCnn.RegisterBackbone(backbone);

        using var loaded = (IDisposable)FastCnn.LoadModel(ml, path, out _);

        var expected = Scores(model, raw);
        var actual = Scores((ITransformer)loaded, raw);
        for (int i = 0; i < expected.Count; i++)
            CollectionAssert.AreEqual(expected[i], actual[i], $"row {i}");
        var network = (ClassifierNetwork)FastCnnStep(model).Classifier.Network;
        Assert.IsTrue(network.HasCustomHead);
        Assert.IsTrue(network.named_parameters().Any(p => p.name == "head.linear.weight"), "the head is the backbone's own");
        Assert.AreEqual(ScoringEngine.Reference, FastCnnStep(model).ScoringEngine, "the folded engines do not know a custom head");
        Assert.ThrowsExactly<NotSupportedException>(() => FastCnnStep(model).ExportOnnx(new MemoryStream()));
        (model as IDisposable)?.Dispose();
    }

    [TestMethod]
    public void ARegressionOnTheBodyWithAHeadOfItsOwnSavesAndLoads()
    {
        // Every task sizes the head by its outputs: one value here, on the backbone's own head.
        var backbone = new CustomBackbone("TinyRegressionNet", TinyBackbones.Tiny().CreateBody, TinyBackbones.FeatureWidth)
        {
            CreateHead = outputs => nn.Sequential(("linear", nn.Linear(TinyBackbones.FeatureWidth, outputs))),
        };
        var ml = new MLContext(seed: 9);
        var raw = ml.Data.LoadFromEnumerable(s_images.WriteRegression("regression", 24, seed: 13));
        var model = ml.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: "ImagePath")
            .Append(FastCnn.Train(ml, Options(backbone))).Fit(raw);
        var path = Path.Combine(s_images.Folder, "regression.zip");
        FastCnn.SaveModel(ml, model, raw.Schema, path);
        FastCnn.RegisterBackbone(backbone);

        using var loaded = (IDisposable)FastCnn.LoadModel(ml, path, out _);

        Assert.AreEqual(ImageTask.Regression, FastCnnStep(model).Task);
        var expected = model.Transform(raw).GetColumn<float>("Score").ToArray();
        CollectionAssert.AreEqual(expected, ((ITransformer)loaded).Transform(raw).GetColumn<float>("Score").ToArray());
        Assert.IsTrue(expected.All(float.IsFinite));
        (model as IDisposable)?.Dispose();
    }

    [TestMethod]
    public void LoadingWithoutRegistrationSaysWhatToCall()
    {
        var ml = new MLContext(seed: 7);
        var raw = ml.Data.LoadFromEnumerable(s_trainRows.Take(8));
        var preprocessing = TestData.Preprocessing(ml).Fit(raw);
        using var learner = FastCnnLearner.Create(ml, preprocessing.Transform(raw), Options(TinyBackbones.Tiny("NeverRegisteredNet")).Learner);
        var path = Path.Combine(s_images.Folder, "unregistered.zip");
        FastCnn.SaveModel(ml, preprocessing.Append(learner.ToTransformer()), raw.Schema, path);

        var error = Assert.ThrowsExactly<InvalidDataException>(() => FastCnn.LoadModel(ml, path, out _));
        StringAssert.Contains(error.Message, path);
        StringAssert.Contains(error.Message, "trained with the custom backbone 'NeverRegisteredNet', which this process does not know: call FastCnn.RegisterBackbone");

        // A plain Model.Load says the same inside ML.NET's wrapping.
        var plain = Assert.Throws<Exception>(() => ml.Model.Load(path, out _));
        Assert.IsTrue(Messages(plain).Any(m => m.Contains("FastCnn.RegisterBackbone", StringComparison.Ordinal)), string.Join(" | ", Messages(plain)));

        // A definition of that name that does not fit the weights: said so, not called damage.
        FastCnn.RegisterBackbone(new CustomBackbone("NeverRegisteredNet", () => nn.Sequential(("conv1", nn.Conv2d(3, 8, 3))), 8));
        var mismatch = Assert.ThrowsExactly<InvalidDataException>(() => FastCnn.LoadModel(ml, path, out _));
        StringAssert.Contains(mismatch.Message, "do not fit the custom backbone 'NeverRegisteredNet' registered in this process");
    }

    private static IEnumerable<string> Messages(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
            yield return e.Message;
    }

    [TestMethod]
    public void DefinitionErrorsNameWhatToChange()
    {
        var ml = new MLContext(seed: 8);
        var data = Preprocessed(ml, s_trainRows.Take(8));
        FastCnnLearner.Options With(CustomBackbone backbone, PretrainedWeights? weights = null)
        {
            var options = Options(backbone).Learner;
            options.Weights = weights ?? PretrainedWeights.None;
            return options;
        }

        var noWeights = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => FastCnnLearner.Create(ml, data, With(TinyBackbones.Tiny(), PretrainedWeights.ImageNet)));
        StringAssert.Contains(noWeights.Message, "its own starting weights, but it has none");
        StringAssert.Contains(noWeights.Message, "PretrainedWeights.None");

        var wrongWidth = new CustomBackbone("WideClaimNet", TinyBackbones.Tiny().CreateBody, 64);
        var width = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => FastCnnLearner.Create(ml, data, With(wrongWidth)));
        StringAssert.Contains(width.Message, "FeatureWidth");
        StringAssert.Contains(width.Message, "[1, 32, 8, 8]");

        var missingGroup = new CustomBackbone("HalfGroupedNet", TinyBackbones.Tiny().CreateBody, TinyBackbones.FeatureWidth) { LayerGroups = [["conv1.", "bn1."]] };
        var groups = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => FastCnnLearner.Create(ml, data, With(missingGroup)));
        StringAssert.Contains(groups.Message, "leave out its parameter 'conv2.weight'");

        var badStd = new CustomBackbone("ZeroStdNet", TinyBackbones.Tiny().CreateBody, TinyBackbones.FeatureWidth) { Std = [0.2f, 0f, 0.2f] };
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => FastCnn.RegisterBackbone(badStd)).Message, "three positive numbers");
    }

    /// <summary>A first layer FastCnn's folded engines do not know: records each channel's extremes of every input, passes it on unchanged.</summary>
    private sealed class InputProbe(InputRecord record) : nn.Module<Tensor, Tensor>(nameof(InputProbe))
    {
        public override Tensor forward(Tensor input)
        {
            using (var scope = NewDisposeScope())
            using (no_grad())
                record.Add(input.amin([0L, 2L, 3L]).cpu().data<float>().ToArray(), input.amax([0L, 2L, 3L]).cpu().data<float>().ToArray());
            return input.alias(); // a new handle: Sequential disposes what a layer returns once the next one has run
        }
    }

    /// <summary>What the probes of every copy of one network (the learner's, the transformer's) saw.</summary>
    private sealed class InputRecord
    {
        private readonly List<(float[] Min, float[] Max)> _seen = [];

        public void Add(float[] min, float[] max)
        {
            lock (_seen)
                _seen.Add((min, max));
        }

        public void Clear()
        {
            lock (_seen)
                _seen.Clear();
        }

        /// <summary>Asserts every input since the last call had exactly <paramref name="expected"/> in each channel, then forgets them.</summary>
        public void AssertSawOnly(float[] expected, string where)
        {
            lock (_seen)
            {
                Assert.IsNotEmpty(_seen, $"{where}: the first layer saw no input");
                foreach (var (min, max) in _seen)
                {
                    for (int c = 0; c < 3; c++)
                    {
                        Assert.AreEqual(expected[c], min[c], 1e-5f, $"{where}: channel {c} (min)");
                        Assert.AreEqual(expected[c], max[c], 1e-5f, $"{where}: channel {c} (max)");
                    }
                }
                _seen.Clear();
            }
        }
    }

    private sealed class Prediction
    {
        public float[] Score { get; set; } = [];

        public string PredictedLabelText { get; set; } = "";
    }
}
