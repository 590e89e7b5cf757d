using System.CommandLine;
using Microsoft.ML;
using ML.FastCnn;
using Spectre.Console;

namespace ML.FastCnn.Samples;

/// <summary><c>train &lt;folder&gt;</c>: the estimator's fast.ai recipe on a folder dataset; saves model.zip.</summary>
internal static class TrainCommand
{
    public static Command Create() => FolderCommand.Create("train", "Train a classifier on a folder of images (fine-tuning from ImageNet by default) and save it as model.zip.", Run);

    private static void Run(string folder, FastCnnOptions options, string output)
    {
        var ml = new MLContext(seed: 1);
        TrainingLog.Attach(ml);
        var data = SampleData.LoadFolder(ml, folder, options.Learner.BadImages);
        AnsiConsole.MarkupLineInterpolated($"{data.TrainFiles.Count} training and {data.ValidationFiles.Count} validation images of {data.ClassNames.Count} classes");
        var preprocessing = SampleData.Preprocessing(ml);
        var table = new EpochTable();
        options.Learner.ValidationSet = data.Validation is { } v ? preprocessing.Fit(data.Train).Transform(v) : null;
        options.Learner.Progress = table;
        options.Learner.BatchProgress = table;
        var pipeline = preprocessing.Append(FastCnn.Train(ml, options)).Append(ml.Transforms.Conversion.MapKeyToValue("PredictedClass", "PredictedLabel"));

        ITransformer model = null!;
        table.Run($"Training {options.Learner.Architecture}", () => model = pipeline.Fit(data.Train));
        if (data.Validation is { } valid)
            Reports.Metrics("Validation", ml.MulticlassClassification.Evaluate(model.Transform(valid)), data.ClassNames);
        Directory.CreateDirectory(output);
        var path = Path.GetFullPath(Path.Combine(output, "model.zip"));
        FastCnn.SaveModel(ml, model, data.Train.Schema, path); // whole or not at all
        AnsiConsole.MarkupLineInterpolated($"Saved [bold]{path}[/]");
    }
}
