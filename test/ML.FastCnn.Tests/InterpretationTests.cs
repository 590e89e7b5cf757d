using Microsoft.ML;
using Microsoft.ML.Data;
using SkiaSharp;

namespace ML.FastCnn.Tests;

/// <summary>
/// FastCnnInterpretation against ML.NET's own metrics on one tiny trained model, its pictures and report,
/// and the Recorder that watched the training.
/// </summary>
[TestClass]
[TestCategory(Categories.Integration)]
public sealed class InterpretationTests
{
    private static readonly GeneratedImages s_images = GeneratedImages.ForClass("interpretation");
    private static MLContext s_ml = null!;
    private static ITransformer s_model = null!;
    private static IDataView s_valid = null!;
    private static Recorder s_recorder = null!;

    [ClassInitialize]
    public static void Train(TestContext _)
    {
        s_ml = new MLContext(seed: 1);
        var train = s_ml.Data.LoadFromEnumerable(s_images.Write("train", perClass: 10, seed: 3));
        s_valid = s_ml.Data.LoadFromEnumerable(s_images.Write("valid", perClass: 8, seed: 4));
        var preprocessing = TestData.Preprocessing(s_ml);
        var options = TestData.TinyOptions(preprocessing.Fit(train).Transform(s_valid));
        options.Epochs = 2; // short: some images right, some wrong, so every view has something to show
        s_recorder = new Recorder();
        options.Learner.Callbacks.Add(s_recorder);
        s_model = preprocessing.Append(FastCnn.Train(s_ml, options))
            .Append(s_ml.Transforms.Conversion.MapKeyToValue("PredictedClass", "PredictedLabel")).Fit(train);
    }

    [ClassCleanup]
    public static void Cleanup()
    {
        (s_model as IDisposable)?.Dispose();
    }

    [TestMethod]
    public void ConfusionMatrixAccuracyAndLossEqualMLNetsMetrics()
    {
        var interpretation = FastCnnInterpretation.Create(s_model, s_valid);
        var metrics = s_ml.MulticlassClassification.Evaluate(s_model.Transform(s_valid));

        Assert.AreEqual(24, interpretation.Predictions.Count);
        var counts = interpretation.ConfusionMatrix();
        for (int a = 0; a < 3; a++)
            for (int p = 0; p < 3; p++)
                Assert.AreEqual(metrics.ConfusionMatrix.Counts[a][p], counts[a, p], $"cell actual {a}, predicted {p}");
        Assert.AreEqual(metrics.MicroAccuracy, interpretation.Accuracy, 1e-12);
        Assert.AreEqual(metrics.LogLoss, interpretation.MeanLoss, 1e-6);
        var normalized = interpretation.NormalizedConfusionMatrix();
        for (int a = 0; a < 3; a++)
        {
            Assert.AreEqual(1.0, normalized[a, 0] + normalized[a, 1] + normalized[a, 2], 1e-12, "rows sum to 1");
            Assert.AreEqual(metrics.ConfusionMatrix.PerClassRecall[a], normalized[a, a], 1e-9, "the diagonal is the per-class recall");
        }
    }

    [TestMethod]
    public void EachImageCarriesItsScoreClassesAndCrossEntropy()
    {
        var interpretation = FastCnnInterpretation.Create(s_model, s_valid);
        var scored = s_model.Transform(s_valid);
        var scores = scored.GetColumn<float[]>("Score").ToList();
        var truth = s_valid.GetColumn<string>("Label").ToList(); // the class names in the input rows
        var paths = s_valid.GetColumn<string>("ImagePath").ToList();
        var predicted = scored.GetColumn<string>("PredictedClass").ToList();

        foreach (var image in interpretation.Predictions)
        {
            int i = image.Index;
            CollectionAssert.AreEqual(scores[i], image.Probabilities.ToArray(), $"image {i}: probabilities are the Score column");
            Assert.AreEqual(truth[i], interpretation.ClassNames[image.Actual]);
            Assert.AreEqual(predicted[i], interpretation.ClassNames[image.Predicted]);
            Assert.AreEqual(paths[i], image.ImagePath);
            Assert.AreEqual(-Math.Log(scores[i][image.Actual]), image.Loss, 1e-9, $"image {i}: cross-entropy");
        }
    }

