using System.Text.Json;
using Google.Protobuf;
using Onnx;
using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>
/// Writes a trained network as ONNX for any runtime. Contract: one input <c>image</c>, float32
/// [N, 3, S, S], RGB, pixel values 0–255 (ML.NET's <c>ExtractPixels(interleavePixelColors: false)</c>);
/// the network's input normalisation inside the graph (ImageNet's, or a custom backbone's); one output: <c>probabilities</c>, float32 [N, classes], softmax
/// (multi-label: one sigmoid per class), or for regression <c>values</c>, float32 [N, values], scaled to the targets'
/// units; <c>metadata_props</c> <c>task</c>, <c>classes</c> (a JSON array of the outputs' names in order), <c>image_size</c>,
/// and for multi-label <c>thresholds</c> (a JSON array).
/// BatchNorm is folded into the convolutions and linear layers (evaluation mode); dropout is gone.
/// </summary>
internal static class OnnxExporter
{
    /// <summary>The output's name for <paramref name="task"/>: "values" for regression, "probabilities" otherwise.</summary>
    public static string OutputName(ImageTask task) => task == ImageTask.Regression ? "values" : "probabilities";

    /// <summary>
    /// Writes the model; <paramref name="logits"/> ends the graph before the softmax (sigmoid, scaling), with one output
    /// <c>logits</c> (the scoring engine's in-memory model).
    /// </summary>
    public static void Write(ImageClassifier classifier, Stream stream, bool logits = false, IReadOnlyList<float>? thresholds = null)
    {
        using var scope = NewDisposeScope(); // the CPU copies of the weights read below
        using var folded = FoldedNetwork.From(classifier.Network, classifier.Head);
        var graph = new OnnxGraph();
        int size = classifier.ImageSize;
        graph.Graph.Input.Add(OnnxGraph.FloatValue("image", 3, size, size));

        // (x / 255 − mean) / std as one multiply and one add per channel, with the statistics the network was trained with.
        var (mean, std) = (classifier.Normalization.Mean, classifier.Normalization.Std);
        var scale = Enumerable.Range(0, 3).Select(c => (float)(1 / (255.0 * std[c]))).ToArray();
        var shift = Enumerable.Range(0, 3).Select(c => -mean[c] / std[c]).ToArray();
        string x = graph.Node("Mul", ["image", graph.Constant("input_scale", scale, 1, 3, 1, 1)]);
        x = graph.Node("Add", [x, graph.Constant("input_shift", shift, 1, 3, 1, 1)]);

        x = Layers(graph, folded.Body, x);

        string output;
        if (folded.Head == ClassifierHead.Linear)
        {
            output = Linear(graph, folded.Classifier[0], graph.Node("Flatten", [graph.Node("GlobalAveragePool", [x])]));
        }
        else
        {
            // fast.ai's head: concat pooling (max, then average) → Linear → ReLU → Linear (BatchNorm folded in).
            string pooled = graph.Node("Concat", [graph.Node("GlobalMaxPool", [x]), graph.Node("GlobalAveragePool", [x])], OnnxGraph.Int("axis", 1));
            output = Linear(graph, folded.Classifier[1], graph.Node("Relu", [Linear(graph, folded.Classifier[0], graph.Node("Flatten", [pooled]))]));
        }
        var task = classifier.Task;
        string outputName = logits ? "logits" : OutputName(task.Kind);
        graph.NameOutput(logits ? output : Predictions(graph, task, output), outputName);
        graph.Graph.Output.Add(OnnxGraph.FloatValue(outputName, task.Outputs));

        var model = new ModelProto
        {
            IrVersion = 7,
            ProducerName = "ML.FastCnn",
            ProducerVersion = typeof(OnnxExporter).Assembly.GetName().Version?.ToString() ?? "",
            DocString = $"{classifier.Description}, {size} px, {task.Description["for ".Length..]}. Input 'image': float32 [N, 3, {size}, {size}], RGB, 0-255. " + task.Kind switch
            {
                ImageTask.MultiLabel => "Output 'probabilities': one sigmoid per class [N, classes]; a class is predicted above its threshold (metadata 'thresholds').",
                ImageTask.Regression => "Output 'values': the predicted values [N, values].",
                _ => "Output 'probabilities': softmax [N, classes].",
            },
            Graph = graph.Graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
        model.MetadataProps.Add(new StringStringEntryProto { Key = "task", Value = task.Kind.ToString() });
        model.MetadataProps.Add(new StringStringEntryProto { Key = "classes", Value = JsonSerializer.Serialize(classifier.ClassNames) });
        if (task.Kind == ImageTask.MultiLabel && thresholds is { Count: > 0 })
            model.MetadataProps.Add(new StringStringEntryProto { Key = "thresholds", Value = JsonSerializer.Serialize(thresholds) });
        model.MetadataProps.Add(new StringStringEntryProto { Key = "image_size", Value = size.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        model.WriteTo(stream);
    }

    /// <summary>The task's predictions from the logits: softmax, a sigmoid per class, or the regression's (sigmoid and) scaling back to the targets' units.</summary>
    private static string Predictions(OnnxGraph graph, TaskDefinition task, string logits) => task switch
    {
        MultiLabelTask => graph.Node("Sigmoid", [logits]),
        RegressionTask r => graph.Node("Add", [graph.Node("Mul", [r.Sigmoid ? graph.Node("Sigmoid", [logits]) : logits, graph.Constant("output_scale", [.. r.Scale], 1, r.Outputs)]),
            graph.Constant("output_offset", [.. r.Offset], 1, r.Outputs)]),
        _ => graph.Node("Softmax", [logits], OnnxGraph.Int("axis", 1)),
    };

    /// <summary>The folded body's layers as ONNX nodes (opset 13), in order.</summary>
    private static string Layers(OnnxGraph graph, IReadOnlyList<FoldedNetwork.Layer> layers, string input)
    {
        string x = input;
        foreach (var layer in layers)
        {
            x = layer switch
            {
                FoldedNetwork.Convolution c => Convolution(graph, c, x),
                FoldedNetwork.Activate a => Activation(graph, a.Kind, x),
                FoldedNetwork.MaxPool p => graph.Node("MaxPool", [x], OnnxGraph.Ints("kernel_shape", p.Kernel, p.Kernel), OnnxGraph.Ints("strides", p.Stride, p.Stride),
                    OnnxGraph.Ints("pads", p.Padding, p.Padding, p.Padding, p.Padding)),
                FoldedNetwork.Residual r => After(graph, r.After,
                    graph.Node("Add", [Layers(graph, r.Branch, x), r.Shortcut.Count == 0 ? x : Layers(graph, r.Shortcut, x)])),
                FoldedNetwork.ChannelGate g => graph.Node("Mul", [x, Layers(graph, g.Gate, graph.Node("GlobalAveragePool", [x]))]),
                _ => throw new NotSupportedException($"The ONNX export does not know folded layer {layer.GetType().Name}."),
            };
        }
        return x;
    }

    private static string After(OnnxGraph graph, ActivationKind? kind, string x) => kind is { } k ? Activation(graph, k, x) : x;

    /// <summary>
    /// An activation in opset-13 operators: ReLU6 as Clip(0, 6); hard-sigmoid as HardSigmoid(α = 1/6, β = 1/2), which is
    /// PyTorch's relu6(x + 3) / 6; hard-swish as x · that (ONNX's HardSwish needs opset 14); SiLU as x · Sigmoid(x).
    /// </summary>
    private static string Activation(OnnxGraph graph, ActivationKind kind, string x) => kind switch
    {
        ActivationKind.ReLU => graph.Node("Relu", [x]),
        ActivationKind.ReLU6 => graph.Node("Clip", [x, graph.ScalarConstant(0f), graph.ScalarConstant(6f)]),
        ActivationKind.Hardsigmoid => HardSigmoid(graph, x),
        ActivationKind.Hardswish => graph.Node("Mul", [x, HardSigmoid(graph, x)]),
        ActivationKind.SiLU => graph.Node("Mul", [x, graph.Node("Sigmoid", [x])]),
        ActivationKind.Sigmoid => graph.Node("Sigmoid", [x]),
        _ => throw new NotSupportedException($"The ONNX export does not know activation {kind}."),
    };

    private static string HardSigmoid(OnnxGraph graph, string x) =>
        graph.Node("HardSigmoid", [x], OnnxGraph.Float("alpha", 1f / 6), OnnxGraph.Float("beta", 0.5f));

    private static string Convolution(OnnxGraph graph, FoldedNetwork.Convolution c, string input)
    {
        var shape = c.Weight.shape;
        return graph.Node("Conv", [input, graph.Constant($"{c.Name}.weight", Values(c.Weight), shape), graph.Constant($"{c.Name}.bias", Values(c.Bias), shape[0])],
            OnnxGraph.Ints("kernel_shape", shape[2], shape[3]), OnnxGraph.Ints("strides", c.Stride, c.Stride), OnnxGraph.Ints("pads", c.Padding, c.Padding, c.Padding, c.Padding),
            OnnxGraph.Ints("dilations", c.Dilation, c.Dilation), OnnxGraph.Int("group", c.Groups));
    }

    private static string Linear(OnnxGraph graph, FoldedNetwork.Linear linear, string input) =>
        graph.Node("Gemm", [input, graph.Constant($"{linear.Name}.weight", Values(linear.Weight), linear.Weight.shape), graph.Constant($"{linear.Name}.bias", Values(linear.Bias), linear.Bias.shape[0])],
            OnnxGraph.Int("transB", 1));

    /// <summary>The values in row-major order, copied to the CPU (from the tensor's memory: TensorAccessor copies element by element).</summary>
    private static float[] Values(Tensor t) => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(t.cpu().contiguous().bytes).ToArray();
}
