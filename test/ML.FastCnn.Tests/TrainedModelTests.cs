using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace ML.FastCnn.Tests;

/// <summary>One small model trained once on generated images, then evaluated, scored, saved and reloaded.</summary>
[TestClass]
[TestCategory(Categories.Integration)]
public sealed class TrainedModelTests
{
    private static readonly GeneratedImages s_images = GeneratedImages.ForClass("trained");
    private static MLContext s_ml = null!;
    private static List<string> s_log = null!;
    private static ITransformer s_model = null!;
    private static List<ImageRow> s_validRows = null!;
    private static IDataView s_valid = null!;

    [ClassInitialize]
    public static void TrainOnce(TestContext _)
    {
        s_ml = new MLContext(seed: 1);
        s_log = TestData.CaptureLog(s_ml);
        var train = s_ml.Data.LoadFromEnumerable(s_images.Write("train", perClass: 40, seed: 1));
        s_validRows = s_images.Write("valid", perClass: 15, seed: 2);
        s_valid = s_ml.Data.LoadFromEnumerable(s_validRows);

        var preprocessing = TestData.Preprocessing(s_ml).Fit(train);
        var options = TestData.TinyOptions(validation: preprocessing.Transform(s_valid));
        s_model = TestData.Preprocessing(s_ml)
            .Append(FastCnn.Train(s_ml, options))
            .Append(s_ml.Transforms.Conversion.MapKeyToValue("PredictedLabelText", "PredictedLabel"))
            .Fit(train);
    }

    [ClassCleanup]
    public static void Cleanup()
    {
        (s_model as IDisposable)?.Dispose();
    }

    [TestMethod]
    public void LearnsDistinctClassesToHighValidationAccuracy()
    {
        var metrics = s_ml.MulticlassClassification.Evaluate(s_model.Transform(s_valid));

        Assert.IsGreaterThanOrEqualTo(0.9, metrics.MacroAccuracy, $"accuracy {metrics.MicroAccuracy:F3}");
        Assert.IsGreaterThanOrEqualTo(0.9, metrics.MicroAccuracy);
        Assert.IsTrue(double.IsFinite(metrics.LogLoss) && metrics.LogLoss > 0, $"log-loss {metrics.LogLoss}");
    }

    [TestMethod]
    public void EvaluateGivesAConsistentConfusionMatrixWithClassNames()
    {
        var metrics = s_ml.MulticlassClassification.Evaluate(s_model.Transform(s_valid));
        var matrix = metrics.ConfusionMatrix;

        var table = matrix.GetFormattedConfusionTable();
        foreach (var name in GeneratedImages.Classes)
            StringAssert.Contains(table, name);
        double total = matrix.Counts.Sum(row => row.Sum());
        double diagonal = Enumerable.Range(0, matrix.NumberOfClasses).Sum(i => matrix.Counts[i][i]);
        Assert.AreEqual(s_validRows.Count, total);
        Assert.AreEqual(metrics.MicroAccuracy, diagonal / total, 1e-9);
        foreach (var (row, i) in matrix.Counts.Select((r, i) => (r, i)))
            Assert.AreEqual(15, row.Sum(), $"row of class {GeneratedImages.Classes[i]}");
    }

    [TestMethod]
    public void ScoresAreProbabilitiesAndPredictedLabelMapsBackToClassNames()
    {
        var scored = s_model.Transform(s_valid);
        var slotNames = default(VBuffer<ReadOnlyMemory<char>>);
        scored.Schema["Score"].GetSlotNames(ref slotNames);
        CollectionAssert.AreEqual(GeneratedImages.Classes, slotNames.DenseValues().Select(s => s.ToString()).ToArray());

        var scores = scored.GetColumn<float[]>("Score").ToList();
        var predicted = scored.GetColumn<string>("PredictedLabelText").ToList();
        for (int i = 0; i < scores.Count; i++)
        {
            Assert.AreEqual(1f, scores[i].Sum(), 1e-4f);
            Assert.IsTrue(scores[i].All(p => p >= 0));
            Assert.AreEqual(GeneratedImages.Classes[Array.IndexOf(scores[i], scores[i].Max())], predicted[i]);
        }
    }

    [TestMethod]
    public void BatchedScoringEqualsRowByRowPredictionEngine()
    {
        // 45 rows in batches of 8: five full batches and a partial one.
        var batched = s_model.Transform(s_valid).GetColumn<float[]>("Score").ToList();
        // An engine owns (and disposes) its model unless told otherwise; the model is shared here.
        using var engine = s_ml.Model.CreatePredictionEngine<ImageRow, Prediction>(s_model, new PredictionEngineOptions { OwnsTransformer = false });

        Assert.AreEqual(s_validRows.Count, batched.Count);
        for (int i = 0; i < s_validRows.Count; i++)
        {
            var single = engine.Predict(s_validRows[i]);
            for (int k = 0; k < single.Score.Length; k++)
                Assert.AreEqual(batched[i][k], single.Score[k], 1e-5f, $"row {i}, class {k}");
            Assert.AreEqual(s_validRows[i].Label, single.PredictedLabelText, $"row {i}");
        }
    }

    [TestMethod]
    public void SavedModelLoadsInAFreshProcessWithIdenticalProbabilities()
    {
        var path = Path.Combine(s_images.Folder, "model.zip");
        s_ml.Model.Save(s_model, s_valid.Schema, path);
        var rows = s_validRows.Take(10).ToList();
        var expected = s_model.Transform(s_ml.Data.LoadFromEnumerable(rows)).GetColumn<float[]>("Score")
            .Select(s => string.Join(' ', s.Select(v => BitConverter.SingleToInt32Bits(v).ToString("x8"))))
            .ToList();

        var output = TestData.RunProbe(path, rows.Select(r => r.ImagePath));

        CollectionAssert.AreEqual(expected, output);
    }

    [TestMethod]
    public void EncodedImageBytesScoreLikeLoadedImages()
    {
        var fastCnn = ((IEnumerable<ITransformer>)s_model).OfType<FastCnnTransformer>().Single();
        var bytes = s_ml.Transforms.LoadRawImageBytes("Image", imageFolder: null, inputColumnName: "ImagePath").Fit(s_valid).Transform(s_valid);

        var fromBytes = fastCnn.Transform(bytes).GetColumn<float[]>("Score").ToList();
        var fromImages = s_model.Transform(s_valid).GetColumn<float[]>("Score").ToList();

        Assert.AreEqual(fromImages.Count, fromBytes.Count);
        for (int i = 0; i < fromImages.Count; i++)
            CollectionAssert.AreEqual(fromImages[i], fromBytes[i], $"row {i}");
    }

    [TestMethod]
    public void EpochProgressGoesToTheMLContextLog()
    {
        lock (s_log)
        {
            for (int epoch = 1; epoch <= 4; epoch++)
            {
                var line = s_log.SingleOrDefault(l => l.Contains($"epoch {epoch}:", StringComparison.Ordinal));
                Assert.IsNotNull(line, $"no log line for epoch {epoch} in:\n{string.Join('\n', s_log)}");
                StringAssert.Contains(line, "train_loss");
                StringAssert.Contains(line, "valid_loss");
                StringAssert.Contains(line, "accuracy");
                StringAssert.Contains(line, "time");
            }
        }
    }

    public sealed class Prediction
    {
        public float[] Score { get; set; } = [];

        public string PredictedLabelText { get; set; } = "";
    }
}
