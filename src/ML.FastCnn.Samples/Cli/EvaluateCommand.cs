using System.CommandLine;
using System.Text.Json;
using Microsoft.ML;
using ML.FastCnn;

namespace ML.FastCnn.Samples;

/// <summary>
/// <c>evaluate &lt;model.zip&gt; &lt;folder&gt;</c>: every metric of the model's task on labelled images — accuracy, log-loss
/// and the confusion matrix (single-label); accuracy_multi, F1, mAP and the per-class table (multi-label); R², MAE, RMSE
/// (regression) — as text or JSON.
/// </summary>
internal static class EvaluateCommand
{
    public enum OutputFormat
    {
        Text,
        Json,
    }

    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "a model.zip saved by train" };
        var folder = new Argument<string>("folder") { Description = "labelled images: valid/<class>/… is used when present, else every <class>/… image; with --labels, the CSV's is_valid rows when it has that column, else all its rows" };
        var labels = new LabelOptions();
        var tta = new Option<int>("--tta") { Description = "augmented views averaged with each image (test-time augmentation)", DefaultValueFactory = _ => 0 };
        var format = new Option<OutputFormat>("--format") { Description = "text, or json: the task's metrics by name (accuracy, log_loss; accuracy_multi, f1_micro, f1_macro, map; r2, mae, rmse)", DefaultValueFactory = _ => OutputFormat.Text };
        var badImages = CommonOptions.BadImagesOption();
        var command = new Command("evaluate", "Evaluate a saved model on labelled images (a folder of class sub-folders, or a CSV of labels) with the metrics of its task.");
        command.Add(model);
        command.Add(folder);
        labels.AddTo(command, withTask: false);
        command.Add(tta);
        command.Add(format);
        command.Add(badImages);
        command.SetAction(result => CliErrors.Run(() => Run(result.GetRequiredValue(model), labels, result, result.GetRequiredValue(folder), result.GetValue(tta),
            result.GetValue(format), result.GetValue(badImages))));
        return command;
    }

    private static void Run(string modelPath, LabelOptions labels, ParseResult result, string folder, int views, OutputFormat format, BadImagePolicy badImages)
    {
        if (views < 0)
            throw new CliException($"--tta must be 0 or more (was {views}).");
        var ml = CliContext.Create();
        var model = FastCnn.LoadModel(ml, modelPath, out _);
        var fastCnn = CliErrors.FastCnnStep(model);
        // The labels are read as the model's task reads them (a folder only holds single-label ones: the error says so).
        // Files ignored or skipped are listed on standard error when standard output is the JSON.
        var stdout = Console.Out;
        if (format == OutputFormat.Json)
            Console.SetOut(Console.Error);
        LabelledData data;
        try
        {
            data = LabelledData.ForEvaluation(ml, labels.Source(result, folder, fastCnn.Task), badImages);
        }
        finally
        {
            Console.SetOut(stdout);
        }
        var scored = views == 0 ? model.Transform(data.Validation!) : FastCnn.ReplaceTransformer(model, f => f.WithTestTimeAugmentation(views)).Transform(data.Validation!);
        var metrics = TaskMetrics.Evaluate(ml, scored, fastCnn);
        if (format == OutputFormat.Json)
            Console.WriteLine(JsonSerializer.Serialize(metrics.Json(), new JsonSerializerOptions { WriteIndented = true }));
        else
            metrics.Print(views == 0 ? $"Evaluation on {data.ValidationCount} images ({data.ValidationSource})" : $"Evaluation with TTA ({views} views) on {data.ValidationCount} images ({data.ValidationSource})");
    }
}
