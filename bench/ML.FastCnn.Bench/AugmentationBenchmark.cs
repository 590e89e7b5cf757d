using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using ML.FastCnn;
using Spectre.Console;

using ML.FastCnn.Samples;

namespace ML.FastCnn.Bench;

/// <summary>
/// Issue 23's goal: augmented training should run at ≥ 0.9 of the same loop without augmentation. Trains the
/// same ResNet18 (random weights, all layers) on the same files three ways — no augmentation, <see cref="Augmentation.SideOn"/>
/// as batch transforms on the device (the default), and SideOn rendered per image on the CPU — alternating over two
/// rounds; the best epoch of each counts.
/// </summary>
internal static class AugmentationBenchmark
{
    public static void Run(int size, int batchSize, int count)
    {
        var ml = new MLContext(seed: 1);
        var all = ml.Data.LoadImageFolder(SampleData.FashionMnistFolder(), new ImageFolderOptions { ValidationFraction = 0 }).TrainFiles.ToList();
        int step = Math.Max(1, all.Count / count); // evenly spaced: the folder lists its files class by class
        var files = all.Where((_, i) => i % step == 0).Take(count).ToList();
        count = files.Count;
        var raw = ml.Data.LoadFromEnumerable(files);
        var data = SampleData.Preprocessing(ml).Fit(raw).Transform(raw);
        AnsiConsole.MarkupLineInterpolated($"ResNet18, {size} px, batch {batchSize}, {count} Fashion-MNIST PNG files (cached as the plan decides), {BenchMachine.Description}");

        (string Name, Augmentation? Augmentation)[] modes =
        [
            ("none", Augmentation.None),
            ("batch (SideOn, on the device)", Augmentation.SideOn),
            ("per image (SideOn, SkiaSharp)", Augmentation.SideOn with { Mode = AugmentationMode.PerImage }),
        ];
        var best = new double[modes.Length];
        for (int round = 0; round < 2; round++)
            for (int m = 0; m < modes.Length; m++)
                best[m] = Math.Max(best[m], Training(ml, data, size, batchSize, modes[m].Augmentation, count));
        for (int m = 0; m < modes.Length; m++)
            AnsiConsole.MarkupLineInterpolated($"training with augmentation {modes[m].Name}: {best[m]:F1} img/s, ratio to none {best[m] / best[0]:F2}");
    }

    private static double Training(MLContext ml, IDataView data, int size, int batchSize, Augmentation? augmentation, int count)
    {
        var options = new FastCnnLearner.Options
        {
            Architecture = CnnArchitecture.ResNet18, ImageSize = size, BatchSize = batchSize,
            Weights = PretrainedWeights.None, Seed = 1, Device = ComputeDevice.Cpu, Augmentation = augmentation,
        };
        using var learner = FastCnnLearner.Create(ml, data, options);
        learner.Fit(1, 1e-3, LearningRateSchedule.Constant); // warm-up epoch
        var clock = Stopwatch.StartNew();
        learner.Fit(1, 1e-3, LearningRateSchedule.Constant);
        return count / batchSize * batchSize / clock.Elapsed.TotalSeconds; // the last partial batch is dropped in training
    }
}
