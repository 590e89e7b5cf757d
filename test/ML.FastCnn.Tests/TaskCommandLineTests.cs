using System.Globalization;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using ML.FastCnn.Shared;

namespace ML.FastCnn.Tests;

/// <summary>
/// The command line beyond single-label folders: <c>train</c> a multi-label model and a regression from CSVs of labels
/// (fast.ai's layout, with is_valid), then <c>evaluate --format json</c>, <c>predict</c>, <c>serve</c>, <c>interpret
/// --labels</c> and <c>export</c> with them; every number checked against the test's own computation from the saved model scored in
/// this process; and the mix-ups of options, each with a message that says what to change.
/// </summary>
[TestClass]
[TestCategory(Categories.Integration)]
public sealed class TaskCommandLineTests
{
    private static readonly GeneratedImages s_images = GeneratedImages.ForClass("cli-tasks");
    private static List<MultiLabelRow> s_multiValid = null!;
    private static List<RegressionRow> s_valueValid = null!;
    private static string s_multiModel = null!, s_valueModel = null!;
    private static string s_multiTrainOutput = null!, s_valueTrainOutput = null!;

    /// <summary>The options every training here uses: 32 px, random weights (no download), one epoch.</summary>
    private static readonly string[] Tiny = ["--size", "32", "--epochs", "1", "--weights", "none", "--lr", "0.002"];

    [ClassInitialize]
    public static void TrainBothModels(TestContext _)
    {
        var multiTrain = s_images.WriteMultiLabel("train", 48, seed: 1);
        s_multiValid = s_images.WriteMultiLabel("valid", 16, seed: 2);
        WriteCsv("labels.csv", "fname,labels,is_valid",
            multiTrain.Select(r => Line(r.ImagePath, string.Join(' ', r.Labels), "false")).Concat(s_multiValid.Select(r => Line(r.ImagePath, string.Join(' ', r.Labels), "true"))));
        var valueTrain = s_images.WriteRegression("rtrain", 48, seed: 3);
        s_valueValid = s_images.WriteRegression("rvalid", 16, seed: 4);
        WriteCsv("values.csv", "fname,value,is_valid",
            valueTrain.Select(r => Line(r.ImagePath, Number(r.Label), "0")).Concat(s_valueValid.Select(r => Line(r.ImagePath, Number(r.Label), "1"))));

        // --task auto (the default) decides from the CSVs: several classes per row → multi-label; a 'value' column → regression.
        (s_multiModel, s_multiTrainOutput) = Train("labels.csv", "out-multi");
        (s_valueModel, s_valueTrainOutput) = Train("values.csv", "out-value");
    }

    private static string Line(string path, string label, string isValid) => $"{Path.GetFileName(path)},{label},{isValid}";

    private static string Number(float value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static void WriteCsv(string name, string header, IEnumerable<string> lines) =>
        File.WriteAllLines(Path.Combine(s_images.Folder, name), [header, .. lines]);

    private static (string Model, string Output) Train(string csv, string output)
    {
        var folder = Path.Combine(s_images.Folder, output);
        var (code, text) = TestData.Cli(["train", s_images.Folder, "--labels", Path.Combine(s_images.Folder, csv), .. Tiny, "--out", folder]);
        Assert.AreEqual(0, code, text);
        var model = Path.Combine(folder, "model.zip");
        Assert.IsTrue(File.Exists(model), text);
        return (model, text);
    }

    /// <summary>Standard output of a command that must succeed.</summary>
    private static string Stdout(params string[] args)
    {
        var (code, stdout, stderr) = TestData.CliStreams(args);
        Assert.AreEqual(0, code, $"{string.Join(' ', args)}\n{stdout}\n{stderr}");
        return stdout;
    }

    /// <summary>The saved model scored in this process on <paramref name="rows"/>: its FastCnn step and the Score column.</summary>
    private static (FastCnnTransformer FastCnn, IDataView Scored) InProcess<TRow>(string modelPath, IEnumerable<TRow> rows)
        where TRow : class
    {
        var ml = new MLContext();
        var model = ml.Model.Load(modelPath, out _);
        return (FastCnn.FindTransformer(model)!, model.Transform(ml.Data.LoadFromEnumerable(rows)));
    }

    private static Dictionary<string, double> JsonMetrics(string json) =>
        JsonDocument.Parse(json).RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble());

