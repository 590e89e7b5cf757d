using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using SkiaSharp;

namespace ML.FastCnn.Tests;

/// <summary>
/// RegressionInterpretation on one tiny regression model (an image's brightness, 1–9), read through the chain a user
/// saves (LoadImages, the model): R², MAE and RMSE against ML.NET's evaluator and the test's own computation from the
/// per-image values; the largest errors; the pictures and the report section; a row without a value left out.
/// </summary>
[TestClass]
[TestCategory(Categories.Integration)]
public sealed class RegressionInterpretationTests
{
    private static GeneratedImages s_images = null!;
    private static MLContext s_ml = null!;
    private static ITransformer s_chain = null!;
    private static FastCnnTransformer s_model = null!;
    private static IDataView s_raw = null!;
    private static List<RegressionRow> s_rows = null!;
    private static RegressionInterpretation s_interpretation = null!;

    [ClassInitialize]
    public static void Train(TestContext _)
    {
        s_images = GeneratedImages.ForClass("regression-interpretation");
        s_ml = new MLContext(seed: 1);
        var train = s_ml.Data.LoadFromEnumerable(s_images.WriteRegression("train", 64, seed: 1));
        s_rows = s_images.WriteRegression("valid", 24, seed: 2);
        s_raw = s_ml.Data.LoadFromEnumerable(s_rows);
        var loadImages = s_ml.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: "ImagePath").Fit(train);
        var options = TestData.TinyOptions();
        options.Epochs = 4;
        options.Learner.Head = ClassifierHead.Linear; // settles on a regression in a few epochs (see RegressionTests)
        s_model = FastCnn.Train(s_ml, options).Fit(loadImages.Transform(train));
        s_chain = loadImages.Append(s_model);
        s_interpretation = RegressionInterpretation.Create(s_chain, s_raw);
    }

    [ClassCleanup]
    public static void Cleanup() => s_model?.Dispose();

    [TestMethod]
    public void EachImageCarriesItsValueThePredictionAndTheError()
    {
        var scores = s_chain.Transform(s_raw).GetColumn<float>("Score").ToArray();
        CollectionAssert.AreEqual(new[] { "Label" }, s_interpretation.ValueNames.ToArray(), "a Single label's value is named after the column");
        Assert.AreEqual(s_rows.Count, s_interpretation.Predictions.Count);
        foreach (var image in s_interpretation.Predictions)
        {
            int i = image.Index;
            Assert.AreEqual(s_rows[i].ImagePath, image.ImagePath);
            Assert.AreEqual(s_rows[i].Label, image.Actual);
            Assert.AreEqual(scores[i], image.Predicted, $"image {i}: the Score column");
            Assert.AreEqual((double)scores[i] - s_rows[i].Label, image.Error, 1e-9);
            Assert.AreEqual(Math.Abs((double)scores[i] - s_rows[i].Label), image.AbsoluteError, 1e-9);
        }
    }

    [TestMethod]
    public void RSquaredMaeAndRmseAreMLNetsAndFollowFromThePerImageValues()
    {
        var metrics = s_interpretation.Metrics.Single();
        var mlnet = s_ml.Regression.Evaluate(s_chain.Transform(s_raw));
        Assert.AreEqual(mlnet.RSquared, metrics.RSquared, 1e-4, "R²");
        Assert.AreEqual(mlnet.MeanAbsoluteError, metrics.MeanAbsoluteError, 1e-4, "MAE");
        Assert.AreEqual(mlnet.RootMeanSquaredError, metrics.RootMeanSquaredError, 1e-4, "RMSE");

        var images = s_interpretation.Predictions;
        double[] actual = [.. images.Select(p => (double)p.Actual)], predicted = [.. images.Select(p => (double)p.Predicted)];
        double mean = actual.Average();
        double residual = actual.Zip(predicted).Sum(x => (x.First - x.Second) * (x.First - x.Second));
        Assert.AreEqual(1 - residual / actual.Sum(a => (a - mean) * (a - mean)), metrics.RSquared, 1e-9);
        Assert.AreEqual(actual.Zip(predicted).Average(x => Math.Abs(x.First - x.Second)), metrics.MeanAbsoluteError, 1e-9);
        Assert.AreEqual(Math.Sqrt(residual / actual.Length), metrics.RootMeanSquaredError, 1e-9);
        Assert.AreEqual(s_rows.Count, metrics.Count);
    }

    [TestMethod]
    public void LargestErrorsAreTheLargestAbsoluteErrorsLargestFirst()
    {
        var scores = s_chain.Transform(s_raw).GetColumn<float>("Score").ToArray();
        var expected = s_rows.Select((r, i) => (i, error: Math.Abs((double)scores[i] - r.Label))).OrderByDescending(x => x.error).ThenBy(x => x.i).Take(5).ToList();
        var largest = s_interpretation.LargestErrors(5);
        CollectionAssert.AreEqual(expected.Select(x => x.i).ToArray(), largest.Select(p => p.Index).ToArray());
        Assert.IsTrue(largest.Zip(largest.Skip(1)).All(x => x.First.AbsoluteError >= x.Second.AbsoluteError), "sorted, largest first");
        CollectionAssert.AreEqual(largest.ToArray(), s_interpretation.LargestErrors(5, "Label").ToArray());
        Assert.ThrowsExactly<ArgumentException>(() => s_interpretation.LargestErrors(5, "Age"));
    }

    [TestMethod]
    public void TheReportShowsTheMetricsThePlotAndTheLargestErrors()
    {
        var folder = Path.Combine(s_images.Folder, "report");
        var report = new FastCnnReport("Regression interpretation test").AddInterpretation(s_chain, s_raw, folder);
        var path = Path.Combine(folder, "report.html");
        report.Save(path);

        foreach (var (name, width, height) in new[] { ("predicted_vs_actual.png", 700, 650), ("largest_errors.png", 10 + 3 * 170, 36 + 3 * (160 + 48 + 10) + 10) })
        {
            using var bitmap = SKBitmap.Decode(Path.Combine(folder, name));
            Assert.IsNotNull(bitmap, $"{name} decodes");
            Assert.AreEqual(width, bitmap.Width, name);
            Assert.AreEqual(height, bitmap.Height, name);
        }
        var html = File.ReadAllText(path);
        foreach (var section in new[] { "<h2>Regression interpretation</h2>", "<h2>Predicted vs actual</h2>", "<h2>Largest errors</h2>", "<th>R&#178;</th>" })
            StringAssert.Contains(html, section);
        var metrics = s_interpretation.Metrics.Single();
        var c = CultureInfo.InvariantCulture;
        StringAssert.Contains(html, $"<td>Label</td><td>{s_rows.Count}</td><td>{metrics.RSquared.ToString("F4", c)}</td><td>{metrics.MeanAbsoluteError.ToString("G5", c)}</td>");
        Assert.AreEqual(2, html.Split("src=\"data:image/png;base64,").Length - 1, "both pictures are embedded");
    }

    [TestMethod]
    public void ARowWithoutAValueIsLeftOutAndTheOthersKeepTheirImages()
    {
        var rows = s_rows.Take(6).ToList();
        rows.Insert(2, new RegressionRow { ImagePath = s_rows[10].ImagePath, Label = float.NaN });
        var interpretation = RegressionInterpretation.Create(s_chain, s_ml.Data.LoadFromEnumerable(rows));
        CollectionAssert.AreEqual(rows.Where(r => !float.IsNaN(r.Label)).Select(r => r.ImagePath).ToArray(),
            interpretation.Predictions.Select(p => p.ImagePath).ToArray());
        CollectionAssert.AreEqual(Enumerable.Range(0, 6).ToArray(), interpretation.Predictions.Select(p => p.Index).ToArray());
        var picture = Path.Combine(s_images.Folder, "largest_errors_missing.png");
        interpretation.SaveLargestErrors(picture, count: 6); // renders the six images at their own rows, past the one left out
        using var bitmap = SKBitmap.Decode(picture);
        Assert.AreEqual(36 + 2 * (160 + 48 + 10) + 10, bitmap.Height);
    }

    [TestMethod]
    public void TheRegressionInterpretationRefusesALabelOfAnotherKind()
    {
        var error = Assert.ThrowsExactly<ArgumentException>(() => RegressionInterpretation.Create(s_chain, s_raw, labelColumnName: "ImagePath"));
        StringAssert.Contains(error.Message, "Single");
        Assert.ThrowsExactly<ArgumentException>(() => RegressionInterpretation.Create(s_chain, s_raw, labelColumnName: "Nope"));
        var single = Assert.ThrowsExactly<ArgumentException>(() => FastCnnInterpretation.Create(s_chain, s_raw));
        StringAssert.Contains(single.Message, "RegressionInterpretation.Create");
    }

    [TestMethod]
    public void AVectorTargetGivesOnePredictionAndOneLineOfMetricsPerValue()
    {
        // Two values per image: the brightness and 10 − brightness; two short epochs are enough to read the shapes.
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadFromEnumerable(s_images.WriteRegression("pair-train", 32, seed: 5).Select(Pair));
        var valid = s_rows.Take(12).Select(Pair).ToList();
        var raw = ml.Data.LoadFromEnumerable(valid);
        var loadImages = ml.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: "ImagePath").Fit(train);
        var options = TestData.TinyOptions();
        options.Epochs = 2;
        options.Learner.Head = ClassifierHead.Linear;
        using var model = FastCnn.Train(ml, options).Fit(loadImages.Transform(train));
        var chain = loadImages.Append(model);

        var interpretation = RegressionInterpretation.Create(chain, raw);
        CollectionAssert.AreEqual(new[] { "Label[0]", "Label[1]" }, interpretation.ValueNames.ToArray());
        var scores = chain.Transform(raw).GetColumn<float[]>("Score").ToArray();
        Assert.AreEqual(2 * valid.Count, interpretation.Predictions.Count);
        for (int k = 0; k < 2; k++)
        {
            var values = interpretation.PredictionsOf($"Label[{k}]");
            CollectionAssert.AreEqual(scores.Select(s => s[k]).ToArray(), values.Select(p => p.Predicted).ToArray(), $"value {k}: the Score slot");
            CollectionAssert.AreEqual(valid.Select(r => r.Label[k]).ToArray(), values.Select(p => p.Actual).ToArray(), $"value {k}: the label slot");
            double mae = values.Average(p => Math.Abs((double)p.Predicted - p.Actual));
            Assert.AreEqual(mae, interpretation.Metrics[k].MeanAbsoluteError, 1e-9);
            Assert.IsTrue(interpretation.LargestErrors(4, $"Label[{k}]").All(p => p.ValueName == $"Label[{k}]"));
        }
        var folder = Path.Combine(s_images.Folder, "pair-report");
        var html = new FastCnnReport("Two values").AddInterpretation(interpretation, folder, largestErrors: 4).ToHtml();
        StringAssert.Contains(html, "<td>Label[1]</td>");
        using var plot = SKBitmap.Decode(Path.Combine(folder, "predicted_vs_actual.png"));
        Assert.AreEqual(700, plot.Width);
    }

    private static PairRow Pair(RegressionRow row) => new() { ImagePath = row.ImagePath, Label = [row.Label, 10 - row.Label] };

    /// <summary>An image and two values.</summary>
    private sealed class PairRow
    {
        public string ImagePath { get; set; } = "";

        [VectorType(2)]
        public float[] Label { get; set; } = [];
    }
}