    [TestMethod]
    public void TopLossesMostConfusedAndClassViewsPickTheRightImages()
    {
        var interpretation = FastCnnInterpretation.Create(s_model, s_valid);
        var all = interpretation.Predictions;

        var top = interpretation.TopLosses(5);
        Assert.AreEqual(5, top.Count);
        Assert.AreEqual(all.Max(p => p.Loss), top[0].Loss);
        CollectionAssert.AreEqual(all.Select(p => p.Loss).OrderDescending().Take(5).ToArray(), top.Select(p => p.Loss).ToArray());

        var counts = interpretation.ConfusionMatrix();
        var confused = interpretation.MostConfused();
        Assert.AreEqual(all.Count(p => !p.IsCorrect), confused.Sum(p => p.Count), "every mistake is in one pair");
        Assert.IsTrue(confused.Count > 0, "the short training leaves mistakes to show");
        foreach (var pair in confused)
            Assert.AreEqual(counts[Index(interpretation, pair.Actual), Index(interpretation, pair.Predicted)], pair.Count);
        CollectionAssert.AreEqual(confused.Select(p => p.Count).OrderDescending().ToArray(), confused.Select(p => p.Count).ToArray());
        Assert.IsTrue(interpretation.MostConfused(minCount: 100).Count == 0);

        foreach (var name in interpretation.ClassNames)
        {
            int c = Index(interpretation, name);
            var correct = interpretation.ByClass(ClassView.MostCorrect, name, 3);
            Assert.IsTrue(correct.All(p => p.Actual == c && p.Predicted == c));
            Assert.IsTrue(correct.Zip(correct.Skip(1)).All(x => x.First.Probabilities[c] >= x.Second.Probabilities[c]));
            var incorrect = interpretation.ByClass(ClassView.MostIncorrect, name, 3);
            Assert.AreEqual(Math.Min(3, all.Count(p => p.Actual == c && p.Predicted != c)), incorrect.Count);
            Assert.IsTrue(incorrect.Zip(incorrect.Skip(1)).All(x => x.First.Probabilities[c] <= x.Second.Probabilities[c]));
            var uncertain = interpretation.ByClass(ClassView.MostUncertain, name, 1).Single();
            Assert.AreEqual(all.Min(p => Math.Abs(p.Probabilities[c] - 0.5)), Math.Abs(uncertain.Probabilities[c] - 0.5));
        }
        Assert.ThrowsExactly<ArgumentException>(() => interpretation.ByClass(ClassView.MostCorrect, "no-such-class", 1));
    }

    [TestMethod]
    public void PicturesCsvAndReportAreWrittenAndSelfContained()
    {
        var interpretation = FastCnnInterpretation.Create(s_model, s_valid);
        var folder = Path.Combine(s_images.Folder, "report");
        var report = new FastCnnReport("Interpretation test")
            .AddSettings("Options", [new("architecture", "ResNet18")])
            .AddEpochs("Epochs", s_recorder.Epochs);
        s_recorder.SaveTrainingCurves(Path.Combine(folder, "training_curves.png"));
        report.AddPicture("Training curves", Path.Combine(folder, "training_curves.png"));
        report.AddInterpretation(interpretation, folder, topLosses: 6, gradCam: true);
        interpretation.SaveMostConfusedCsv(Path.Combine(folder, "most_confused.csv"));
        report.Save(Path.Combine(folder, "report.html"));

        foreach (var (name, width) in new[] { ("confusion_matrix.png", 800), ("training_curves.png", 1100), ("top_losses.png", 520), ("top_losses_gradcam.png", 520), ("most_correct.png", 690) })
        {
            using var bitmap = SKBitmap.Decode(Path.Combine(folder, name));
            Assert.IsNotNull(bitmap, name);
            Assert.AreEqual(width, bitmap.Width, name);
        }
        var csv = File.ReadAllLines(Path.Combine(folder, "most_confused.csv"));
        Assert.AreEqual("actual,predicted,count", csv[0]);
        Assert.AreEqual(interpretation.MostConfused().Count, csv.Length - 1);

        var html = File.ReadAllText(Path.Combine(folder, "report.html"));
        Assert.AreEqual(7, html.Split("src=\"data:image/png;base64,").Length - 1, "every picture is embedded");
        Assert.IsFalse(System.Text.RegularExpressions.Regex.IsMatch(html, "(src|href)=\"(?!data:)|<script|<link|url\\(", System.Text.RegularExpressions.RegexOptions.IgnoreCase),
            "nothing to fetch or run");
        StringAssert.Contains(html, "train_loss");
        StringAssert.Contains(html, $"{interpretation.Accuracy.ToString("P2", System.Globalization.CultureInfo.InvariantCulture)}");
    }