    /// <summary>
    /// accuracy_multi and micro F1 of the saved multi-label model on the is_valid rows, scored in this process;
    /// decisions: probability above the model's threshold.
    /// </summary>
    private static (double AccuracyMulti, double MicroF1) MultiLabelValidationMetrics()
    {
        var (fastCnn, scored) = InProcess(s_multiModel, s_multiValid.Select(r => new ClassesRow { ImagePath = r.ImagePath, Label = r.Labels }));
        var scores = scored.GetColumn<float[]>("Score").ToArray();
        var thresholds = fastCnn.Thresholds;
        int right = 0, tp = 0, fp = 0, fn = 0;
        for (int i = 0; i < scores.Length; i++)
        {
            for (int k = 0; k < fastCnn.ClassNames.Count; k++)
            {
                bool predicted = scores[i][k] > thresholds[k], truth = s_multiValid[i].Labels.Contains(fastCnn.ClassNames[k]);
                right += predicted == truth ? 1 : 0;
                tp += predicted && truth ? 1 : 0;
                fp += predicted && !truth ? 1 : 0;
                fn += !predicted && truth ? 1 : 0;
            }
        }
        return ((double)right / (scores.Length * fastCnn.ClassNames.Count), tp == 0 ? 0 : 2.0 * tp / (2 * tp + fp + fn));
    }

    /// <summary>R², mean absolute and root mean squared error of the saved regression on the is_valid rows, scored in this process.</summary>
    private static (double RSquared, double MeanAbsoluteError, double RootMeanSquaredError) RegressionValidationMetrics()
    {
        var (_, scored) = InProcess(s_valueModel, s_valueValid);
        var predicted = scored.GetColumn<float>("Score").ToArray();
        var actual = s_valueValid.Select(r => (double)r.Label).ToArray();
        double mean = actual.Average();
        double residual = actual.Zip(predicted).Sum(p => (p.First - p.Second) * (p.First - p.Second));
        return (1 - residual / actual.Sum(a => (a - mean) * (a - mean)), actual.Zip(predicted).Average(p => Math.Abs(p.First - p.Second)), Math.Sqrt(residual / actual.Length));
    }

    /// <summary>Asserts that <paramref name="path"/> is a non-empty PNG file (its 8-byte signature).</summary>
    private static void AssertPng(string path)
    {
        Assert.IsTrue(File.Exists(path), path);
        var bytes = File.ReadAllBytes(path);
        CollectionAssert.AreEqual(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, bytes.Take(8).ToArray(), $"{path}: not a PNG");
        Assert.IsTrue(bytes.Length > 100, $"{path}: {bytes.Length} bytes");
    }

    /// <summary>
    /// The text of <paramref name="path"/>, asserted to be a self-contained report.html with embedded pictures; entities
    /// decoded, since the report encodes characters such as ² as <c>&amp;#178;</c>.
    /// </summary>
    private static string ReportHtml(string path)
    {
        Assert.IsTrue(File.Exists(path), path);
        var html = File.ReadAllText(path);
        StringAssert.StartsWith(html, "<!DOCTYPE html>");
        StringAssert.Contains(html, "data:image/png;base64,");
        return System.Net.WebUtility.HtmlDecode(html);
    }

