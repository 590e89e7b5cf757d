using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using static TorchSharp.torch;

namespace ML.FastCnn.Tests;

/// <summary>
/// Every scoring engine must compute what the trained network computes, on every CPU; an engine that
/// does not is replaced before it answers, and says so once.
/// </summary>
[TestClass]
public class ScoringEngineTests
{
    [TestMethod]
    [DataRow(CnnArchitecture.ResNet18, ClassifierHead.Fastai, 32, ScoringEngine.TorchSharp)]
    [DataRow(CnnArchitecture.ResNet18, ClassifierHead.Linear, 32, ScoringEngine.TorchSharp)]
    [DataRow(CnnArchitecture.ResNet18, ClassifierHead.Fastai, 96, ScoringEngine.TorchSharp)]
    [DataRow(CnnArchitecture.ResNet50, ClassifierHead.Fastai, 32, ScoringEngine.TorchSharp)]
    [DataRow(CnnArchitecture.ResNet18, ClassifierHead.Fastai, 32, ScoringEngine.OnnxRuntime)]
    [DataRow(CnnArchitecture.ResNet18, ClassifierHead.Linear, 96, ScoringEngine.OnnxRuntime)]
    [DataRow(CnnArchitecture.ResNet50, ClassifierHead.Fastai, 32, ScoringEngine.OnnxRuntime)]
    public void EveryEngineGivesTheNetworksProbabilities(CnnArchitecture architecture, ClassifierHead head, int size, ScoringEngine engine)
    {
        using var classifier = ProbeClassifier.Create(architecture, head, size);
        using var images = ProbeClassifier.Images(4, size, seed: 9);
        var (expectedLogits, expected) = NetworkOutputs(classifier, images);

        using var engines = new ScoringEngines(classifier);
        var forward = engines.For(engine, MLNetLog.None);
        Assert.AreEqual(engine, forward.Kind, $"{engine} passed its self-check on this CPU ({string.Join("; ", engines.Checks)})");
        var logits = forward.Logits(images);
        var actual = Softmax.Rows(logits, 3).SelectMany(p => p).ToArray();

        Assert.IsTrue(expected.Max() - expected.Min() > 0.05, "the probabilities depend on the image (the check below means something)");
        Assert.AreEqual(expected.Length, actual.Length);
        double scale = Math.Max(1, expectedLogits.Max(Math.Abs));
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.AreEqual(expected[i], actual[i], 1e-4, $"{architecture}, {head} head, {size} px, {engine}: probability {i}");
            Assert.AreEqual(expectedLogits[i], logits[i], 1e-4 * scale, $"{architecture}, {head} head, {size} px, {engine}: logit {i} (scale {scale:G3})");
        }
    }

    [TestMethod]
    public void AnEngineThatDiffersFromTheNetworkIsNotUsedAndSaysSoOnce()
    {
        var ml = new MLContext(seed: 1);
        var log = TestData.CaptureLog(ml);
        using var classifier = ProbeClassifier.Create(CnnArchitecture.ResNet18, ClassifierHead.Fastai, 32);
        // TorchSharp's engine is off by 0.5 on the first class's logit; ONNX Runtime's cannot start.
        using var engines = new ScoringEngines(classifier, (c, engine) => engine switch
        {
            ScoringEngine.TorchSharp => new Shifted(new ReferenceForward(c), 0.5f),
            ScoringEngine.Reference => new ReferenceForward(c),
            _ => throw new DllNotFoundException("onnxruntime is missing"),
        });
        var scoringLog = new MLNetLog((IHostEnvironment)(object)ml, "FastCnnScoring");
        using var images = ProbeClassifier.Images(2, 32, seed: 3);

        var forward = engines.For(ScoringEngine.Auto, scoringLog);
        forward.Logits(images);
        engines.For(ScoringEngine.Auto, scoringLog).Logits(images);
        engines.For(ScoringEngine.TorchSharp, scoringLog).Logits(images);

        Assert.AreEqual(ScoringEngine.Reference, forward.Kind, "the reference scores when no faster engine passes");
        var warnings = log.Where(l => l.Contains("Warning", StringComparison.Ordinal)).ToList();
        Assert.AreEqual(1, warnings.Count(w => w.Contains("Scoring engine TorchSharp is not used", StringComparison.Ordinal) && w.Contains("max |Δlogit|", StringComparison.Ordinal)),
            string.Join('\n', log));
        Assert.AreEqual(1, warnings.Count(w => w.Contains("Scoring engine OnnxRuntime is not used", StringComparison.Ordinal) && w.Contains("onnxruntime is missing", StringComparison.Ordinal)),
            string.Join('\n', log));
        Assert.AreEqual(2, warnings.Count, "one warning per engine, none per batch: " + string.Join('\n', warnings));
    }

    [TestCategory(Categories.Integration)]
    [TestMethod]
    [DataRow(32)]
    [DataRow(64)]
    [DataRow(96)]
    [DataRow(128)]
    [DataRow(224)]
    public void PredictionEngineTransformAndTheReferenceAgreeAtEveryImageSize(int size)
    {
        var ml = new MLContext(seed: 1);
        var rows = TestData.FashionMnist("valid", 1);
        var raw = ml.Data.LoadFromEnumerable(rows);
        var preprocessing = TestData.Preprocessing(ml).Fit(raw);
        var classifier = ProbeClassifier.Create(CnnArchitecture.ResNet18, ClassifierHead.Fastai, size, classes: 10);
        var settings = new ScoringSettings("Image", "ImagePath", "Score", "PredictedLabel", ScoringBatchSize: 4, PrefetchBatches: 1,
            TestTimeAugmentation: 0, Augmentation.SideOn, Seed: 1);
        using var model = new FastCnnTransformer(new ScoringModel(classifier, settings, MLNetLog.None));
        using var reference = model.WithScoringEngine(ScoringEngine.Reference);

        var transformed = preprocessing.Append(model).Transform(raw).GetColumn<float[]>("Score").ToList();
        var byReference = preprocessing.Append(reference).Transform(raw).GetColumn<float[]>("Score").ToList();
        using var engine = ml.Model.CreatePredictionEngine<ImageRow, Prediction>(preprocessing.Append(model));
        var predicted = rows.Select(r => engine.Predict(r).Score!).ToList();

        string what = $"{size} px, engine {model.ScoringEngine}";
        Assert.AreEqual(rows.Count, transformed.Count);
        for (int i = 0; i < rows.Count; i++)
        {
            for (int k = 0; k < 10; k++)
            {
                Assert.AreEqual(transformed[i][k], predicted[i][k], 1e-5, $"{what}: PredictionEngine vs Transform, image {i}, class {k}");
                Assert.AreEqual(byReference[i][k], transformed[i][k], 1e-4, $"{what}: Transform vs the network's own forward, image {i}, class {k}");
            }
        }
    }

    /// <summary>The network's own forward and its softmax (libtorch's), computed here, apart from the engines.</summary>
    private static (float[] Logits, float[] Probabilities) NetworkOutputs(ImageClassifier classifier, Tensor images)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        classifier.Network.eval();
        var logits = classifier.Network.forward(ImageTensorConverter.Normalize(images, CPU, InputNormalization.ImageNet));
        return (logits.data<float>().ToArray(), nn.functional.softmax(logits, 1).data<float>().ToArray());
    }

    private sealed class Shifted(IScoringForward inner, float shift) : IScoringForward
    {
        public ScoringEngine Kind => ScoringEngine.TorchSharp;

        public float[] Logits(Tensor imageBytes)
        {
            var p = inner.Logits(imageBytes);
            p[0] += shift;
            return p;
        }

        public void Dispose() => inner.Dispose();
    }

    private sealed class Prediction
    {
        public float[]? Score { get; set; }
    }
}
