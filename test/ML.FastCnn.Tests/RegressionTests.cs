using Microsoft.ML;
using Microsoft.ML.Data;

namespace ML.FastCnn.Tests;

/// <summary>
/// Regression through the README's pipeline: a <see cref="float"/> label (an image's brightness, 1–9), one output,
/// ML.NET's own <c>Regression.Evaluate</c> on the Score column, checked against the test's own R², MAE and RMSE.
/// </summary>
[TestClass]
[TestCategory(Categories.Integration)]
public sealed class RegressionTests
{
    private static GeneratedImages s_images = null!;
    private static MLContext s_ml = null!;
    private static FastCnnTransformer s_model = null!;
    private static IDataView s_valid = null!;
    private static List<RegressionRow> s_validRows = null!;
    private static ITransformer s_loadImages = null!;

    [ClassInitialize]
    public static void Train(TestContext _)
    {
        s_images = GeneratedImages.ForClass("regression");
        s_ml = new MLContext(seed: 1);
        var trainRows = s_images.WriteRegression("train", 80, seed: 1);
        s_validRows = s_images.WriteRegression("valid", 40, seed: 2);
        var raw = s_ml.Data.LoadFromEnumerable(trainRows);
        s_loadImages = s_ml.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: "ImagePath").Fit(raw);
        s_valid = s_loadImages.Transform(s_ml.Data.LoadFromEnumerable(s_validRows));
        s_model = FastCnn.Train(s_ml, Options(s_valid, epochs: 8)).Fit(s_loadImages.Transform(raw));
    }

    /// <summary>
    /// The tiny options with TorchVision's linear head: on a random body (these tests have no ImageNet weights) fast.ai's
    /// head, with its dropout, needs more than a few epochs to settle on a regression (its validation loss jumps between
    /// epochs), while the linear head reaches R² ≈ 0.95 in 8 epochs of 80 images.
    /// </summary>
    private static FastCnnOptions Options(IDataView? validation, int epochs)
    {
        var options = TestData.TinyOptions(validation);
        options.Epochs = epochs;
        options.Learner.Head = ClassifierHead.Linear;
        return options;
    }

    [ClassCleanup]
    public static void Cleanup() => s_model?.Dispose();

    private static float[] Predictions(ITransformer model, IDataView data) => model.Transform(data).GetColumn<float>("Score").ToArray();

    [TestMethod]
    public void ARegressionModelLearnsAValueAndMLNetsRegressionEvaluatorScoresIt()
    {
        Assert.AreEqual(ImageTask.Regression, s_model.Task);
        var metrics = s_ml.Regression.Evaluate(s_model.Transform(s_valid));

        var predicted = Predictions(s_model, s_valid);
        var actual = s_validRows.Select(r => (double)r.Label).ToArray();
        double mean = actual.Average();
        double residual = actual.Zip(predicted).Sum(p => (p.First - p.Second) * (p.First - p.Second));
        double total = actual.Sum(a => (a - mean) * (a - mean));
        Assert.AreEqual(1 - residual / total, metrics.RSquared, 1e-4, "R²");
        Assert.AreEqual(actual.Zip(predicted).Average(p => Math.Abs(p.First - p.Second)), metrics.MeanAbsoluteError, 1e-4, "MAE");
        Assert.AreEqual(Math.Sqrt(residual / actual.Length), metrics.RootMeanSquaredError, 1e-4, "RMSE");
        Assert.IsTrue(metrics.RSquared >= 0.8, $"R² {metrics.RSquared:F3} on the validation images (MAE {metrics.MeanAbsoluteError:F2} on values 1–9)");
    }

    [TestMethod]
    public void WithAYRangeEveryPredictionStaysInsideItAndTargetsOutsideItAreRefused()
    {
        var raw = s_ml.Data.LoadFromEnumerable(s_images.WriteRegression("range", 48, seed: 3));
        var options = Options(validation: null, epochs: 2);
        options.Learner.YRange = new ValueRange(2, 4); // the targets run from 1 to 9
        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => FastCnn.Train(s_ml, options).Fit(s_loadImages.Transform(raw)));
        StringAssert.Contains(error.Message, "outside YRange");

        options.Learner.YRange = new ValueRange(0.5f, 9.5f);
        using var model = FastCnn.Train(s_ml, options).Fit(s_loadImages.Transform(raw));
        var predictions = Predictions(model, s_valid);
        Assert.IsTrue(predictions.All(p => p is > 0.5f and < 9.5f), $"predictions from {predictions.Min()} to {predictions.Max()}");
    }

    [TestMethod]
    public void ARegressionModelLoadsInAFreshProcessWithTheSameValues()
    {
        var path = Path.Combine(s_images.Folder, "regression.zip");
        var inputSchema = s_ml.Data.LoadFromEnumerable(new[] { new ImageRow() }).Schema;
        FastCnn.SaveModel(s_ml, s_loadImages.Append(s_model), inputSchema, path);
        var paths = s_validRows.Take(6).Select(r => r.ImagePath).ToList();
        var expected = Predictions(s_model, s_valid).Take(6).Select(v => BitConverter.SingleToInt32Bits(v).ToString("x8")).ToList();
        CollectionAssert.AreEqual(expected, TestData.RunProbe(path, paths));
    }

    [TestMethod]
    public void TheOnnxExportGivesTheValuesInTheTargetsUnits()
    {
        var path = Path.Combine(s_images.Folder, "regression.onnx");
        s_model.ExportOnnx(path);
        var raw = s_ml.Data.LoadFromEnumerable(s_validRows.Select(r => new ImageRow { ImagePath = r.ImagePath }));
        var onnx = FastCnn.OnnxScoringChain(s_ml, s_model, path).Fit(raw).Transform(raw).GetColumn<float[]>("values").Select(v => v.Single()).ToArray();
        var predictions = Predictions(s_model, s_valid);
        double largest = onnx.Zip(predictions).Max(p => Math.Abs(p.First - p.Second));
        Assert.IsTrue(largest < 0.1, $"ONNX Runtime and FastCnn differ by up to {largest} (ML.NET's resize against FastCnn's, up to 2 of 255 per pixel)");
    }

    [TestMethod]
    public void ThresholdsBelongToMultiLabelModelsOnly() =>
        Assert.ThrowsExactly<InvalidOperationException>(() => s_model.WithThresholds(0.5f));
}
