using System.Diagnostics;
using Spectre.Console;
using TorchSharp;
using static TorchSharp.torch;

namespace ML.FastCnn.Bench;

/// <summary>
/// Issue 23's question about mixed precision (TorchSharp 0.107 has no autocast): is a hand-made bfloat16 path at least
/// 1.3× faster on this CPU? Times TorchVision's ResNet18 training steps (forward, backward, AdamW) three ways, alternating
/// over two rounds, best of each: float32; bfloat16 throughout (an upper bound: no float32 master weights); and mixed —
/// bfloat16 forward and backward with float32 master weights (gradients copied up, the step in float32, weights copied down).
/// </summary>
internal static class PrecisionBenchmark
{
    private enum Mode { Float32, BFloat16, Mixed }

    public static void Run(int size, int batchSize, int steps)
    {
        AnsiConsole.MarkupLineInterpolated($"ResNet18 training steps, {size} px, batch {batchSize}, {steps} steps, {BenchMachine.Description}");
        var modes = Enum.GetValues<Mode>();
        var best = new double[modes.Length];
        for (int round = 0; round < 2; round++)
            foreach (var mode in modes)
                best[(int)mode] = Math.Max(best[(int)mode], ImagesPerSecond(mode, size, batchSize, steps));
        foreach (var mode in modes)
            AnsiConsole.MarkupLineInterpolated($"{mode}: {best[(int)mode]:F1} img/s, ratio to float32 {best[(int)mode] / best[0]:F2}");
    }

    private static double ImagesPerSecond(Mode mode, int size, int batchSize, int steps)
    {
        torch.random.manual_seed(1);
        using var model = torchvision.models.resnet18(num_classes: 10);
        var master = model.parameters().ToList();
        List<TorchSharp.Modules.Parameter> working = master;
        if (mode != Mode.Float32)
        {
            model.to(ScalarType.BFloat16);
            working = model.parameters().ToList();
        }
        // Mixed: the optimizer owns float32 copies; float32 and bfloat16: the model's own parameters.
        var masterCopies = mode == Mode.Mixed
            ? working.Select(p => new TorchSharp.Modules.Parameter(p.detach().to(ScalarType.Float32))).ToList()
            : working;
        using var optimizer = optim.AdamW(masterCopies, lr: 1e-3, beta1: 0.9, beta2: 0.99, eps: 1e-5, weight_decay: 0.01);
        using var images = randn(batchSize, 3, size, size).to(mode == Mode.Float32 ? ScalarType.Float32 : ScalarType.BFloat16);
        using var labels = randint(0, 10, [batchSize]);
        model.train();
        var clock = new Stopwatch();
        for (int pass = 0; pass < 2; pass++) // the first pass warms up (allocations, optimizer state); the second is timed
        {
            clock.Restart();
            for (int step = 0; step < steps; step++)
            {
                using var scope = NewDisposeScope();
                var loss = nn.functional.cross_entropy(model.forward(images).to(ScalarType.Float32), labels);
                optimizer.zero_grad();
                model.zero_grad();
                loss.backward();
                if (mode == Mode.Mixed)
                {
                    using var noGrad = no_grad();
                    foreach (var (copy, parameter) in masterCopies.Zip(working))
                        copy.grad = parameter.grad!.to(ScalarType.Float32);
                }
                optimizer.step();
                if (mode == Mode.Mixed)
                {
                    using var noGrad = no_grad();
                    foreach (var (copy, parameter) in masterCopies.Zip(working))
                        parameter.copy_(copy);
                }
            }
        }
        if (mode == Mode.Mixed)
            masterCopies.ForEach(p => p.Dispose());
        return steps * batchSize / clock.Elapsed.TotalSeconds;
    }
}
