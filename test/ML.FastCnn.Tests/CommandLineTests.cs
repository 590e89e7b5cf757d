using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace ML.FastCnn.Tests;

/// <summary>The command line on a folder the test makes: train, lr-find, evaluate, interpret, predict, and bad input.</summary>
[TestClass]
[TestCategory(Categories.Integration)]
public sealed class CommandLineTests
{
    private static readonly GeneratedImages s_images = GeneratedImages.ForClass("cli");
    private static string s_data = null!;
    private static string s_out = null!;

    [ClassInitialize]
    public static void MakeFolder(TestContext _)
    {
        s_data = Path.Combine(s_images.Folder, "data");
        s_out = Path.Combine(s_images.Folder, "out");
        foreach (var (subset, count) in new[] { ("train", 6), ("valid", 2) })
        {
            foreach (var row in s_images.Write(subset, count, seed: subset.Length))
            {
                var target = Path.Combine(s_data, subset, row.Label, Path.GetFileName(row.ImagePath));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Move(row.ImagePath, target);
            }
        }
    }

    private static (int ExitCode, string Output) Cli(params string[] args) => TestData.Cli(args);

    [TestMethod]
    public void TrainThenEvaluateAndPredictWithTheSavedModel()
    {
        var (trained, trainOutput) = Cli("train", s_data, "--size", "32", "--epochs", "1", "--weights", "none", "--lr", "0.002", "--out", s_out);
        Assert.AreEqual(0, trained, trainOutput);
        var model = Path.Combine(s_out, "model.zip");
        Assert.IsTrue(File.Exists(model), trainOutput);
        StringAssert.Contains(trainOutput, "train_loss");
        // The plan is printed before training, and it is the library's for the same data and options (no CLI-only overrides).
        StringAssert.Contains(trainOutput, $"Plan: {LibraryPlan(new FastCnnOptions { Epochs = 1, LearningRate = 0.002, Learner = { ImageSize = 32, Weights = PretrainedWeights.None } })}.");
        StringAssert.Contains(trainOutput, "no augmentation", "18 images: the plan's, not a CLI override");

        var (evaluated, evaluateOutput) = Cli("evaluate", model, s_data);
        Assert.AreEqual(0, evaluated, evaluateOutput);
        StringAssert.Contains(evaluateOutput, "accuracy");
        var (jsonCode, json, jsonErrors) = TestData.CliStreams("evaluate", model, s_data, "--format", "json");
        Assert.AreEqual(0, jsonCode, jsonErrors);
        var metrics = System.Text.Json.JsonDocument.Parse(json).RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble());
        CollectionAssert.AreEqual(new[] { "accuracy", "log_loss" }, metrics.Keys.ToArray(), "a single-label model's metrics");
        var printedAccuracy = System.Text.RegularExpressions.Regex.Match(evaluateOutput, @"accuracy (\d+(?:\.\d)?) ?%");
        Assert.AreEqual(double.Parse(printedAccuracy.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), 100 * metrics["accuracy"], 0.051, "the text and the JSON agree");

