using System.CommandLine;
using Microsoft.ML;
using ML.FastCnn;
using Spectre.Console;

namespace ML.FastCnn.Samples;

/// <summary><c>train &lt;folder&gt;</c>: the estimator's fast.ai recipe on a folder dataset; saves model.zip.</summary>
internal static class TrainCommand
{
    public static Command Create() => FolderCommand.Create("train", "Train a classifier on a folder of images (the default recipe: range test, head epochs on stored activations, unfrozen epochs) and save it as model.zip.", Run);

    private static void Run(string folder, FastCnnOptions options, string output)
    {
        var ml = CliContext.Create();
        TrainingLog.Attach(ml);
        var data = SampleData.LoadFolder(ml, folder, options.Learner.BadImages);
        AnsiConsole.MarkupLineInterpolated($"{data.TrainFiles.Count} training and {data.ValidationFiles.Count} validation images of {data.ClassNames.Count} classes");
        var preprocessing = SampleData.Preprocessing(ml);
        var table = new EpochTable();
        options.Learner.ValidationSet = data.Validation is { } v ? preprocessing.Fit(data.Train).Transform(v) : null;
        options.Learner.Progress = table;
        options.Learner.BatchProgress = table;
        options.Learner.PhaseProgress = table;
        var recorder = new Recorder();
        options.Learner.Callbacks.Add(recorder);
        options.Learner.Callbacks.Add(table); // keeps the plan for the report
        var settings = Settings(folder, options); // before Fit fills nothing in, so "auto" stays visible
        var pipeline = preprocessing.Append(FastCnn.Train(ml, options)).Append(ml.Transforms.Conversion.MapKeyToValue("PredictedClass", "PredictedLabel"));

        ITransformer model = null!;
        table.Run($"Training {options.Learner.Architecture}", () => model = pipeline.Fit(data.Train));
        Directory.CreateDirectory(output);
        output = Path.GetFullPath(output);
        var report = new FastCnnReport($"train {Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)))}")
            .AddSettings("Run", [.. settings, new("plan", table.Plan?.ToString() ?? "")])
            .AddEpochs("Epochs", recorder.Epochs);
        if (RunReport.SaveHistory(recorder, output) is { } curves)
            report.AddPicture("Training curves", curves, "Training loss per batch (smoothed) and validation loss per epoch; accuracy; learning rate and momentum per batch. Dotted lines: a new phase.");
        if (data.Validation is { } valid)
        {
            var metrics = ml.MulticlassClassification.Evaluate(model.Transform(valid));
            Reports.Metrics("Validation", metrics, data.ClassNames);
            report.AddSettings("Validation metrics (ML.NET's evaluator)", RunReport.Metrics(metrics));
            RunReport.Interpret(report, model, valid, output, top: 9, gradCam: true);
        }
        var path = Path.Combine(output, "model.zip");
        FastCnn.SaveModel(ml, model, data.Train.Schema, path); // whole or not at all
        AnsiConsole.MarkupLineInterpolated($"Saved [bold]{path}[/]");
        RunReport.Save(report, output);
    }

    /// <summary>The options as given on the command line ("auto": decided from the data when training starts).</summary>
    private static KeyValuePair<string, string>[] Settings(string folder, FastCnnOptions options) =>
    [
        new("data", Path.GetFullPath(folder)),
        new("architecture", options.Learner.Architecture.ToString()),
        new("weights", options.Learner.Weights.ToString() ?? ""),
        new("image size", options.Learner.ImageSize?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "auto (from the images)"),
        new("resize", options.Learner.Resize.ToString()),
        new("recipe", options.Recipe.ToString()),
        new("epochs", options.Epochs?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "auto (from the number of images)"),
        new("learning rate", options.LearningRate?.ToString("G3", System.Globalization.CultureInfo.InvariantCulture) ?? "auto (range test's valley)"),
        new("device", options.Learner.Device.ToString()),
    ];
}
