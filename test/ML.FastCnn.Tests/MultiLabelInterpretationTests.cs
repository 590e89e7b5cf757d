using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using SkiaSharp;

namespace ML.FastCnn.Tests;

/// <summary>
/// MultiLabelInterpretation on one tiny multi-label model (images showing any subset of three classes), read through the
/// chain a user saves (MapValueToKey, LoadImages, the model): every number against the test's own computation from the
/// model's Score and PredictedLabels columns and the rows' labels; the picture and the report section.
/// </summary>
[TestClass]
[TestCategory(Categories.Integration)]
public sealed class MultiLabelInterpretationTests
{
    private static GeneratedImages s_images = null!;
    private static MLContext s_ml = null!;
    private static ITransformer s_chain = null!;
    private static FastCnnTransformer s_model = null!;
    private static IDataView s_raw = null!;
    private static List<MultiLabelRow> s_rows = null!;
    private static MultiLabelInterpretation s_interpretation = null!;

    [ClassInitialize]
    public static void Train(TestContext _)
    {
        s_images = GeneratedImages.ForClass("multilabel-interpretation");
        s_ml = new MLContext(seed: 1);
        var train = s_ml.Data.LoadFromEnumerable(s_images.WriteMultiLabel("train", 64, seed: 1));
        s_rows = s_images.WriteMultiLabel("valid", 24, seed: 2);
        s_raw = s_ml.Data.LoadFromEnumerable(s_rows);
        var preprocessing = s_ml.Transforms.Conversion.MapValueToKey("Label", "Labels")
            .Append(s_ml.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: "ImagePath")).Fit(train);
        var options = TestData.TinyOptions(preprocessing.Transform(s_raw));
        using (var learner = FastCnnLearner.Create(s_ml, preprocessing.Transform(train), options.Learner))
        {
            learner.FitOneCycle(3, LearningRates.Single(2e-3)); // short: some images right, some wrong
            s_model = learner.ToTransformer(options.Scoring);
        }
        s_chain = preprocessing.Append(s_model);
        s_interpretation = MultiLabelInterpretation.Create(s_chain, s_raw);
    }

    [ClassCleanup]
    public static void Cleanup() => s_model?.Dispose();

    [TestMethod]
    public void TheMetricsAreEvaluateMultiLabelsOnTheSameScores()
    {
        var expected = FastCnn.EvaluateMultiLabel(s_chain.Transform(s_raw));
        var actual = s_interpretation.Metrics;
        Assert.AreEqual(s_rows.Count, actual.Rows);
        Assert.AreEqual(expected.AccuracyMulti, actual.AccuracyMulti, 1e-12);
        Assert.AreEqual(expected.MicroF1, actual.MicroF1, 1e-12);
        Assert.AreEqual(expected.MacroF1, actual.MacroF1, 1e-12);
        Assert.AreEqual(expected.MeanAveragePrecision, actual.MeanAveragePrecision, 1e-12);
        CollectionAssert.AreEqual(expected.PerClass.ToArray(), actual.PerClass.ToArray());
        CollectionAssert.AreEqual(s_model.Thresholds.ToArray(), actual.Thresholds.ToArray(), "the model's own thresholds");

        // accuracy_multi again, from the per-image sets: the share of (image, class) decisions that are right.
        var images = s_interpretation.Predictions;
        double right = images.Sum(p => Enumerable.Range(0, 3).Count(k => p.Predicted.Contains(k) == p.Actual.Contains(k)));
        Assert.AreEqual(right / (3.0 * images.Count), actual.AccuracyMulti, 1e-12);
        Assert.AreEqual(images.Count(p => p.Predicted.SequenceEqual(p.Actual)) / (double)images.Count, s_interpretation.ExactMatch, 1e-12);

        var fixedThreshold = MultiLabelInterpretation.Create(s_chain, s_raw, threshold: 0.3f);
        Assert.IsTrue(fixedThreshold.Metrics.Thresholds.All(t => t == 0.3f));
        Assert.IsTrue(fixedThreshold.Predictions.All(p => p.Predicted.SequenceEqual(Enumerable.Range(0, 3).Where(k => p.Probabilities[k] > 0.3f))));
    }

    [TestMethod]
    public void EachImageCarriesItsClassesProbabilitiesAndBinaryCrossEntropy()
    {
        var scored = s_chain.Transform(s_raw);
        var scores = scored.GetColumn<float[]>("Score").ToList();
        var predictedKeys = scored.GetColumn<VBuffer<uint>>("PredictedLabels").Select(v => v.DenseValues().ToArray()).ToList();
        var classes = s_interpretation.ClassNames;
        CollectionAssert.AreEqual(s_model.ClassNames.ToArray(), classes.ToArray());

        Assert.AreEqual(s_rows.Count, s_interpretation.Predictions.Count);
        foreach (var image in s_interpretation.Predictions)
        {
            int i = image.Index;
            Assert.AreEqual(s_rows[i].ImagePath, image.ImagePath);
            CollectionAssert.AreEqual(scores[i], image.Probabilities.ToArray(), $"image {i}: the Score column");
            CollectionAssert.AreEquivalent(s_rows[i].Labels, image.Actual.Select(k => classes[k]).ToArray(), $"image {i}: its labels");
            CollectionAssert.AreEqual(predictedKeys[i].Select(k => (int)k - 1).ToArray(), image.Predicted.ToArray(), $"image {i}: PredictedLabels");

            double bce = 0;
            for (int k = 0; k < 3; k++)
            {
                bool has = s_rows[i].Labels.Contains(classes[k]);
                double p = Math.Clamp((double)scores[i][k], 1e-15, 1 - 1e-15);
                bce += has ? -Math.Log(p) : -Math.Log(1 - p);
            }
            Assert.AreEqual(bce / 3, image.Loss, 1e-9, $"image {i}: binary cross-entropy");
            CollectionAssert.AreEqual(image.Actual.Except(image.Predicted).ToArray(), image.Missed.ToArray());
            CollectionAssert.AreEqual(image.Predicted.Except(image.Actual).ToArray(), image.Extra.ToArray());
        }
        Assert.AreEqual(s_interpretation.Predictions.Average(p => p.Loss), s_interpretation.MeanLoss, 1e-12);
    }

    [TestMethod]
    public void TopLossesAreTheHighestLossesHighestFirst()
    {
        var all = s_interpretation.Predictions;
        var top = s_interpretation.TopLosses(5);
        var expected = all.Select(p => (p.Index, p.Loss)).OrderByDescending(x => x.Loss).ThenBy(x => x.Index).Take(5).Select(x => x.Index).ToArray();
        CollectionAssert.AreEqual(expected, top.Select(p => p.Index).ToArray());
        Assert.IsTrue(top.Zip(top.Skip(1)).All(x => x.First.Loss >= x.Second.Loss));
        Assert.AreEqual(all.Count, s_interpretation.TopLosses(1000).Count);
        Assert.AreEqual("(none)", s_interpretation.Describe([]));
        Assert.AreEqual($"{s_interpretation.ClassNames[0]}, {s_interpretation.ClassNames[2]}", s_interpretation.Describe([0, 2]));
    }

    [TestMethod]
    public void TheReportShowsTheMetricsThePerClassTableAndTheTopLosses()
    {
        var folder = Path.Combine(s_images.Folder, "report");
        var report = new FastCnnReport("Multi-label interpretation test").AddInterpretation(s_chain, s_raw, folder, count: 6);
        var path = Path.Combine(folder, "report.html");
        report.Save(path);

        using (var bitmap = SKBitmap.Decode(Path.Combine(folder, "top_losses.png")))
        {
            Assert.IsNotNull(bitmap, "top_losses.png decodes");
            Assert.AreEqual(10 + 3 * 170, bitmap.Width, "three columns of 160 px");
            Assert.AreEqual(36 + 2 * (160 + 48 + 10) + 10, bitmap.Height, "two rows, three caption lines each");
        }
        var html = File.ReadAllText(path);
        foreach (var section in new[] { "<h2>Multi-label interpretation</h2>", "<h2>Per class</h2>", "<h2>Top losses</h2>", "average precision" })
            StringAssert.Contains(html, section);
        var c = CultureInfo.InvariantCulture;
        StringAssert.Contains(html, s_interpretation.Metrics.AccuracyMulti.ToString("P2", c));
        StringAssert.Contains(html, s_interpretation.Metrics.MacroF1.ToString("F4", c));
        foreach (var k in s_interpretation.Metrics.PerClass)
            StringAssert.Contains(html, $"<td>{k.Name}</td><td>{k.Threshold.ToString("F2", c)}</td><td>{k.Precision.ToString("F3", c)}</td>");
        Assert.AreEqual(1, html.Split("src=\"data:image/png;base64,").Length - 1, "the picture is embedded");
    }

    [TestMethod]
    public void EachInterpretationRefusesAModelOfAnotherTaskAndNamesTheRightOne()
    {
        var single = Assert.ThrowsExactly<ArgumentException>(() => FastCnnInterpretation.Create(s_chain, s_raw));
        StringAssert.Contains(single.Message, "MultiLabelInterpretation.Create");
        var regression = Assert.ThrowsExactly<ArgumentException>(() => RegressionInterpretation.Create(s_chain, s_raw));
        StringAssert.Contains(regression.Message, "MultiLabelInterpretation.Create");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => MultiLabelInterpretation.Create(s_chain, s_raw, labelColumnName: "ImagePath"));
    }
}