        // A file whose path names no class, so the class in the output can only be the prediction.
        var image = Path.Combine(s_images.Folder, "query.png");
        File.Copy(Directory.GetFiles(Path.Combine(s_data, "valid", "hstripes"))[0], image);
        var (predicted, predictOutput) = Cli("predict", model, image);
        Assert.AreEqual(0, predicted, predictOutput);
        StringAssert.Contains(predictOutput, "query.png");
        var printed = GeneratedImages.Classes.Where(predictOutput.Contains).ToList();
        Assert.AreEqual(InProcessPrediction(model, image), printed.Single(), predictOutput);
    }

    [TestMethod]
    public void TrainWritesHistoryCurvesAndReportAndInterpretExplainsTheSavedModel()
    {
        var output = Path.Combine(s_images.Folder, "out-interpret");
        var (trained, trainOutput) = Cli("train", s_data, "--size", "32", "--epochs", "2", "--weights", "none", "--lr", "0.002", "--out", output);
        Assert.AreEqual(0, trained, trainOutput);
        foreach (var name in new[] { "model.zip", "history.csv", "training_curves.png", "confusion_matrix.png", "top_losses.png", "report.html" })
            Assert.IsTrue(File.Exists(Path.Combine(output, name)), $"train wrote {name}\n{trainOutput}");
        var history = File.ReadAllLines(Path.Combine(output, "history.csv"));
        Assert.AreEqual(3, history.Length, "a header and one row per epoch");
        StringAssert.Contains(File.ReadAllText(Path.Combine(output, "report.html")), "data:image/png;base64,");

        var interpreted = Path.Combine(output, "interpretation");
        var (exit, interpretOutput) = Cli("interpret", Path.Combine(output, "model.zip"), s_data, "--out", interpreted, "--top", "4", "--gradcam");
        Assert.AreEqual(0, exit, interpretOutput);
        foreach (var name in new[] { "confusion_matrix.png", "top_losses.png", "top_losses_gradcam.png", "most_confused.csv", "report.html" })
            Assert.IsTrue(File.Exists(Path.Combine(interpreted, name)), $"interpret wrote {name}\n{interpretOutput}");
        StringAssert.Contains(interpretOutput, "6 images"); // valid/: 2 per class
        Assert.AreEqual("actual,predicted,count", File.ReadLines(Path.Combine(interpreted, "most_confused.csv")).First());

        // --labels applies to single-label models as to evaluate: the CSV's rows (no is_valid: all of them), not the folders.
        var validImages = Directory.GetFiles(Path.Combine(s_data, "valid"), "*.png", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Take(4).ToArray();
        var csv = Path.Combine(output, "valid-labels.csv");
        File.WriteAllLines(csv, ["fname,labels", .. validImages.Select(f => $"{Path.GetRelativePath(s_data, f).Replace('\\', '/')},{Path.GetFileName(Path.GetDirectoryName(f))}")]);
        var fromCsv = Path.Combine(output, "interpretation-csv");
        var (csvExit, csvOutput) = Cli("interpret", Path.Combine(output, "model.zip"), s_data, "--labels", csv, "--out", fromCsv);
        Assert.AreEqual(0, csvExit, csvOutput);
        StringAssert.Contains(csvOutput, "4 images");
        foreach (var name in new[] { "confusion_matrix.png", "top_losses.png", "most_confused.csv", "report.html" })
            Assert.IsTrue(File.Exists(Path.Combine(fromCsv, name)), $"interpret --labels wrote {name}\n{csvOutput}");

        var (bad, badOutput) = Cli("interpret", Path.Combine(output, "model.zip"), s_data, "--top", "0");
        Assert.AreEqual(1, bad, badOutput);
        StringAssert.Contains(badOutput, "--top must be 1 or more (was 0)");
    }

    /// <summary>The plan the library makes for the test folder with <paramref name="options"/>, as <c>FastCnn.Train</c> would.</summary>
    private static TrainingPlan LibraryPlan(FastCnnOptions options)
    {
        var ml = new MLContext(seed: 1);
        var folder = ml.Data.LoadImageFolder(s_data);
        var preprocessing = TestData.Preprocessing(ml).Fit(folder.Train);
        options.Learner.ValidationSet = preprocessing.Transform(folder.Validation!);
        using var learner = FastCnnLearner.Create(ml, preprocessing.Transform(folder.Train), options.Learner, options, "test", default);
        return learner.Plan;
    }

    /// <summary>The class the saved model predicts for <paramref name="image"/>, through ML.NET in this process.</summary>
    private static string InProcessPrediction(string modelPath, string image)
    {
        var ml = new MLContext();
        var model = ml.Model.Load(modelPath, out _);
        var rows = ml.Data.LoadFromEnumerable(new[] { new ImageFolderRow { ImagePath = image, Label = GeneratedImages.Classes[0] } });
        return model.Transform(rows).GetColumn<string>("PredictedClass").Single();
    }

    [TestMethod]
    public void LearningRateFinderWritesItsPlot()
    {
        var folder = Path.Combine(s_images.Folder, "lr");
        var (code, output) = Cli("lr-find", s_data, "--size", "32", "--weights", "none", "--out", folder);

        Assert.AreEqual(0, code, output);
        var rates = File.ReadAllLines(Path.Combine(folder, "lr_find.csv")).Skip(1)
            .Select(l => double.Parse(l.Split(',')[0], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.IsTrue(rates.Count >= 10, $"{rates.Count} points");
        var valleyLine = output.Split('\n').Single(l => l.StartsWith("Valley:", StringComparison.Ordinal));
        double valley = double.Parse(valleyLine["Valley:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.IsTrue(valley >= rates.Min() && valley <= rates.Max(), $"the printed valley {valley} is one of the swept rates [{rates.Min()}, {rates.Max()}]");
        using var plot = Microsoft.ML.Data.MLImage.CreateFromFile(Path.Combine(folder, "lr_find.png"));
        Assert.IsTrue(plot.Width > 100 && plot.Height > 100);
    }

    [TestMethod]
    public void BadPathsAndOptionsExitWithAMessage()
    {
        var missing = Path.Combine(s_images.Folder, "nowhere");

        var (folderCode, folderOutput) = Cli("train", missing);
        var (sizeCode, sizeOutput) = Cli("train", s_data, "--size", "4");
        var (modelCode, modelOutput) = Cli("predict", Path.Combine(missing, "model.zip"), "x.png");
        var (parseCode, _) = Cli("train", s_data, "--no-such-option");
        var (resizeCode, _) = Cli("train", s_data, "--resize", "diagonal");
        var (helpCode, help) = Cli("train", "--help");

        Assert.AreEqual(1, folderCode);
        StringAssert.Contains(folderOutput, "does not exist");
        Assert.AreEqual(1, sizeCode);
        StringAssert.Contains(sizeOutput, "error: --size must be 16 or more"); // the library's check, under the CLI's name
        StringAssert.Contains(sizeOutput, "(was 4)");
        Assert.AreEqual(1, modelCode);
        StringAssert.Contains(modelOutput, "model.zip");
        Assert.AreNotEqual(0, parseCode);
        Assert.AreNotEqual(0, resizeCode);
        Assert.AreEqual(0, helpCode);
        StringAssert.Contains(help, "--resize");
        StringAssert.Contains(help, "squish, crop or pad");
    }

    [TestMethod]
    public void HelpListsTheCommands()
    {
        var (code, output) = Cli("--help");

        Assert.AreEqual(0, code, output);
        foreach (var command in new[] { "train", "lr-find", "evaluate", "interpret", "predict", "export", "serve", "doctor" })
            StringAssert.Contains(output, command);
        Assert.IsFalse(output.Contains("bench", StringComparison.Ordinal), "the benchmarks are their own program, not a user command:\n" + output);
    }

    [TestMethod]
    public void TheBenchmarkProgramListsItsMeasurements()
    {
        var bench = Path.Combine(TestData.RepositoryRoot(), "bench", "ML.FastCnn.Bench", "bin", TestData.Configuration, "net10.0", "ML.FastCnn.Bench.dll");

        var output = TestData.Run("dotnet", bench, "--help");

        foreach (var measurement in new[] { "pipeline", "onnx", "fashion-mnist", "small-data", "soak", "serve" })
            StringAssert.Contains(output, measurement);
        StringAssert.Contains(TestData.Run("dotnet", bench, "small-data", "--help"), "FineTuneOnStoredActivations");
    }
}
