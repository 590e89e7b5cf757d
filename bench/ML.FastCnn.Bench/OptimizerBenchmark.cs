using System.Diagnostics;
using Spectre.Console;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ML.FastCnn.Bench;

/// <summary>
/// Issue 23's question about the optimizer step (about nine kernels per parameter tensor): would flattening each group's
/// parameters, gradients and state into contiguous buffers measurably help on the CPU? Times AdamW's step over ResNet18's
/// parameter tensors as they are, over one flat tensor of the same number of values (what flattening would leave: the
/// same arithmetic over the same memory, in a few kernels), and a whole training step (forward, backward, step) beside
/// them; alternating, best of two rounds each.
/// </summary>
internal static class OptimizerBenchmark
{
    public static void Run(int size, int batchSize, int steps)
    {
        AnsiConsole.MarkupLineInterpolated($"AdamW steps over ResNet18's parameters, and training steps at {size} px, batch {batchSize}, {steps} steps each, {BenchMachine.Description}");
        double perTensor = double.MaxValue, flat = double.MaxValue, training = double.MaxValue;
        int tensors = 0;
        long values = 0;
        for (int round = 0; round < 2; round++)
        {
            using var model = torchvision.models.resnet18(num_classes: 10);
            var parameters = model.parameters().ToList();
            (tensors, values) = (parameters.Count, parameters.Sum(p => p.numel()));
            perTensor = Math.Min(perTensor, OptimizerStepSeconds(parameters, steps));
            using var one = new Parameter(zeros(values));
            flat = Math.Min(flat, OptimizerStepSeconds([one], steps));
            training = Math.Min(training, TrainingStepSeconds(model, size, batchSize, steps));
        }
        AnsiConsole.MarkupLineInterpolated($"AdamW step over {tensors} tensors ({values:N0} values): {perTensor * 1000:F2} ms; over one flat tensor: {flat * 1000:F2} ms; a training step: {training * 1000:F1} ms");
        AnsiConsole.MarkupLineInterpolated($"what flattening could save: {(perTensor - flat) * 1000:F2} ms a step, {(perTensor - flat) / training:P1} of a training step");
    }

    private static double OptimizerStepSeconds(IList<Parameter> parameters, int steps)
    {
        foreach (var p in parameters)
            p.grad = randn_like(p).mul_(0.01); // what backward leaves
        using var optimizer = optim.AdamW(parameters, lr: 1e-3, beta1: 0.9, beta2: 0.99, eps: 1e-5, weight_decay: 0.01);
        optimizer.step(); // state allocated
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < steps; i++)
            optimizer.step();
        return clock.Elapsed.TotalSeconds / steps;
    }

    private static double TrainingStepSeconds(nn.Module<Tensor, Tensor> model, int size, int batchSize, int steps)
    {
        using var images = randn(batchSize, 3, size, size);
        using var labels = randint(0, 10, [batchSize]);
        using var optimizer = optim.AdamW(model.parameters(), lr: 1e-3, beta1: 0.9, beta2: 0.99, eps: 1e-5, weight_decay: 0.01);
        model.train();
        var clock = new Stopwatch();
        for (int pass = 0; pass < 2; pass++) // the first pass warms up; the second is timed
        {
            clock.Restart();
            for (int i = 0; i < steps; i++)
            {
                using var scope = NewDisposeScope();
                var loss = nn.functional.cross_entropy(model.call(images), labels);
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
            }
        }
        return clock.Elapsed.TotalSeconds / steps;
    }
}
