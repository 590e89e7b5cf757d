using System.CommandLine;
using System.Globalization;
using Microsoft.ML;
using ML.FastCnn;
using Spectre.Console;

namespace ML.FastCnn.Samples;

/// <summary>
/// <c>interpret &lt;model.zip&gt; &lt;folder&gt;</c>: fast.ai's interpretation of a saved model on labelled images —
/// confusion_matrix.png, top_losses.png (and top_losses_gradcam.png), the per-class views, most_confused.csv, report.html.
/// </summary>
internal static class InterpretCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "a model.zip saved by train" };
        var folder = new Argument<string>("folder") { Description = "labelled images: valid/<class>/… is used when present, else every <class>/… image" };
        var output = CommonOptions.OutputOption("fastcnn-interpretation");
        var top = new Option<int>("--top") { Description = "images in the top-losses picture", DefaultValueFactory = _ => 9 };
        var gradCam = new Option<bool>("--gradcam") { Description = "also draw the top losses with their Grad-CAM heat maps (top_losses_gradcam.png)" };
        var command = new Command("interpret", "Show what a saved model gets wrong: confusion matrix, top losses, most confused classes, Grad-CAM, report.html.");
        command.Add(model);
        command.Add(folder);
        command.Add(output);
        command.Add(top);
        command.Add(gradCam);
        command.SetAction(result => CliErrors.Run(() => Run(result.GetRequiredValue(model), result.GetRequiredValue(folder), result.GetRequiredValue(output),
            result.GetValue(top), result.GetValue(gradCam))));
        return command;
    }

    private static void Run(string modelPath, string folder, string output, int top, bool gradCam)
    {
        if (top < 1)
            throw new CliException($"--top must be 1 or more (was {top}).");
        var ml = CliContext.Create();
        var model = FastCnn.LoadModel(ml, modelPath, out _);
        var fastCnn = CliErrors.FastCnnStep(model);
        if (fastCnn.Task != ImageTask.SingleLabel)
        {
            // Not an error: the model is fine, its pictures are not drawn yet.
            Console.WriteLine(RunReport.InterpretationNote(fastCnn.Task, "`evaluate <model> <folder> --labels <csv>` prints its metrics"));
            return;
        }
        var data = ml.Data.LoadImageFolder(CliErrors.ExistingFolder(folder, "Data folder"), new ImageFolderOptions { ValidationFraction = 0 });
        var rows = data.Validation ?? data.Train;
        output = Path.GetFullPath(output);
        Directory.CreateDirectory(output);

        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(rows));
        var report = new FastCnnReport($"Interpretation of {Path.GetFileName(modelPath)}")
            .AddSettings("Model and data", [
                new("model", Path.GetFullPath(modelPath)),
                new("network", fastCnn.ToString()),
                new("images", $"{Path.GetFullPath(folder)} ({(data.Validation is null ? "all images" : "valid/")})"),
                new("test-time augmentation", fastCnn.TestTimeAugmentation.ToString(CultureInfo.InvariantCulture)),
            ])
            .AddSettings("Metrics (ML.NET's evaluator)", RunReport.Metrics(metrics))
            .AddText("Confusion table (ML.NET)", metrics.ConfusionMatrix.GetFormattedConfusionTable());
        var interpretation = AnsiConsole.Status().Start("Interpreting…", _ => RunReport.Interpret(report, model, rows, output, top, gradCam));
        AnsiConsole.MarkupLineInterpolated($"{interpretation.Predictions.Count} images, accuracy {interpretation.Accuracy:P1}, mean loss {interpretation.MeanLoss:F4}");
        RunReport.Save(report, output);
        AnsiConsole.MarkupLineInterpolated(
            $"Output: [bold]{output}[/] (confusion_matrix.png, top_losses.png{(gradCam ? ", top_losses_gradcam.png" : "")}, most_correct.png, most_incorrect.png, most_uncertain.png, most_confused.csv, report.html)");
    }
}
