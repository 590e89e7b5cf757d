using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using ML.FastCnn;
using Spectre.Console;

namespace ML.FastCnn.Samples;

/// <summary>
/// Issue 6's scoring comparison and ML.NET-native baseline, on the Fashion-MNIST sample at 224 px:
/// FastCnn's ResNet18 (TorchSharp) against ML.NET's DnnImageFeaturizer ResNet18 (ONNX Runtime),
/// same images, same process; FastCnn's own network exported to ONNX and scored by ML.NET's
/// LoadImages → ResizeImages → ExtractPixels → ApplyOnnxModel chain; and ResNet18 ONNX features +
/// LbfgsMaximumEntropy.
/// </summary>
internal static class OnnxBenchmark
{
    public static void Run(int count, bool baseline)
    {
        var ml = new MLContext(seed: 1);
        var folder = ml.Data.LoadImageFolder(SampleData.FashionMnistFolder());
        var scoringRows = ml.Data.LoadFromEnumerable(folder.ValidationFiles.Take(count).ToList());
        int n = Math.Min(count, folder.ValidationFiles.Count);
        AnsiConsole.MarkupLineInterpolated($"{n} images at 224 px, {Environment.ProcessorCount} cores");

        var options = new FastCnnLearner.Options { Architecture = ResNetArchitecture.ResNet18, ImageSize = 224, Seed = 1 };
        var prepared = SampleData.Preprocessing(ml).Fit(folder.Train);
        using var learner = FastCnnLearner.Create(ml, prepared.Transform(ml.Data.LoadFromEnumerable(folder.TrainFiles.Where((_, i) => i % 31 == 0).ToList())), options);
        using var fastCnn = learner.ToTransformer(new FastCnnTransformer.Options { BatchSize = 32 });
        var onnx = MLNetBaseline.Featurizer(ml).Fit(scoringRows);
        string exported = Path.Combine(Path.GetTempPath(), $"fastcnn-bench-{Environment.ProcessId}.onnx");
        fastCnn.ExportOnnx(exported);
        var exportedChain = ExportCommand.OnnxChain(ml, 224, ExportCommand.Matching(fastCnn.Resize), exported).Fit(scoringRows);

        double fast = 0, ort = 0, export = 0;
        for (int round = 0; round < 2; round++)
        {
            fast = Math.Max(fast, Throughput(() => fastCnn.Transform(prepared.Transform(scoringRows)).GetColumn<float[]>("Score").Count()));
            ort = Math.Max(ort, Throughput(() => onnx.Transform(scoringRows).GetColumn<float[]>("Features").Count()));
            export = Math.Max(export, Throughput(() => exportedChain.Transform(scoringRows).GetColumn<float[]>("probabilities").Count()));
        }
        File.Delete(exported);
        AnsiConsole.MarkupLineInterpolated($"scoring: FastCnn ResNet18 {fast:F1} img/s, ML.NET ApplyOnnxModel/DnnImageFeaturizer ResNet18 {ort:F1} img/s, ratio {fast / ort:F2} (goal ≥ 1.3)");
        AnsiConsole.MarkupLineInterpolated($"scoring: FastCnn's model exported to ONNX, through ML.NET's ApplyOnnxModel chain {export:F1} img/s ({export / fast:F2} of FastCnn's TorchSharp scoring)");

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
