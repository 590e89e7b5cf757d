using System.Text.Json;
using Google.Protobuf;
using Onnx;
using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>
/// Writes a trained network as ONNX for any runtime. Contract: one input <c>image</c>, float32
/// [N, 3, S, S], RGB, pixel values 0–255 (ML.NET's <c>ExtractPixels(interleavePixelColors: false)</c>);
/// the ImageNet normalisation inside the graph; one output <c>probabilities</c>, float32 [N, classes],
/// softmax; <c>metadata_props</c> <c>classes</c> (a JSON array in key order) and <c>image_size</c>.
/// BatchNorm is folded into the convolutions and linear layers (evaluation mode); dropout is gone.
/// </summary>
internal static class OnnxExporter
{
    private const double Epsilon = 1e-5; // BatchNorm's eps in every FastCnn network

    public static void Write(ImageClassifier classifier, Stream stream)
    {
        var state = Weights(classifier);
        var graph = new OnnxGraph();
        int size = classifier.ImageSize;
        graph.Graph.Input.Add(OnnxGraph.FloatValue("image", 3, size, size));

        // (x / 255 − mean) / std as one multiply and one add per channel.
        var scale = Enumerable.Range(0, 3).Select(c => (float)(1 / (255.0 * ImageTensorConverter.Std[c]))).ToArray();
        var shift = Enumerable.Range(0, 3).Select(c => -ImageTensorConverter.Mean[c] / ImageTensorConverter.Std[c]).ToArray();
        string x = graph.Node("Mul", ["image", graph.Constant("input_scale", scale, 1, 3, 1, 1)]);
        x = graph.Node("Add", [x, graph.Constant("input_shift", shift, 1, 3, 1, 1)]);

        x = graph.Node("Relu", [ConvBatchNorm(graph, state, x, "conv1", "bn1", stride: 2)]);
        x = graph.Node("MaxPool", [x], OnnxGraph.Ints("kernel_shape", 3, 3), OnnxGraph.Ints("strides", 2, 2), OnnxGraph.Ints("pads", 1, 1, 1, 1));
        for (int stage = 1; stage <= 4; stage++)
        {
            for (int block = 0; state.ContainsKey($"layer{stage}.{block}.conv1.weight"); block++)
                x = Block(graph, state, x, $"layer{stage}.{block}", stride: stage > 1 && block == 0 ? 2 : 1);
        }

        string logits = classifier.Head == ClassifierHead.Linear
            ? Linear(graph, state, graph.Node("Flatten", [graph.Node("GlobalAveragePool", [x])]), "fc", batchNorm: null)
            : FastaiHead(graph, state, x);
        graph.NameOutput(graph.Node("Softmax", [logits], OnnxGraph.Int("axis", 1)), "probabilities");
        graph.Graph.Output.Add(OnnxGraph.FloatValue("probabilities", classifier.ClassNames.Count));

        var model = new ModelProto
        {
            IrVersion = 7,
            ProducerName = "ML.FastCnn",
            ProducerVersion = typeof(OnnxExporter).Assembly.GetName().Version?.ToString() ?? "",
            DocString = $"{classifier.Description}, {size} px, {classifier.ClassNames.Count} classes. Input 'image': float32 [N, 3, {size}, {size}], RGB, 0-255. Output 'probabilities': softmax [N, classes].",
            Graph = graph.Graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
        model.MetadataProps.Add(new StringStringEntryProto { Key = "classes", Value = JsonSerializer.Serialize(classifier.ClassNames) });
        model.MetadataProps.Add(new StringStringEntryProto { Key = "image_size", Value = size.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        model.WriteTo(stream);
    }

    /// <summary>The network's parameters and buffers as (shape, values), copied to .NET arrays.</summary>
    private static Dictionary<string, (long[] Shape, float[] Values)> Weights(ImageClassifier classifier)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return classifier.Network.state_dict()
            .Where(kv => kv.Value.dtype == ScalarType.Float32)
            .ToDictionary(kv => kv.Key, kv => (kv.Value.shape, kv.Value.cpu().data<float>().ToArray()));
    }

    /// <summary>BatchNorm in evaluation mode as y = x·scale + shift per channel.</summary>
    private static (double[] Scale, double[] Shift) BatchNorm(Dictionary<string, (long[] Shape, float[] Values)> state, string name)
    {
        var (gamma, beta) = (state[$"{name}.weight"].Values, state[$"{name}.bias"].Values);
        var (mean, variance) = (state[$"{name}.running_mean"].Values, state[$"{name}.running_var"].Values);
        var scale = gamma.Select((g, c) => g / Math.Sqrt(variance[c] + Epsilon)).ToArray();
        return (scale, beta.Select((b, c) => b - mean[c] * scale[c]).ToArray());
    }

    /// <summary>A bias-free convolution followed by BatchNorm, as one convolution with a bias.</summary>
    private static string ConvBatchNorm(OnnxGraph graph, Dictionary<string, (long[] Shape, float[] Values)> state, string input, string conv, string bn, int stride)
    {
        var (shape, weight) = state[$"{conv}.weight"];
        var (scale, shift) = BatchNorm(state, bn);
        int perOutput = weight.Length / (int)shape[0];
        var folded = weight.Select((w, i) => (float)(w * scale[i / perOutput])).ToArray();
        long kernel = shape[2], pad = kernel / 2;
        return graph.Node("Conv", [input, graph.Constant($"{conv}.weight", folded, shape), graph.Constant($"{conv}.bias", shift.Select(v => (float)v).ToArray(), shape[0])],
            OnnxGraph.Ints("kernel_shape", kernel, shape[3]), OnnxGraph.Ints("strides", stride, stride), OnnxGraph.Ints("pads", pad, pad, pad, pad));
    }

    /// <summary>A residual block (basic or bottleneck, TorchVision's layout: the stride on the 3×3 convolution).</summary>
    private static string Block(OnnxGraph graph, Dictionary<string, (long[] Shape, float[] Values)> state, string input, string prefix, int stride)
    {
        bool bottleneck = state.ContainsKey($"{prefix}.conv3.weight");
        string x = graph.Node("Relu", [ConvBatchNorm(graph, state, input, $"{prefix}.conv1", $"{prefix}.bn1", bottleneck ? 1 : stride)]);
        x = ConvBatchNorm(graph, state, x, $"{prefix}.conv2", $"{prefix}.bn2", bottleneck ? stride : 1);
        if (bottleneck)
            x = ConvBatchNorm(graph, state, graph.Node("Relu", [x]), $"{prefix}.conv3", $"{prefix}.bn3", 1);
        string shortcut = state.ContainsKey($"{prefix}.downsample.0.weight")
            ? ConvBatchNorm(graph, state, input, $"{prefix}.downsample.0", $"{prefix}.downsample.1", stride)
            : input;
        return graph.Node("Relu", [graph.Node("Add", [x, shortcut])]);
    }

    /// <summary>fast.ai's head: concat pooling (max, then average) → [BatchNorm → Linear] → ReLU → [BatchNorm → Linear], BatchNorm folded in.</summary>
    private static string FastaiHead(OnnxGraph graph, Dictionary<string, (long[] Shape, float[] Values)> state, string features)
    {
        string pooled = graph.Node("Concat", [graph.Node("GlobalMaxPool", [features]), graph.Node("GlobalAveragePool", [features])], OnnxGraph.Int("axis", 1));
        string x = Linear(graph, state, graph.Node("Flatten", [pooled]), "head.lin1", batchNorm: "head.bn1");
        return Linear(graph, state, graph.Node("Relu", [x]), "head.lin2", batchNorm: "head.bn2");
    }

    /// <summary>Linear(x) or Linear(BatchNorm(x)) as one Gemm: W' = W·diag(scale), b' = b + W·shift.</summary>
    private static string Linear(OnnxGraph graph, Dictionary<string, (long[] Shape, float[] Values)> state, string input, string name, string? batchNorm)
    {
        var (shape, weight) = state[$"{name}.weight"];
        int outputs = (int)shape[0], inputs = (int)shape[1];
        var bias = state.TryGetValue($"{name}.bias", out var b) ? b.Values.Select(v => (double)v).ToArray() : new double[outputs];
        var folded = new float[weight.Length];
        if (batchNorm is null)
        {
            weight.CopyTo(folded, 0);
        }
        else
        {
            var (scale, shift) = BatchNorm(state, batchNorm);
            for (int o = 0; o < outputs; o++)
            {
                for (int i = 0; i < inputs; i++)
                {
                    folded[o * inputs + i] = (float)(weight[o * inputs + i] * scale[i]);
                    bias[o] += weight[o * inputs + i] * shift[i];
                }
            }
        }
        return graph.Node("Gemm", [input, graph.Constant($"{name}.weight", folded, shape), graph.Constant($"{name}.bias", bias.Select(v => (float)v).ToArray(), outputs)],
            OnnxGraph.Int("transB", 1));
    }
}