    [TestMethod]
    public void AMultiLabelModelTrainsFromACsvAndEvaluatesWithTheTestsOwnNumbers()
    {
        StringAssert.Contains(s_multiTrainOutput, "48 training and 16 validation images of 3 classes (multi-label)", "is_valid honoured, the task found");
        StringAssert.Contains(s_multiTrainOutput, "Scoring the validation set");
        StringAssert.Contains(s_multiTrainOutput, "accuracy_multi");
        foreach (var file in new[] { "report.html", "top_losses.png" }) // the report interprets the model as multi-label
            Assert.IsTrue(File.Exists(Path.Combine(Path.GetDirectoryName(s_multiModel)!, file)), file);

        var metrics = JsonMetrics(Stdout("evaluate", s_multiModel, s_images.Folder, "--labels", Path.Combine(s_images.Folder, "labels.csv"), "--format", "json"));

        CollectionAssert.AreEqual(new[] { "accuracy_multi", "f1_micro", "f1_macro", "map" }, metrics.Keys.ToArray());
        var (accuracyMulti, microF1) = MultiLabelValidationMetrics();
        Assert.AreEqual(accuracyMulti, metrics["accuracy_multi"], 1e-9);
        Assert.AreEqual(microF1, metrics["f1_micro"], 1e-9);
        Assert.IsTrue(metrics["f1_macro"] is >= 0 and <= 1 && metrics["map"] is >= 0 and <= 1, string.Join(", ", metrics));

        var text = TestData.Cli("evaluate", s_multiModel, s_images.Folder, "--labels", Path.Combine(s_images.Folder, "labels.csv"));
        Assert.AreEqual(0, text.ExitCode, text.Output);
        StringAssert.Contains(text.Output, "16 images (the is_valid rows)");
        StringAssert.Contains(text.Output, "macro F1");
    }

    [TestMethod]
    public void PredictAndServePrintTheClassesAboveTheThresholds()
    {
        var images = s_multiValid.Take(4).Select(r => r.ImagePath).ToArray();
        var (fastCnn, scored) = InProcess(s_multiModel, images.Select(p => new ClassesRow { ImagePath = p }));
        var scores = scored.GetColumn<float[]>("Score").ToArray();
        var expected = scores.Select(s => fastCnn.ClassNames.Where((_, k) => s[k] > fastCnn.Thresholds[k]).ToArray()).ToArray();

        var json = JsonDocument.Parse(Stdout(["predict", s_multiModel, .. images, "--format", "json"])).RootElement.EnumerateArray().ToArray();
        var lines = Stdout(["predict", s_multiModel, .. images]).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        for (int i = 0; i < images.Length; i++)
        {
            CollectionAssert.AreEqual(expected[i], json[i].GetProperty("labels").EnumerateArray().Select(e => e.GetString()).ToArray(), $"image {i}");
            var probabilities = json[i].GetProperty("probabilities").EnumerateObject().Select(p => p.Value.GetSingle()).ToArray();
            for (int k = 0; k < probabilities.Length; k++)
                Assert.AreEqual(scores[i][k], probabilities[k], 1e-5);
            var fields = lines[i].Split('\t');
            Assert.AreEqual(images[i], fields[0]);
            Assert.AreEqual(string.Join(' ', expected[i]), fields[1], lines[i]);
        }

        var answer = Serve(s_multiModel, images[0]).RootElement;
        CollectionAssert.AreEqual(expected[0], answer.GetProperty("labels").EnumerateArray().Select(e => e.GetString()).ToArray());
        Assert.AreEqual(3, answer.GetProperty("probabilities").EnumerateObject().Count());
    }

    [TestMethod]
    public void ARegressionTrainsFromAValueColumnAndEvaluatesWithTheTestsOwnNumbers()
    {
        StringAssert.Contains(s_valueTrainOutput, "48 training and 16 validation images with a value each (regression)");
        StringAssert.Contains(s_valueTrainOutput, "R²");
        foreach (var file in new[] { "report.html", "predicted_vs_actual.png", "largest_errors.png" }) // interpreted as a regression
            Assert.IsTrue(File.Exists(Path.Combine(Path.GetDirectoryName(s_valueModel)!, file)), file);

        var metrics = JsonMetrics(Stdout("evaluate", s_valueModel, s_images.Folder, "--labels", Path.Combine(s_images.Folder, "values.csv"), "--format", "json"));

        CollectionAssert.AreEqual(new[] { "r2", "mae", "rmse" }, metrics.Keys.ToArray());
        var (r2, mae, rmse) = RegressionValidationMetrics();
        Assert.AreEqual(r2, metrics["r2"], 1e-4);
        Assert.AreEqual(mae, metrics["mae"], 1e-4);
        Assert.AreEqual(rmse, metrics["rmse"], 1e-4);
    }

