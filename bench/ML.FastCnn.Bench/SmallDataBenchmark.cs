using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using ML.FastCnn;
using Spectre.Console;

namespace ML.FastCnn.Bench;

/// <summary>
/// Issue 10's small-data comparison: FastCnn with default options (ResNet18, the offline ImageNet
/// network) against ML.NET's own transfer learning — ResNet18 ONNX features at 224 px +
/// LbfgsMaximumEntropy — on several small sets, in the same process, accuracy and wall time.
/// </summary>
internal static class SmallDataBenchmark
{
    /// <summary>Knobs for tuning runs; every null keeps FastCnn's default.</summary>
    public sealed record Overrides(TrainingRecipe? Recipe, int? ImageSize, int? Epochs, int? FreezeEpochs, int? BatchSize, bool Augment, ClassifierHead? Head,
        double? LearningRate, bool Watch, bool? Cache, double MixUp, int? Seed, int? StartImageSize, bool Sgdr);

    public static void Run(string[] sets, string? colourFolder, Overrides overrides, bool skipBaseline)
    {
        var table = new Table().Border(TableBorder.Simple).Title("small data: FastCnn defaults vs ML.NET's ResNet18 features + LbfgsMaximumEntropy");
        foreach (var column in new[] { "set", "train/valid/classes", "ML.NET accuracy", "ML.NET time", "FastCnn accuracy", "FastCnn time", "gain", "time ratio" })
            table.AddColumn(column);
        foreach (var name in sets)
        {
            var (train, valid) = Load(name, colourFolder);
            var ml = new MLContext(seed: 1);
            var trainData = ml.Data.LoadFromEnumerable(train);
            var validData = ml.Data.LoadFromEnumerable(valid);
            int classes = train.Select(f => f.Label).Distinct().Count();
            AnsiConsole.MarkupLineInterpolated($"[bold]{name}[/]: {train.Count} training, {valid.Count} validation images, {classes} classes");

            var (baseAccuracy, baseTime) = skipBaseline ? (double.NaN, TimeSpan.Zero) : MLNetBaseline.Run(ml, trainData, validData);
            if (!skipBaseline)
                AnsiConsole.MarkupLineInterpolated($"  ML.NET baseline: {baseAccuracy:P1} in {baseTime.TotalSeconds:F1} s");
            var (accuracy, time) = FastCnnDefaults(ml, trainData, validData, overrides);
            AnsiConsole.MarkupLineInterpolated($"  FastCnn: {accuracy:P1} in {time.TotalSeconds:F1} s");
            table.AddRow(name, $"{train.Count}/{valid.Count}/{classes}", $"{baseAccuracy:P1}", $"{baseTime.TotalSeconds:F0} s", $"{accuracy:P1}",
                $"{time.TotalSeconds:F0} s", $"{(accuracy - baseAccuracy) * 100:+0.0;-0.0} pt", $"{time / baseTime:F1}×");
        }
        AnsiConsole.Write(table);
    }

    /// <summary>FastCnn as the README's usage, with ResNet18 (the ImageNet network available offline) and otherwise default options.</summary>
    private static (double Accuracy, TimeSpan Time) FastCnnDefaults(MLContext ml, IDataView train, IDataView valid, Overrides o)
    {
        var clock = Stopwatch.StartNew();
        var options = new FastCnnOptions
        {
            Learner = { Architecture = CnnArchitecture.ResNet18, ImageSize = o.ImageSize, BatchSize = o.BatchSize },
            Epochs = o.Epochs,
            FreezeEpochs = o.FreezeEpochs,
            LearningRate = o.LearningRate,
            StartImageSize = o.StartImageSize,
        };
        if (o.Recipe is { } recipe)
            options.Recipe = recipe;
        if (o.Sgdr) // fast.ai v0.7's lesson 1: cycle_len 1, cycle_mult 2 — 3 epochs, the plan's for small sets
            options.Schedule = LearningRateSchedule.Sgdr(cycles: 2, cycleLength: 1, cycleMultiplier: 2);
        if (o.Head is { } head)
            options.Learner.Head = head;
        if (o.Augment)
            options.Learner.Augmentation = Augmentation.SideOn;
        options.Learner.MixUp = o.MixUp;
        if (o.Seed is { } seed)
            options.Learner.Seed = seed;
        if (o.Cache is { } cache)
            options.Learner.CacheImages = cache;
        if (o.Watch) // tuning only: validation after every epoch costs time
            options.Learner.ValidationSet = SampleData.Preprocessing(ml).Fit(train).Transform(valid);
        var log = new List<string>();
        ml.Log += (_, e) =>
        {
            if (e.Source.Contains("FastCnn", StringComparison.Ordinal) && (e.Message.Contains("Plan (", StringComparison.Ordinal) || e.Message.Contains("] epoch ", StringComparison.Ordinal) || e.Message.Contains("range test (", StringComparison.Ordinal)))
                Console.WriteLine("  " + e.Message[(e.Message.IndexOf(']') + 2)..]);
        };
        var model = SampleData.Preprocessing(ml).Append(FastCnn.Train(ml, options)).Fit(train);
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(valid));
        (model as IDisposable)?.Dispose();
        return (metrics.MicroAccuracy, clock.Elapsed);
    }

    /// <summary>
    /// The sets: Fashion-MNIST subsets of the repository's sample (20 and 100 images per class for
    /// training, the sample's 500 validation images), and a colour set from a folder.
    /// </summary>
    private static (List<ImageFolderRow> Train, List<ImageFolderRow> Valid) Load(string name, string? colourFolder)
    {
        if (name.StartsWith("fashion-mnist-", StringComparison.Ordinal) && int.TryParse(name["fashion-mnist-".Length..], out int perClass))
        {
            var ml = new MLContext();
            var sample = ml.Data.LoadImageFolder(SampleData.FashionMnistFolder());
            var train = sample.TrainFiles.GroupBy(f => f.Label).SelectMany(g => g.Take(perClass)).ToList();
            return (train, sample.ValidationFiles.ToList());
        }
        if (name == "colour")
        {
            if (colourFolder is null || !Directory.Exists(colourFolder))
                throw new CliException("The colour set needs --colour <folder> with train/ and valid/ (make it with bench/make_colour_set.py).");
            var folder = new MLContext().Data.LoadImageFolder(colourFolder);
            return (folder.TrainFiles.ToList(), folder.ValidationFiles.ToList());
        }
        throw new CliException($"Unknown set '{name}': use fashion-mnist-<images per class> or colour.");
    }
}
