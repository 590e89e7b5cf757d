using System.CommandLine;
using Microsoft.ML;
using ML.FastCnn;
using Spectre.Console;

namespace ML.FastCnn.Samples;

/// <summary><c>lr-find &lt;folder&gt;</c>: the learning-rate range test, for any task; writes lr_find.png and lr_find.csv.</summary>
internal static class LearningRateFinderCommand
{
    public static Command Create() => FolderCommand.Create("lr-find", "Run the learning-rate range test on a folder of images (or a CSV of labels) and plot loss against learning rate.", Run);

    private static void Run(DataSource source, FastCnnOptions options, string output)
    {
        var ml = CliContext.Create();
        TrainingLog.Attach(ml);
        var data = LabelledData.ForTraining(ml, source, options.Learner.BadImages);
        AnsiConsole.MarkupLineInterpolated($"{data.Summary}");
        var preprocessing = LabelledData.Preprocessing(ml, data.Task).Fit(data.Train);
        options.Learner.Task = data.Task;
        using var learner = FastCnnLearner.Create(ml, preprocessing.Transform(data.Train), options.Learner);
        LearningRateFinderResult result = null!;
        AnsiConsole.Status().Start("Learning-rate range test…", _ => result = learner.FindLearningRate());
        Directory.CreateDirectory(output);
        var plot = Path.GetFullPath(Path.Combine(output, "lr_find.png"));
        result.SavePlot(plot);
        result.SaveCsv(Path.Combine(output, "lr_find.csv"));
        foreach (var kind in Enum.GetValues<LearningRateSuggestion>())
            AnsiConsole.MarkupLineInterpolated($"{kind}: {result.Suggest(kind):G3}");
        AnsiConsole.MarkupLineInterpolated($"Plot: [bold]{plot}[/]");
    }
}