    [TestMethod]
    public void PredictAndServePrintTheValue()
    {
        var images = s_valueValid.Take(3).Select(r => r.ImagePath).ToArray();
        var (_, scored) = InProcess(s_valueModel, images.Select(p => new ImageFolderRow { ImagePath = p }));
        var expected = scored.GetColumn<float>("Score").ToArray();

        var json = JsonDocument.Parse(Stdout(["predict", s_valueModel, .. images, "--format", "json"])).RootElement.EnumerateArray().ToArray();
        var lines = Stdout(["predict", s_valueModel, .. images]).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        for (int i = 0; i < images.Length; i++)
        {
            Assert.AreEqual(expected[i], json[i].GetProperty("value").GetSingle(), 1e-4, $"image {i}");
            var fields = lines[i].Split('\t');
            Assert.AreEqual(2, fields.Length, lines[i]);
            Assert.AreEqual(expected[i], float.Parse(fields[1], CultureInfo.InvariantCulture), 1e-4, lines[i]);
        }
        Assert.AreEqual(expected[0], Serve(s_valueModel, images[0]).RootElement.GetProperty("value").GetSingle(), 1e-4);
    }

    [TestMethod]
    public void InterpretOfAMultiLabelModelWithLabelsWritesItsTopLossesAndReportWithTheTestsOwnAccuracy()
    {
        var output = Path.Combine(s_images.Folder, "interpret-multi");
        var (code, text) = TestData.Cli("interpret", s_multiModel, s_images.Folder, "--labels", "labels.csv", "--out", output, "--top", "4", "--gradcam");

        Assert.AreEqual(0, code, text);
        StringAssert.Contains(text, "Interpretation of 16 images (the is_valid rows)", "the is_valid rows only, the CSV found inside the data folder");
        StringAssert.Contains(text, "accuracy_multi");
        StringAssert.Contains(text, "--gradcam draws single-label models; this one is multi-label");
        AssertPng(Path.Combine(output, "top_losses.png"));
        Assert.IsFalse(File.Exists(Path.Combine(output, "confusion_matrix.png")), "no single-label pictures");
        var html = ReportHtml(Path.Combine(output, "report.html"));
        StringAssert.Contains(html, "Multi-label interpretation");
        StringAssert.Contains(html, "Per class");
        // The report's metric rows (invariant culture), against the test's own count of right class decisions.
        var (accuracyMulti, _) = MultiLabelValidationMetrics();
        StringAssert.Contains(html, $"<td>accuracy_multi</td><td>{accuracyMulti.ToString("P2", CultureInfo.InvariantCulture)}</td>");
    }

    [TestMethod]
    public void InterpretOfARegressionWithLabelsDrawsPredictedAgainstActual()
    {
        var output = Path.Combine(s_images.Folder, "interpret-value");
        var (code, text) = TestData.Cli("interpret", s_valueModel, s_images.Folder, "--labels", Path.Combine(s_images.Folder, "values.csv"), "--out", output);

        Assert.AreEqual(0, code, text);
        StringAssert.Contains(text, "Interpretation of 16 images (the is_valid rows)");
        StringAssert.Contains(text, "R²");
        AssertPng(Path.Combine(output, "predicted_vs_actual.png"));
        AssertPng(Path.Combine(output, "largest_errors.png"));
        var html = ReportHtml(Path.Combine(output, "report.html"));
        StringAssert.Contains(html, "Predicted vs actual");
        var (r2, _, _) = RegressionValidationMetrics();
        StringAssert.Contains(html, $"<td>R²</td><td>{r2.ToString("F4", CultureInfo.InvariantCulture)}</td>");
    }

    [TestMethod]
    public void ExportWritesValuesForARegression()
    {
        var onnx = Path.Combine(s_images.Folder, "value.onnx");
        var (exported, exportOutput) = TestData.Cli("export", s_valueModel, onnx, "--check", s_images.Folder);
        Assert.AreEqual(0, exported, exportOutput);
        StringAssert.Contains(exportOutput, "output 'values' [N, 1]");
        StringAssert.Contains(exportOutput, "differ by up to");
    }

