using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using ML.FastCnn;
using Spectre.Console;

namespace ML.FastCnn.Bench;

/// <summary>
/// Scoring speed on the Fashion-MNIST sample at 224 px, same images, same process: FastCnn's ResNet18
/// Transform with each scoring engine (Auto and the one it picks, Reference, TorchSharp, OnnxRuntime)
/// against ML.NET's DnnImageFeaturizer ResNet18 (ONNX Runtime) and against FastCnn's own network
/// exported to ONNX and scored by ML.NET's LoadImages → ResizeImages → ExtractPixels → ApplyOnnxModel
/// chain; and the ML.NET-native baseline (ResNet18 ONNX features + LbfgsMaximumEntropy).
/// </summary>
internal static class OnnxBenchmark
{
    public static void Run(int count, bool baseline)
    {
        var ml = new MLContext(seed: 1);
        var folder = ml.Data.LoadImageFolder(SampleData.FashionMnistFolder());
        var scoringRows = ml.Data.LoadFromEnumerable(folder.ValidationFiles.Take(count).ToList());
        int n = Math.Min(count, folder.ValidationFiles.Count);
        AnsiConsole.MarkupLineInterpolated($"{n} images at 224 px, {BenchMachine.Description}");

        var options = new FastCnnLearner.Options { Architecture = CnnArchitecture.ResNet18, ImageSize = 224, Seed = 1 };
        var prepared = SampleData.Preprocessing(ml).Fit(folder.Train);
        using var learner = FastCnnLearner.Create(ml, prepared.Transform(ml.Data.LoadFromEnumerable(folder.TrainFiles.Where((_, i) => i % 31 == 0).ToList())), options);
        using var fastCnn = learner.ToTransformer(new FastCnnTransformer.Options { BatchSize = 32 });
        var onnx = MLNetBaseline.Featurizer(ml).Fit(scoringRows);
        string exported = Path.Combine(Path.GetTempPath(), $"fastcnn-bench-{Environment.ProcessId}.onnx");
        fastCnn.ExportOnnx(exported);
        var exportedChain = FastCnn.OnnxScoringChain(ml, fastCnn, exported).Fit(scoringRows);

        AnsiConsole.MarkupLineInterpolated($"Auto scores with {fastCnn.ScoringEngine}");
        ScoringEngine[] engines = [ScoringEngine.Auto, ScoringEngine.Reference, ScoringEngine.TorchSharp, ScoringEngine.OnnxRuntime];
        var views = engines.ToDictionary(e => e, fastCnn.WithScoringEngine);
        var fast = engines.ToDictionary(e => e, _ => 0.0);
        double ort = 0, export = 0;
        for (int round = 0; round < 2; round++) // the best of two: the first also warms up (and runs each engine's self-check)
        {
            foreach (var engine in engines)
                fast[engine] = Math.Max(fast[engine], Throughput(() => views[engine].Transform(prepared.Transform(scoringRows)).GetColumn<float[]>("Score").Count()));
            ort = Math.Max(ort, Throughput(() => onnx.Transform(scoringRows).GetColumn<float[]>("Features").Count()));
            export = Math.Max(export, Throughput(() => exportedChain.Transform(scoringRows).GetColumn<float[]>("probabilities").Count()));
        }
        foreach (var view in views.Values)
            view.Dispose();
        File.Delete(exported);
        AnsiConsole.MarkupLineInterpolated($"scoring, FastCnn Transform: {string.Join(", ", engines.Select(e => $"{e} {fast[e]:F1}"))} img/s");
        AnsiConsole.MarkupLineInterpolated($"scoring: ML.NET ApplyOnnxModel/DnnImageFeaturizer ResNet18 {ort:F1} img/s (FastCnn Auto / it: {fast[ScoringEngine.Auto] / ort:F2})");
        AnsiConsole.MarkupLineInterpolated($"scoring: FastCnn's model exported to ONNX, through ML.NET's ApplyOnnxModel chain {export:F1} img/s (FastCnn Auto / it: {fast[ScoringEngine.Auto] / export:F2}, goal ≥ 1)");

        if (!baseline)
            return;
        var (accuracy, time) = MLNetBaseline.Run(ml, folder.Train, folder.Validation!);
        AnsiConsole.MarkupLineInterpolated(
            $"ML.NET baseline (ResNet18 ONNX features + LbfgsMaximumEntropy, {folder.TrainFiles.Count} training images): validation accuracy {accuracy:P1} in {time.TotalSeconds:F0} s");
    }

    private static double Throughput(Func<int> score)
    {
        var clock = Stopwatch.StartNew();
        int rows = score();
        return rows / clock.Elapsed.TotalSeconds;
    }
}
