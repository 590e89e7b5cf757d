using TorchSharp;
using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>
/// Whether bfloat16 training (<see cref="BFloat16Weights"/>) may run for this network on this machine, decided as every
/// fast path is: by the hardware, then by comparing with float32 on real images — the network's outputs in evaluation
/// mode, relative to their scale (probabilities alone can hide a wrong kernel when the softmax saturates). bfloat16 keeps
/// 8 significant bits: a pretrained ResNet18's outputs differ by 1.4–2.2%; a wrong kernel by far more (on AMD Zen 4, this
/// libtorch's bfloat16 convolutions with fewer than 16 output channels are off by 25–90% of their scale).
/// </summary>
internal static class MixedPrecisionCheck
{
    /// <summary>Largest difference of the network's outputs, relative to their largest float32 value.</summary>
    public const double Tolerance = 0.05;

    /// <summary>The outcome: whether to use bfloat16, and what was measured or why not.</summary>
    public sealed record Result(bool Passed, string Reason);

    /// <summary>
    /// Runs the checks on <paramref name="images"/> (a batch of model input, float32). <paramref name="hasBFloat16Instructions"/>
    /// is the CPU's answer (ignored on a GPU): without them libtorch emulates bfloat16, slower than float32.
    /// </summary>
    public static Result Run(ImageClassifier model, Tensor images, bool hasBFloat16Instructions)
    {
        if (model.Device.type == DeviceType.CPU && !hasBFloat16Instructions)
            return new(false, $"this CPU ({CpuDescription.Model()}) has no bfloat16 instructions (avx512_bf16 or amx_bf16; bf16 on ARM): libtorch would emulate them, slower than float32");
        var network = model.Network;
        if (BFloat16Weights.For(network) is not { Count: > 0 } all)
            return new(false, "libtorch does not export set_data, which swaps a parameter's data in place");
        var modes = network.modules().Select(m => (Module: m, m.training)).ToList(); // pre-order: parents first, so children keep their own
        network.eval();
        try
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var output = network.call(images);
            all.Lower();
            Tensor low;
            try
            {
                low = network.call(BFloat16Weights.Input(images)).to(ScalarType.Float32);
            }
            finally
            {
                all.Raise();
            }
            double outputs = RelativeDifference(low, output);
            double predictions = PredictionDifference(model.Task, Values(low), Values(output));
            string numbers = $"on {images.shape[0]} training images the bfloat16 outputs differ from float32's by {outputs:P1} of their scale (tolerance {Tolerance:P0}), " +
                             $"predictions by at most {predictions:0.0000}";
            bool passed = outputs <= Tolerance;
            return new(passed, passed ? numbers : numbers + ": too far from float32");
        }
        finally
        {
            foreach (var (module, training) in modes)
                module.train(training);
        }
    }

    private static double RelativeDifference(Tensor actual, Tensor expected) =>
        actual.sub(expected).abs().max().ToDouble() / Math.Max(1e-6, expected.abs().max().ToDouble());

    private static float[] Values(Tensor outputs) => outputs.cpu().contiguous().data<float>().ToArray();

    /// <summary>Largest difference of a probability; of a regression value, relative to max(1, largest |value|).</summary>
    private static double PredictionDifference(TaskDefinition task, float[] actualOutputs, float[] expectedOutputs)
    {
        var (actual, expected) = (task.Predictions(actualOutputs), task.Predictions(expectedOutputs));
        double max = 0, scale = 1;
        for (int row = 0; row < expected.Length; row++)
            for (int i = 0; i < expected[row].Length; i++)
            {
                max = Math.Max(max, Math.Abs(actual[row][i] - expected[row][i]));
                scale = Math.Max(scale, Math.Abs(expected[row][i]));
            }
        return task.Kind == ImageTask.Regression ? max / scale : max;
    }
}
