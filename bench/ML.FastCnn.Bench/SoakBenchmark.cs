using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using ML.FastCnn;

namespace ML.FastCnn.Bench;

/// <summary>
/// Issue 11's soak: FastCnn in a busy process. Training epochs and many single predictions through a
/// PredictionEngine while another thread allocates and forces garbage collections (what releases
/// TorchSharp 0.107's Scalars under libtorch's feet). Reports steps, errors and resident memory (after each training
/// epoch, and over the predictions), in float32 or mixed precision.
/// </summary>
internal static class SoakBenchmark
{
    public static void Run(int epochs, int predictions, TrainingPrecision precision)
    {
        var ml = new MLContext(seed: 1);
        var folder = ml.Data.LoadImageFolder(SampleData.FashionMnistFolder(), new ImageFolderOptions { ValidationFraction = 0.2, Seed = 1 });
        var raw = ml.Data.LoadFromEnumerable(folder.TrainFiles);
        var preprocessing = SampleData.Preprocessing(ml).Fit(raw);
        var options = new FastCnnOptions
        {
            Epochs = epochs,
            LearningRate = 2e-3,
            Learner = { ImageSize = 32, BatchSize = 32, Weights = PretrainedWeights.None, Seed = 1, Device = ComputeDevice.Cpu, Precision = precision },
        };
        int steps = 0, errors = 0;
        var epochMemory = new List<long>();
        options.Learner.Callbacks.Add(new StepCounter(() => steps++, () => epochMemory.Add(ResidentBytes())));
        ml.Log += (_, e) =>
        {
            if (e.Message.Contains("Mixed precision at", StringComparison.Ordinal) || e.Message.Contains("Training in float32 although", StringComparison.Ordinal))
                Console.WriteLine(e.Message);
        };

        long start = ResidentBytes();
        using var pressure = new GarbageCollectionPressure();
        var clock = Stopwatch.StartNew();
        Console.WriteLine($"soak: {folder.TrainFiles.Count} training images, 32 px, {epochs} epochs, then {predictions} predictions; a thread forcing full GCs runs throughout");
        ITransformer? model = null;
        try
        {
            model = FastCnn.Train(ml, options).Fit(preprocessing.Transform(raw));
        }
        catch (Exception e)
        {
            errors++;
            Console.WriteLine($"training failed after {steps} steps: {e.GetType().Name}: {e.Message.Split('\n')[0]}");
        }
        Console.WriteLine($"training ({precision}): {steps} optimizer steps in {clock.Elapsed.TotalSeconds:F0} s, {pressure.Collections} induced collections so far; " +
                          $"resident memory after each epoch {string.Join(", ", epochMemory.Select(b => $"{b / 1048576.0:F0}"))} MiB");

        long warm = 0, end = 0;
        int done = 0;
        if (model is not null)
        {
            using var engine = ml.Model.CreatePredictionEngine<ImageFolderRow, Prediction>(preprocessing.Append(model));
            var files = folder.ValidationFiles;
            int warmUp = Math.Min(1000, predictions / 10);
            for (int i = 0; i < predictions; i++)
            {
                try
                {
                    engine.Predict(files[i % files.Count]);
                    done++;
                }
                catch (Exception e)
                {
                    errors++;
                    Console.WriteLine($"prediction {i} failed: {e.GetType().Name}: {e.Message.Split('\n')[0]}");
                }
                if (i + 1 == warmUp)
                    warm = ResidentBytes();
            }
            end = ResidentBytes();
            (model as IDisposable)?.Dispose();
        }

        Console.WriteLine($"predictions: {done} of {predictions}; {pressure.Collections} induced collections in {clock.Elapsed.TotalMinutes:F1} min");
        Console.WriteLine($"resident memory at the start {start / 1048576.0:F0} MiB, after warm-up {warm / 1048576.0:F0} MiB, at the end {end / 1048576.0:F0} MiB: growth {(warm == 0 ? double.NaN : 100.0 * (end - warm) / warm):F1}% (goal < 5%)");
        Console.WriteLine($"errors: {errors} (goal 0)");
        if (errors > 0)
            throw new CliException($"soak: {errors} errors under garbage-collection pressure");
    }

    private static long ResidentBytes()
    {
        using var process = Process.GetCurrentProcess();
        return process.WorkingSet64;
    }

    private sealed class StepCounter(Action step, Action epoch) : LearnerCallback
    {
        public override void AfterBatch(FitContext context, BatchLoss loss) => step();

        public override void AfterEpoch(FitContext context, EpochResult result) => epoch();
    }

    private sealed class Prediction
    {
        public uint PredictedLabel { get; set; }
    }
}
