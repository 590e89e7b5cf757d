using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using ML.FastCnn;
using Spectre.Console;
using TorchSharp;
using static TorchSharp.torch;

namespace ML.FastCnn.Bench;

/// <summary>
/// Issue 5's goal: FastCnn's input pipeline (files → decode → resize → batches on worker threads)
/// should cost little next to the network. Both FastCnn and a bare TorchSharp loop on ready-made
/// tensors train the same ResNet18 with the same batch and image size, in this process, twice each,
/// alternating; the best run of each counts.
/// </summary>
internal static class PipelineBenchmark
{
    public static void Run(int size, int batchSize, int count)
    {
        var ml = new MLContext(seed: 1);
        var files = ml.Data.LoadImageFolder(SampleData.FashionMnistFolder(), new ImageFolderOptions { ValidationFraction = 0 }).TrainFiles.Take(count).ToList();
        count = files.Count;
        var raw = ml.Data.LoadFromEnumerable(files);
        var data = SampleData.Preprocessing(ml).Fit(raw).Transform(raw);
        var options = new FastCnnLearner.Options
        {
            Architecture = CnnArchitecture.ResNet18, ImageSize = size, BatchSize = batchSize,
            Weights = PretrainedWeights.None, Seed = 1, Device = ComputeDevice.Cpu,
        };
        AnsiConsole.MarkupLineInterpolated($"ResNet18, {size} px, batch {batchSize}, {count} Fashion-MNIST PNG files, {BenchMachine.Description}");

        double bareTrain = 0, fastTrain = 0, bareScore = 0, fastScore = 0, engineStart = 0;
        var engine = ScoringEngine.Auto;
        for (int round = 0; round < 2; round++)
        {
            bareTrain = Math.Max(bareTrain, BareTraining(size, batchSize, count));
            fastTrain = Math.Max(fastTrain, FastCnnTraining(ml, data, options, count));
            bareScore = Math.Max(bareScore, BareScoring(size, batchSize, count));
            var scoring = FastCnnScoring(ml, data, options);
            fastScore = Math.Max(fastScore, scoring.Rate);
            (engine, engineStart) = (scoring.Engine, scoring.EngineStart);
        }
        AnsiConsole.MarkupLineInterpolated($"training: FastCnn.Train from files {fastTrain:F1} img/s, bare TorchSharp loop {bareTrain:F1} img/s, ratio {fastTrain / bareTrain:F2} (goal ≥ 0.90)");
        AnsiConsole.MarkupLineInterpolated($"scoring: Transform from files {fastScore:F1} img/s, bare batched forward {bareScore:F1} img/s, ratio {fastScore / bareScore:F2} (goal ≥ 0.90)");
        AnsiConsole.MarkupLineInterpolated($"scoring engine: {engine}; starting it with its self-check took {engineStart:F2} s per model (last round; not in the rate)");
    }

    private static double BareTraining(int size, int batchSize, int count)
    {
        torch.random.manual_seed(1);
        using var model = torchvision.models.resnet18(num_classes: 10);
        using var optimizer = optim.AdamW(model.parameters(), lr: 1e-3, beta1: 0.9, beta2: 0.99, eps: 1e-5, weight_decay: 0.01);
        using var images = randn(batchSize, 3, size, size);
        using var labels = randint(0, 10, [batchSize]);
        model.train();
        var clock = new Stopwatch();
        for (int pass = 0; pass < 2; pass++) // the first pass warms up (allocations, optimizer state); the second is timed
        {
            clock.Restart();
            for (int done = 0; done < count; done += batchSize)
            {
                using var scope = NewDisposeScope();
                var loss = nn.functional.cross_entropy(model.forward(images), labels);
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
            }
        }
        return RoundUp(count, batchSize) / clock.Elapsed.TotalSeconds;
    }

    private static double FastCnnTraining(MLContext ml, IDataView data, FastCnnLearner.Options options, int count)
    {
        using var learner = FastCnnLearner.Create(ml, data, options);
        learner.Fit(1, 1e-3, LearningRateSchedule.Constant); // warm-up epoch, as the bare loop's first pass
        var clock = Stopwatch.StartNew();
        learner.Fit(1, 1e-3, LearningRateSchedule.Constant);
        return count / clock.Elapsed.TotalSeconds;
    }

    private static double BareScoring(int size, int batchSize, int count)
    {
        using var model = torchvision.models.resnet18(num_classes: 10);
        using var images = randn(batchSize, 3, size, size);
        model.eval();
        var clock = Stopwatch.StartNew();
        for (int done = 0; done < count; done += batchSize)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var probabilities = nn.functional.softmax(model.forward(images), 1).data<float>().ToArray();
        }
        return RoundUp(count, batchSize) / clock.Elapsed.TotalSeconds;
    }

    /// <summary>Transform's images per second once its scoring engine has started (started and checked first, timed apart).</summary>
    private static (double Rate, ScoringEngine Engine, double EngineStart) FastCnnScoring(MLContext ml, IDataView data, FastCnnLearner.Options options)
    {
        using var learner = FastCnnLearner.Create(ml, data, options);
        using var model = learner.ToTransformer(new FastCnnTransformer.Options { BatchSize = learner.BatchSize });
        var clock = Stopwatch.StartNew();
        var engine = model.ScoringEngine;
        double engineStart = clock.Elapsed.TotalSeconds;
        clock.Restart();
        int rows = model.Transform(data).GetColumn<float[]>("Score").Count();
        return (rows / clock.Elapsed.TotalSeconds, engine, engineStart);
    }

    private static int RoundUp(int count, int batchSize) => (count + batchSize - 1) / batchSize * batchSize;
}
