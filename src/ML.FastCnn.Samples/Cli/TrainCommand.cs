using System.CommandLine;
using Microsoft.ML;
using ML.FastCnn;
using Spectre.Console;

namespace ML.FastCnn.Samples;

/// <summary>
/// <c>train &lt;folder&gt;</c>: the estimator's fast.ai recipe on a folder dataset (single-label) or on a CSV of labels
/// (<c>--labels</c>: single-label, multi-label or regression); saves model.zip and prints the task's validation metrics.
/// </summary>
internal static class TrainCommand
{
    public static Command Create() => FolderCommand.Create("train", "Train a model on a folder of images — a classifier from class sub-folders, or from a CSV of labels (--labels) a multi-label model or a regression — with the default recipe (range test, head epochs on stored activations, unfrozen epochs), and save it as model.zip.", Run);

    private static void Run(DataSource source, FastCnnOptions options, string output)
    {
        var ml = CliContext.Create();
        TrainingLog.Attach(ml);
        var data = LabelledData.ForTraining(ml, source, options.Learner.BadImages);
        AnsiConsole.MarkupLineInterpolated($"{data.Summary}");
        var preprocessing = LabelledData.Preprocessing(ml, data.Task);
        var table = new EpochTable();
        options.Learner.Task = data.Task;
        options.Learner.ValidationSet = data.Validation is { } v ? preprocessing.Fit(data.Train).Transform(v) : null;
        options.Learner.Progress = table;
        options.Learner.BatchProgress = table;
        options.Learner.PhaseProgress = table;
        var recorder = new Recorder();
        options.Learner.Callbacks.Add(recorder);
        options.Learner.Callbacks.Add(table); // keeps the plan for the report
        var settings = Settings(source, data, options); // before Fit fills nothing in, so "auto" stays visible
        var pipeline = preprocessing.Append(FastCnn.Train(ml, options));
        var estimator = LabelledData.Postprocessing(ml, data.Task) is { } names ? pipeline.Append(names) : (IEstimator<ITransformer>)pipeline;

        ITransformer model = null!;
        table.Run($"Training {options.Learner.Architecture}", () => model = estimator.Fit(data.Train));
        Directory.CreateDirectory(output);
        output = Path.GetFullPath(output);
        var report = new FastCnnReport($"train {Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(source.Folder)))}")
            .AddSettings("Run", [.. settings, new("plan", table.Plan?.ToString() ?? "")])
            .AddEpochs("Epochs", recorder.Epochs);
        if (RunReport.SaveHistory(recorder, output) is { } curves)
            report.AddPicture("Training curves", curves, "Training loss per batch (smoothed) and validation loss per epoch; accuracy; learning rate and momentum per batch. Dotted lines: a new phase.");
        if (data.Validation is { } valid)
        {
            var fastCnn = CliErrors.FastCnnStep(model);
            // Scoring every validation image again takes a while on a CPU: say so rather than fall silent.
            Console.WriteLine($"Scoring the validation set ({data.ValidationCount} images)…");
            var metrics = TaskMetrics.Evaluate(ml, model.Transform(valid), fastCnn);
            metrics.Print("Validation");
            report.AddSettings(metrics.ReportTitle("Validation"), metrics.ReportRows());
            if (fastCnn.Task == ImageTask.SingleLabel)
                RunReport.Interpret(report, model, valid, output, top: 9, gradCam: true);
            else // the task's own interpretation: per-class table and top losses, or predicted vs actual and the largest errors
                report.AddInterpretation(model, valid, output, count: 9);
        }
        var path = Path.Combine(output, "model.zip");
        FastCnn.SaveModel(ml, model, data.Train.Schema, path); // whole or not at all
        AnsiConsole.MarkupLineInterpolated($"Saved [bold]{path}[/]");
        RunReport.Save(report, output);
    }

    /// <summary>The options as given on the command line ("auto": decided from the data when training starts).</summary>
    private static KeyValuePair<string, string>[] Settings(DataSource source, LabelledData data, FastCnnOptions options) =>
    [
        new("data", Path.GetFullPath(source.Folder)),
        new("labels", data.LabelsFile ?? "the class sub-folders"),
        new("task", source.Task == ImageTask.Auto ? $"{data.Task} (auto)" : data.Task.ToString()),
        new("validation", $"{data.ValidationCount} images: {data.ValidationSource}"),
        new("architecture", options.Learner.Architecture.ToString()),
        new("weights", options.Learner.Weights.ToString() ?? ""),
        new("image size", options.Learner.ImageSize?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "auto (from the images)"),
        new("resize", options.Learner.Resize.ToString()),
        new("recipe", options.Recipe.ToString()),
        new("epochs", options.Epochs?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "auto (from the number of images)"),
        new("learning rate", options.LearningRate?.ToString("G3", System.Globalization.CultureInfo.InvariantCulture) ?? "auto (range test's valley)"),
        new("device", options.Learner.Device.ToString()),
        new("precision", options.Learner.Precision.ToString()),
    ];
}