    [TestMethod]
    public void RecorderKeepsEveryBatchAndEpochOfTheFitAndTheScheduleItFollowed()
    {
        // TinyOptions: 30 images, batch 16 → 1 batch per epoch (drop_last); 2 epochs, one cycle at 2e-3.
        Assert.AreEqual(2, s_recorder.Epochs.Count);
        Assert.AreEqual(2, s_recorder.Batches.Count);
        Assert.IsTrue(s_recorder.Epochs.All(e => e.Result.ValidLoss is not null && e.Result.Accuracy is not null));
        Assert.AreEqual(2, s_recorder.Epochs[^1].Iteration);

        var ml = new MLContext(seed: 1);
        var raw = ml.Data.LoadFromEnumerable(s_images.Write("recorder", perClass: 22, seed: 5));
        var learnerOptions = TestData.TinyOptions().Learner;
        var recorder = new Recorder();
        learnerOptions.Callbacks.Add(recorder);
        using var learner = FastCnnLearner.Create(ml, TestData.Preprocessing(ml).Fit(raw).Transform(raw), learnerOptions);
        learner.FindLearningRate(new LearningRateFinderOptions { Iterations = 12, EndLearningRate = 1e-2 });
        Assert.AreEqual(0, recorder.Batches.Count, "the range test is not training");

        learner.Fit(2, 1e-3, LearningRateSchedule.OneCycle()); // 66 images / 16 → 4 batches per epoch
        learner.Fit(1, 1e-4, LearningRateSchedule.Constant);
        var batches = recorder.Batches;
        Assert.AreEqual(12, batches.Count);
        CollectionAssert.AreEqual(Enumerable.Range(1, 12).ToArray(), batches.Select(b => b.Iteration).ToArray());
        CollectionAssert.AreEqual(new[] { 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1 }, batches.Select(b => b.Fit).ToArray());
        var cycle = batches.Take(8).ToList();
        Assert.AreEqual(1e-3, cycle.Max(b => b.LearningRate), 2e-4, "one cycle peaks near the maximum");
        Assert.IsTrue(cycle[0].LearningRate < 1e-4 && cycle[^1].LearningRate < 1e-4, "and starts and ends low");
        Assert.IsTrue(cycle.Min(b => b.Momentum) < 0.9 && cycle[0].Momentum > 0.9, "momentum goes down while the rate goes up");
        Assert.AreEqual(1e-4, batches[^1].LearningRate, 1e-12);
        Assert.AreEqual(3, recorder.Epochs.Count);

        var csv = Path.Combine(s_images.Folder, "history.csv");
        recorder.SaveCsv(csv);
        var lines = File.ReadAllLines(csv);
        Assert.AreEqual("fit,epoch,train_loss,valid_loss,accuracy,error_rate,time", lines[0]);
        Assert.AreEqual(4, lines.Length);
        StringAssert.StartsWith(lines[3], "2,1,");
        recorder.Clear();
        Assert.AreEqual(0, recorder.Batches.Count);
    }

    [TestMethod]
    public void SmoothingIsFastaisDebiasedMovingAverage()
    {
        var smooth = Recorder.Smooth([1.0, 2.0, 3.0], beta: 0.5);
        Assert.AreEqual(1.0, smooth[0], 1e-12); // debiased: the first value is itself
        Assert.AreEqual((0.25 * 1 + 0.5 * 2) / 0.75, smooth[1], 1e-12);
        Assert.AreEqual((0.125 * 1 + 0.25 * 2 + 0.5 * 3) / 0.875, smooth[2], 1e-12);
    }

    private static int Index(FastCnnInterpretation interpretation, string name) => interpretation.ClassNames.ToList().IndexOf(name);
}
