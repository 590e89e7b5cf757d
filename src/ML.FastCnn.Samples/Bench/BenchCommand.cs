using System.CommandLine;

namespace ML.FastCnn.Samples;

/// <summary><c>bench</c>: throughput and accuracy measurements behind docs/benchmarks.md. Not tests.</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var bench = new Command("bench", "Measure FastCnn against baselines run in the same process (see docs/benchmarks.md).");

        var size = new Option<int>("--size") { Description = "image size in pixels", DefaultValueFactory = _ => 64 };
        var batch = new Option<int>("--batch") { Description = "batch size", DefaultValueFactory = _ => 32 };
        var images = new Option<int>("--images") { Description = "images per measurement", DefaultValueFactory = _ => 512 };
        var pipeline = new Command("pipeline", "Training and scoring images/s through FastCnn from image files, as ratios to a bare TorchSharp loop on ready tensors.");
        foreach (var option in new Option[] { size, batch, images })
            pipeline.Add(option);
        pipeline.SetAction(r => CliErrors.Run(() => PipelineBenchmark.Run(r.GetValue(size), r.GetValue(batch), r.GetValue(images))));
        bench.Add(pipeline);

        var onnx = new Command("onnx", "Scoring throughput of FastCnn's ResNet18 against ML.NET's ONNX Runtime path (224 px), and ML.NET's own baseline: ResNet18 features + LbfgsMaximumEntropy.");
        onnx.Add(images);
        onnx.SetAction(r => CliErrors.Run(() => OnnxBenchmark.Run(r.GetValue(images))));
        bench.Add(onnx);

        var epochs = new Option<int>("--epochs") { Description = "epochs after the frozen one", DefaultValueFactory = _ => 4 };
        var fashionSize = new Option<int>("--size") { Description = "image size in pixels", DefaultValueFactory = _ => 32 };
        var fashion = new Command("fashion-mnist", "The default recipe on all of Fashion-MNIST (needs `apt-get install dataset-fashion-mnist`): test accuracy and wall time.");
        fashion.Add(epochs);
        fashion.Add(fashionSize);
        fashion.SetAction(r => CliErrors.Run(() => FashionMnistBenchmark.Run(r.GetValue(epochs), r.GetValue(fashionSize))));
        bench.Add(fashion);
        return bench;
    }
}
