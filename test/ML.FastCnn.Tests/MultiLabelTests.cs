using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using Onnx;

namespace ML.FastCnn.Tests;

/// <summary>
/// Multi-label training through the README's pipeline: images showing any subset of three classes, a <c>string[]</c>
/// label mapped to a vector of keys, a sigmoid per class. Every number is checked against the test's own computation
/// from the model's Score column.
/// </summary>
[TestClass]
[TestCategory(Categories.Integration)]
public sealed class MultiLabelTests
{
    private static GeneratedImages s_images = null!;
    private static MLContext s_ml = null!;
    private static ITransformer s_preprocessing = null!;
    private static FastCnnTransformer s_model = null!;
    private static IDataView s_valid = null!;
    private static List<MultiLabelRow> s_validRows = null!;
    private static double? s_learnerAccuracy;

    [ClassInitialize]
    public static void Train(TestContext _)
    {
        s_images = GeneratedImages.ForClass("multilabel");
        s_ml = new MLContext(seed: 1);
        var trainRows = s_images.WriteMultiLabel("train", 96, seed: 1);
        s_validRows = s_images.WriteMultiLabel("valid", 40, seed: 2);
        var raw = s_ml.Data.LoadFromEnumerable(trainRows);
        s_preprocessing = s_ml.Transforms.Conversion.MapValueToKey("Label", "Labels")
            .Append(s_ml.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: "ImagePath")).Fit(raw);
        s_valid = s_preprocessing.Transform(s_ml.Data.LoadFromEnumerable(s_validRows));
        var options = TestData.TinyOptions(s_valid);
        options.Epochs = 6;
        using var learner = FastCnnLearner.Create(s_ml, s_preprocessing.Transform(raw), options.Learner);
        learner.FitOneCycle(6, LearningRates.Single(2e-3));
        s_learnerAccuracy = learner.Validate().Accuracy;
        s_model = learner.ToTransformer(options.Scoring);
    }

    [ClassCleanup]
    public static void Cleanup() => s_model?.Dispose();

    private static float[][] Scores(FastCnnTransformer model) => model.Transform(s_valid).GetColumn<float[]>("Score").ToArray();

    /// <summary>Each validation image's classes, in the model's class order (MapValueToKey's: by first occurrence).</summary>
    private static bool[][] Truth => s_validRows.Select(r => s_model.ClassNames.Select(c => r.Labels.Contains(c)).ToArray()).ToArray();

    /// <summary>accuracy_multi computed here: the share of (image, class) decisions p &gt; threshold that match the truth.</summary>
    private static double AccuracyMulti(float[][] scores, IReadOnlyList<float> thresholds) =>
        scores.Zip(Truth).Average(row => Enumerable.Range(0, 3).Average(k => (row.First[k] > thresholds[k]) == row.Second[k] ? 1.0 : 0.0));

    [TestMethod]
    public void AMultiLabelModelLearnsWhichClassesEachImageShows()
    {
        Assert.AreEqual(ImageTask.MultiLabel, s_model.Task);
        CollectionAssert.AreEquivalent(GeneratedImages.Classes, s_model.ClassNames.ToArray());
        var scores = Scores(s_model);
        Assert.IsTrue(scores.All(row => row.Length == 3 && row.All(p => p is >= 0 and <= 1)), "one probability per class");
        Assert.IsTrue(scores.Any(row => Math.Abs(row.Sum() - 1) > 0.2), "independent sigmoids, not a softmax");
        double accuracy = AccuracyMulti(scores, s_model.Thresholds);
        Assert.IsTrue(accuracy >= 0.9, $"accuracy_multi {accuracy:F3} on the validation images");
    }

    [TestMethod]
    public void PredictedLabelsAreTheClassesAboveTheirThresholdsAndMapBackToNames()
    {
        var scored = s_model.Transform(s_valid);
        var names = s_ml.Transforms.Conversion.MapKeyToValue("PredictedNames", "PredictedLabels").Fit(scored).Transform(scored)
            .GetColumn<string[]>("PredictedNames").ToArray();
        var scores = Scores(s_model);
        for (int i = 0; i < scores.Length; i++)
        {
            var expected = s_model.ClassNames.Where((_, k) => scores[i][k] > s_model.Thresholds[k]).ToArray();
            CollectionAssert.AreEqual(expected, names[i], $"image {i}");
        }
    }

    [TestMethod]
    public void TheEpochTablesAccuracyIsAccuracyMultiAtOneHalf()
    {
        double expected = AccuracyMulti(Scores(s_model), [0.5f, 0.5f, 0.5f]);
        Assert.IsNotNull(s_learnerAccuracy);
        Assert.AreEqual(expected, s_learnerAccuracy!.Value, 1.0 / (3 * s_validRows.Count) + 1e-9);
    }

    [TestMethod]
    public void ThresholdsAreTunedPerClassOnTheValidationSetUnlessOneIsGiven()
    {
        Assert.AreEqual(3, s_model.Thresholds.Count);
        var scores = Scores(s_model);
        for (int k = 0; k < 3; k++)
        {
            double tuned = F1(scores, k, s_model.Thresholds[k]), half = F1(scores, k, 0.5f);
            Assert.IsTrue(tuned >= half, $"class {k}: F1 {tuned:F3} at its tuned threshold {s_model.Thresholds[k]}, {half:F3} at 0.5");
        }
        using var fixedThreshold = s_model.WithThresholds(0.3f);
        CollectionAssert.AreEqual(new[] { 0.3f, 0.3f, 0.3f }, fixedThreshold.Thresholds.ToArray());
    }

    private static double F1(float[][] scores, int k, float threshold)
    {
        var truth = Truth;
        int tp = 0, fp = 0, fn = 0;
        for (int i = 0; i < scores.Length; i++)
        {
            bool predicted = scores[i][k] > threshold;
            tp += predicted && truth[i][k] ? 1 : 0;
            fp += predicted && !truth[i][k] ? 1 : 0;
            fn += !predicted && truth[i][k] ? 1 : 0;
        }
        return tp == 0 ? 0 : 2.0 * tp / (2 * tp + fp + fn);
    }

    [TestMethod]
    public void AMultiLabelModelLoadsInAFreshProcessWithTheSameScoresAndThresholds()
    {
        var path = Path.Combine(s_images.Folder, "multilabel.zip");
        var scoring = s_ml.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: "ImagePath").Fit(s_ml.Data.LoadFromEnumerable(s_validRows));
        var inputSchema = s_ml.Data.LoadFromEnumerable(new[] { new ImageRow() }).Schema;
        FastCnn.SaveModel(s_ml, scoring.Append(s_model), inputSchema, path);

        var paths = s_validRows.Take(6).Select(r => r.ImagePath).ToList();
        var expected = Scores(s_model).Take(6).Select(row => string.Join(' ', row.Select(v => BitConverter.SingleToInt32Bits(v).ToString("x8"))));
        CollectionAssert.AreEqual(expected.ToList(), TestData.RunProbe(path, paths));

        var loaded = (TransformerChain<ITransformer>)FastCnn.LoadModel(s_ml, path, out _);
        var fastCnn = FastCnn.FindTransformer(loaded)!;
        CollectionAssert.AreEqual(s_model.Thresholds.ToArray(), fastCnn.Thresholds.ToArray());
        Assert.AreEqual(ImageTask.MultiLabel, fastCnn.Task);
        var rows = loaded.Transform(s_ml.Data.LoadFromEnumerable(s_validRows.Select(r => new ImageRow { ImagePath = r.ImagePath })));
        var keys = rows.GetColumn<VBuffer<uint>>("PredictedLabels").Select(v => v.DenseValues().ToArray()).ToList();
        var original = s_model.Transform(s_valid).GetColumn<VBuffer<uint>>("PredictedLabels").Select(v => v.DenseValues().ToArray()).ToList();
        for (int i = 0; i < keys.Count; i++)
            CollectionAssert.AreEqual(original[i], keys[i], $"image {i}");
    }

    [TestMethod]
    public void TheOnnxExportEndsInASigmoidPerClassAndNamesTheThresholds()
    {
        var path = Path.Combine(s_images.Folder, "multilabel.onnx");
        s_model.ExportOnnx(path);
        var chain = FastCnn.OnnxScoringChain(s_ml, s_model, path);
        var raw = s_ml.Data.LoadFromEnumerable(s_validRows.Select(r => new ImageRow { ImagePath = r.ImagePath }));
        var onnx = chain.Fit(raw).Transform(raw).GetColumn<float[]>("probabilities").ToArray();
        var scores = Scores(s_model);
        double largest = onnx.Zip(scores).Max(p => p.First.Zip(p.Second).Max(v => Math.Abs(v.First - v.Second)));
        Assert.IsTrue(largest < 0.02, $"ONNX Runtime and FastCnn differ by up to {largest} (ML.NET's resize against FastCnn's, up to 2 of 255 per pixel)");
        var metadata = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path)).MetadataProps.ToDictionary(p => p.Key, p => p.Value);
        Assert.AreEqual("MultiLabel", metadata["task"]);
        CollectionAssert.AreEqual(s_model.Thresholds.ToArray(), JsonSerializer.Deserialize<float[]>(metadata["thresholds"]));
    }
}
