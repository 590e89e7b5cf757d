using System.CommandLine;
using System.Globalization;
using Microsoft.ML;
using ML.FastCnn;
using Spectre.Console;

namespace ML.FastCnn.Samples;

/// <summary>
/// <c>interpret &lt;model.zip&gt; &lt;folder&gt;</c>: fast.ai's interpretation of a saved model on labelled images, for
/// its task — confusion_matrix.png, top_losses.png (and top_losses_gradcam.png), the per-class views and most_confused.csv
/// (single-label); the per-class table and top_losses.png (multi-label); predicted_vs_actual.png and largest_errors.png
/// (regression) — and report.html. The labels are read as <c>evaluate</c> reads them (a folder, or <c>--labels</c>).
/// </summary>
internal static class InterpretCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "a model.zip saved by train" };
        var folder = new Argument<string>("folder") { Description = "labelled images: valid/<class>/… is used when present, else every <class>/… image; with --labels, the CSV's is_valid rows when it has that column, else all its rows" };
        var labels = new LabelOptions();
        var output = CommonOptions.OutputOption("fastcnn-interpretation");
        var top = new Option<int>("--top") { Description = "images in the top-losses picture (the largest-errors picture of a regression)", DefaultValueFactory = _ => 9 };
        var gradCam = new Option<bool>("--gradcam") { Description = "single-label models: also draw the top losses with their Grad-CAM heat maps (top_losses_gradcam.png)" };
        var badImages = CommonOptions.BadImagesOption();
        var command = new Command("interpret", "Show what a saved model gets wrong, for its task: confusion matrix, top losses, most confused classes, Grad-CAM (single-label); per-class table and top losses (multi-label); predicted vs actual and largest errors (regression); report.html.");
        command.Add(model);
        command.Add(folder);
        labels.AddTo(command, withTask: false);
        command.Add(output);
        command.Add(top);
        command.Add(gradCam);
        command.Add(badImages);
        command.SetAction(result => CliErrors.Run(() => Run(result.GetRequiredValue(model), labels, result, result.GetRequiredValue(folder), result.GetRequiredValue(output),
            result.GetValue(top), result.GetValue(gradCam), result.GetValue(badImages))));
        return command;
    }

    private static void Run(string modelPath, LabelOptions labels, ParseResult result, string folder, string output, int top, bool gradCam, BadImagePolicy badImages)
    {
        if (top < 1)
            throw new CliException($"--top must be 1 or more (was {top}).");
        var ml = CliContext.Create();
        var model = FastCnn.LoadModel(ml, modelPath, out _);
        var fastCnn = CliErrors.FastCnnStep(model);
        // The labels are read as the model's task reads them, as evaluate does: a multi-label or regression model
        // without --labels ends here with the message that asks for the CSV.
        var data = LabelledData.ForEvaluation(ml, labels.Source(result, folder, fastCnn.Task), badImages);
        var rows = data.Validation!;
        output = Path.GetFullPath(output);
        Directory.CreateDirectory(output);

        var metrics = TaskMetrics.Evaluate(ml, model.Transform(rows), fastCnn);
        var report = new FastCnnReport($"Interpretation of {Path.GetFileName(modelPath)}")
            .AddSettings("Model and data", [
                new("model", Path.GetFullPath(modelPath)),
                new("network", fastCnn.ToString()),
                new("task", fastCnn.Task.ToString()),
                new("images", $"{Path.GetFullPath(folder)} ({data.ValidationCount} images: {data.ValidationSource})"),
                new("labels", data.LabelsFile ?? "the class sub-folders"),
                new("test-time augmentation", fastCnn.TestTimeAugmentation.ToString(CultureInfo.InvariantCulture)),
            ])
            .AddSettings(metrics.ReportTitle("Evaluation"), metrics.ReportRows());
        string[] files = fastCnn.Task == ImageTask.SingleLabel
            ? SingleLabel(report, metrics, model, rows, output, top, gradCam)
            : OtherTask(report, metrics, model, rows, data, output, top, gradCam);
        RunReport.Save(report, output);
        AnsiConsole.MarkupLineInterpolated($"Output: [bold]{output}[/] ({string.Join(", ", files.Append("report.html"))})");
    }

    /// <summary>The classifier's interpretation (confusion matrix, top losses, per-class views, most_confused.csv); returns the files written.</summary>
    private static string[] SingleLabel(FastCnnReport report, TaskMetrics metrics, ITransformer model, IDataView rows, string output, int top, bool gradCam)
    {
        report.AddText("Confusion table (ML.NET)", metrics.Multiclass!.ConfusionMatrix.GetFormattedConfusionTable());
        var interpretation = AnsiConsole.Status().Start("Interpreting…", _ => RunReport.Interpret(report, model, rows, output, top, gradCam));
        AnsiConsole.MarkupLineInterpolated($"{interpretation.Predictions.Count} images, accuracy {interpretation.Accuracy:P1}, mean loss {interpretation.MeanLoss:F4}");
        return ["confusion_matrix.png", "top_losses.png", .. gradCam ? new[] { "top_losses_gradcam.png" } : [], "most_correct.png", "most_incorrect.png", "most_uncertain.png", "most_confused.csv"];
    }

    /// <summary>
    /// A multi-label or regression model's interpretation, as the library picks it by task (the per-class table and top
    /// losses; predicted vs actual and the largest errors); prints the task's metrics; returns the files written.
    /// </summary>
    private static string[] OtherTask(FastCnnReport report, TaskMetrics metrics, ITransformer model, IDataView rows, LabelledData data, string output, int top, bool gradCam)
    {
        // Grad-CAM explains one predicted class; a set of classes or a number has no such class, so the flag is said to do nothing rather than refused.
        if (gradCam)
            Console.WriteLine($"--gradcam draws single-label models; this one is {(metrics.Task == ImageTask.MultiLabel ? "multi-label" : "a regression")}: no Grad-CAM picture.");
        // LabelledData names the label column "Label" whatever the CSV calls it (--label-column).
        AnsiConsole.Status().Start("Interpreting…", _ => report.AddInterpretation(model, rows, output, labelColumnName: "Label", count: top));
        metrics.Print($"Interpretation of {data.ValidationCount} images ({data.ValidationSource})");
        return metrics.Task == ImageTask.MultiLabel ? ["top_losses.png"] : ["predicted_vs_actual.png", "largest_errors.png"];
    }
}