    [TestMethod]
    public void LearningRateFinderTakesTheSameLabelOptions()
    {
        File.WriteAllLines(Path.Combine(s_images.Folder, "single.csv"),
            ["fname,labels", .. s_multiValid.Select((r, i) => $"{Path.GetFileName(r.ImagePath)},{GeneratedImages.Classes[i % 3]}")]);
        var (code, output) = TestData.Cli("lr-find", s_images.Folder, "--labels", "single.csv", "--size", "32", "--weights", "none", "--out", Path.Combine(s_images.Folder, "lr-single"));
        Assert.AreEqual(0, code, output);
        StringAssert.Contains(output, "of 3 classes", "one class per row, found inside the data folder: single-label");
        Assert.IsFalse(output.Contains("multi-label", StringComparison.Ordinal), output);
        StringAssert.Contains(output, "Valley:");

        var (valueCode, valueOutput) = TestData.Cli("lr-find", s_images.Folder, "--labels", "values.csv", "--task", "regression", "--size", "32", "--weights", "none",
            "--out", Path.Combine(s_images.Folder, "lr-value"));
        Assert.AreEqual(0, valueCode, valueOutput);
        StringAssert.Contains(valueOutput, "(regression)");
        Assert.IsTrue(File.Exists(Path.Combine(s_images.Folder, "lr-value", "lr_find.png")));
    }

    [TestMethod]
    public void MixedUpOptionsSayWhatToChange()
    {
        string folder = s_images.Folder, labels = Path.Combine(folder, "labels.csv");
        File.WriteAllLines(Path.Combine(folder, "both.csv"), ["fname,labels,value", $"{Path.GetFileName(s_multiValid[0].ImagePath)},blob,1"]);

        var cases = new (string[] Args, string Message)[]
        {
            (["train", folder, "--task", "regression"], "pass --labels <csv> with a 'value' column"),
            (["train", folder, "--task", "multilabel"], "pass --labels <csv> with a 'labels' column"),
            (["train", folder, "--labels", labels, "--task", "regression"], "a 'value' column, which"),
            (["train", folder, "--labels", "nowhere.csv"], "--labels: 'nowhere.csv' does not exist"),
            (["train", folder, "--labels", labels, "--label-column", "tags"], "--label-column tags: "),
            (["train", folder, "--label-column", "labels"], "pass --labels <csv> too"),
            (["train", folder, "--labels", "both.csv"], "pass --task regression to learn the values"),
            (["evaluate", s_multiModel, folder], "pass --labels <csv> with a 'labels' column"),
            (["evaluate", s_valueModel, folder, "--labels", labels], "Name the column of numbers with --label-column"),
            (["interpret", s_multiModel, folder], "pass --labels <csv> with a 'labels' column"),
            (["interpret", s_valueModel, folder], "pass --labels <csv> with a 'value' column"),
        };
        foreach (var (args, message) in cases)
        {
            var (code, output) = TestData.Cli(args);
            Assert.AreEqual(1, code, $"{string.Join(' ', args)}\n{output}");
            StringAssert.Contains(output, message, string.Join(' ', args));
            Assert.IsFalse(output.Contains("   at ", StringComparison.Ordinal), $"a message, not a stack trace:\n{output}");
        }
    }

    /// <summary>Starts <c>serve</c> on <paramref name="model"/>, posts <paramref name="image"/>, returns the answer.</summary>
    private static JsonDocument Serve(string model, string image)
    {
        int port = LoopbackPort.Free();
        using var server = ServeTests.StartServer(model, port);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        try
        {
            ServeTests.WaitUntilHealthy(http, server).GetAwaiter().GetResult();
            using var response = http.PostAsync("/predict", new ByteArrayContent(File.ReadAllBytes(image))).GetAwaiter().GetResult();
            var body = response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
            Assert.IsTrue(response.IsSuccessStatusCode, body);
            return JsonDocument.Parse(body);
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            server.WaitForExit();
        }
    }

    /// <summary>A multi-label input row: the saved model maps a text vector to keys.</summary>
    public sealed class ClassesRow
    {
        /// <summary>Path of the image file.</summary>
        public string ImagePath { get; set; } = "";

        /// <summary>The image's classes (none when unknown).</summary>
        public string[] Label { get; set; } = [];
    }
}
