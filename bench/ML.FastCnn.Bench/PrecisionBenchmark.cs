using System.Diagnostics;
using Spectre.Console;
using TorchSharp;
using static TorchSharp.torch;

namespace ML.FastCnn.Bench;

/// <summary>
/// Issue 23's question about mixed precision (TorchSharp 0.107 has no autocast): is a hand-made bfloat16 path at least
/// 1.3× faster on this CPU, at equal accuracy? Trains TorchVision's ResNet18 (forward, backward, AdamW) three ways:
/// float32; bfloat16 throughout (an upper bound: no float32 master weights); and mixed — bfloat16 forward and backward
/// with float32 master weights (gradients copied up, the step in float32, weights copied down). Speed: random batches,
/// alternating over two rounds, best of each. Accuracy (<c>--accuracy N</c>): the same N Fashion-MNIST images, the same
/// order and start, from random weights, then the test images.
/// </summary>
internal static class PrecisionBenchmark
{
    private enum Mode { Float32, BFloat16, Mixed }

    public static void Run(int size, int batchSize, int steps, int accuracyImages, int epochs)
    {
        if (accuracyImages > 0)
        {
            RunAccuracy(size, batchSize, accuracyImages, epochs);
            return;
        }
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
        using var trainer = new Trainer(mode);
        using var images = randn(batchSize, 3, size, size);
        using var labels = randint(0, 10, [batchSize]);
        var clock = new Stopwatch();
        for (int pass = 0; pass < 2; pass++) // the first pass warms up (allocations, optimizer state); the second is timed
        {
            clock.Restart();
            for (int step = 0; step < steps; step++)
                trainer.Step(images, labels);
        }
        return steps * batchSize / clock.Elapsed.TotalSeconds;
    }

    private static void RunAccuracy(int size, int batchSize, int count, int epochs)
    {
        AnsiConsole.MarkupLineInterpolated($"ResNet18 from random weights on {count} Fashion-MNIST images, {size} px, batch {batchSize}, {epochs} epochs, tested on {count / 2} test images, {BenchMachine.Description}");
        using var scope = NewDisposeScope();
        var (trainX, trainY) = FashionMnistBenchmark.Tensors("train", count, size);
        var (testX, testY) = FashionMnistBenchmark.Tensors("t10k", count / 2, size);
        foreach (var mode in Enum.GetValues<Mode>())
        {
            using var trainer = new Trainer(mode);
            var clock = Stopwatch.StartNew();
            for (int epoch = 0; epoch < epochs; epoch++)
            {
                using var shuffle = new Generator(10 + (ulong)epoch); // the same order for every precision
                using var order = randperm(count, generator: shuffle);
                for (int start = 0; start + batchSize <= count; start += batchSize)
                {
                    using var batchScope = NewDisposeScope();
                    var indices = order.narrow(0, start, batchSize);
                    trainer.Step(trainX.index_select(0, indices), trainY.index_select(0, indices));
                }
            }
            var trainTime = clock.Elapsed;
            long right = 0;
            for (int start = 0; start < testY.shape[0]; start += 256)
            {
                using var batchScope = NewDisposeScope();
                int n = (int)Math.Min(256, testY.shape[0] - start);
                right += trainer.Predict(testX.narrow(0, start, n)).eq(testY.narrow(0, start, n)).sum().ToInt64();
            }
            AnsiConsole.MarkupLineInterpolated($"{mode}: test accuracy {right / (double)testY.shape[0]:P2}, training {trainTime.TotalSeconds:F1} s ({epochs * (count / batchSize) * batchSize / trainTime.TotalSeconds:F1} img/s)");
        }
    }

    /// <summary>ResNet18 and AdamW in one of the three precisions, from the same seeded start.</summary>
    private sealed class Trainer : IDisposable
    {
        private readonly Mode _mode;
        private readonly TorchSharp.Modules.ResNet _model;
        private readonly List<TorchSharp.Modules.Parameter> _working;
        private readonly List<TorchSharp.Modules.Parameter> _master;
        private readonly optim.Optimizer _optimizer;

        public Trainer(Mode mode)
        {
            _mode = mode;
            torch.random.manual_seed(1);
            _model = torchvision.models.resnet18(num_classes: 10);
            if (mode != Mode.Float32)
                _model.to(ScalarType.BFloat16);
            _working = _model.parameters().ToList();
            // Mixed: the optimizer owns float32 copies; float32 and bfloat16: the model's own parameters.
            _master = mode == Mode.Mixed ? _working.Select(p => new TorchSharp.Modules.Parameter(p.detach().to(ScalarType.Float32))).ToList() : _working;
            _optimizer = optim.AdamW(_master, lr: 1e-3, beta1: 0.9, beta2: 0.99, eps: 1e-5, weight_decay: 0.01);
        }

        private ScalarType Type => _mode == Mode.Float32 ? ScalarType.Float32 : ScalarType.BFloat16;

        public void Step(Tensor images, Tensor labels)
        {
            using var scope = NewDisposeScope();
            _model.train();
            var loss = nn.functional.cross_entropy(_model.forward(images.to(Type)).to(ScalarType.Float32), labels);
            _optimizer.zero_grad();
            _model.zero_grad();
            loss.backward();
            if (_mode == Mode.Mixed)
            {
                using var noGrad = no_grad();
                foreach (var (copy, parameter) in _master.Zip(_working))
                    copy.grad = parameter.grad!.to(ScalarType.Float32);
            }
            _optimizer.step();
            if (_mode == Mode.Mixed)
            {
                using var noGrad = no_grad();
                foreach (var (copy, parameter) in _master.Zip(_working))
                    parameter.copy_(copy);
            }
        }

        /// <summary>The predicted classes, in evaluation mode.</summary>
        public Tensor Predict(Tensor images)
        {
            _model.eval();
            using var noGrad = no_grad();
            return _model.forward(images.to(Type)).argmax(1);
        }

        public void Dispose()
        {
            _optimizer.Dispose();
            if (_mode == Mode.Mixed)
                _master.ForEach(p => p.Dispose());
            _model.Dispose();
        }
    }
}
