using System.Runtime.InteropServices;
using Onnx;
using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>
/// The ImageNet ResNet18 that ML.NET ships as ONNX in the NuGet package
/// <c>Microsoft.ML.DnnImageFeaturizer.ResNet18</c> (a CNTK export, 2-2-2-3 basic blocks, up to
/// global pooling), imported into TorchVision's parameter names. The offline pretrained backbone.
/// </summary>
/// <remarks>
/// Names come from the graph's structure, not its order: every <c>Add</c> ends a residual block;
/// of its two BatchNorm inputs the one after a 1×1 convolution is the shortcut
/// (<c>downsample</c>), and conv2 ← ReLU ← bn1 ← conv1 lead back from the other. The network
/// expects BGR pixels in 0–255 minus a mean image; <see cref="FoldPreprocessing"/> turns that into
/// the ImageNet RGB normalisation every FastCnn network uses.
/// </remarks>
internal static class MLNetResNet18
{
    /// <summary>Where the package's build step copies the model, relative to the application.</summary>
    public static readonly string RelativePath = Path.Combine("DnnImageModels", "ResNet18Onnx", "ResNet18.onnx");

    /// <summary>Per-channel means (B, G, R) of the package's 224×224 mean image (ResNetPreprocess.onnx).</summary>
    public static readonly double[] BgrMean = [103.0626, 115.9029, 123.1516];

    /// <summary>The model file next to the application, or null when the package's files are not there.</summary>
    public static string? Find()
    {
        var path = Path.Combine(AppContext.BaseDirectory, RelativePath);
        return File.Exists(path) ? path : null;
    }

    /// <summary>Blocks per stage and the state dictionary (no <c>fc</c>), exactly as in the ONNX file.</summary>
    public static (int[] Blocks, Dictionary<string, Tensor> State) Import(string path)
    {
        GraphProto graph;
        try
        {
            // Shared read: ML.NET's own OnnxTransformer may hold the same file open in this process.
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            graph = ModelProto.Parser.ParseFrom(stream).Graph;
        }
        catch (Exception e)
        {
            throw new InvalidDataException($"'{path}' is not a readable ONNX model: {e.Message}", e);
        }
        var initializers = graph.Initializer.ToDictionary(t => t.Name);
        var producer = graph.Node.SelectMany(n => n.Output.Select(o => (o, n))).ToDictionary(p => p.o, p => p.n);
        var consumers = graph.Node.SelectMany(n => n.Input.Select(i => (i, n))).ToLookup(p => p.i, p => p.n);
        var state = new Dictionary<string, Tensor>();

        void AddConvAndBatchNorm(NodeProto conv, string convName, string bnName)
        {
            var bn = consumers[conv.Output[0]].SingleOrDefault(n => n.OpType == "BatchNormalization")
                ?? throw Unexpected(path, $"convolution '{conv.Name}' is not followed by BatchNormalization");
            state[convName + ".weight"] = ToTensor(initializers[conv.Input[1]]);
            string[] parts = ["weight", "bias", "running_mean", "running_var"];
            for (int i = 0; i < parts.Length; i++)
                state[$"{bnName}.{parts[i]}"] = ToTensor(initializers[bn.Input[i + 1]]);
        }
        NodeProto Producer(string output, string opType) =>
            producer.TryGetValue(output, out var node) && node.OpType == opType ? node : throw Unexpected(path, $"'{output}' is not made by {opType}");
        NodeProto ConvBefore(NodeProto batchNorm) => Producer(batchNorm.Input[0], "Conv");

        AddConvAndBatchNorm(graph.Node.FirstOrDefault(n => n.OpType == "Conv") ?? throw Unexpected(path, "no convolution"), "conv1", "bn1");
        var blocks = new List<int>();
        foreach (var add in graph.Node.Where(n => n.OpType == "Add"))
        {
            var batchNorms = add.Input.Where(producer.ContainsKey).Select(i => producer[i]).Where(n => n.OpType == "BatchNormalization").ToList();
            var shortcut = batchNorms.FirstOrDefault(bn => initializers[ConvBefore(bn).Input[1]].Dims[2] == 1);
            var bn2 = batchNorms.SingleOrDefault(bn => bn != shortcut) ?? throw Unexpected(path, $"residual '{add.Name}' has no main branch");
            var conv2 = ConvBefore(bn2);
            var conv1 = ConvBefore(Producer(Producer(conv2.Input[0], "Relu").Input[0], "BatchNormalization"));
            if (shortcut is not null || blocks.Count == 0)
                blocks.Add(0);
            string prefix = $"layer{blocks.Count}.{blocks[^1]++}";
            AddConvAndBatchNorm(conv1, prefix + ".conv1", prefix + ".bn1");
            AddConvAndBatchNorm(conv2, prefix + ".conv2", prefix + ".bn2");
            if (shortcut is not null)
                AddConvAndBatchNorm(ConvBefore(shortcut), prefix + ".downsample.0", prefix + ".downsample.1");
        }
        if (blocks.Count != 4)
            throw Unexpected(path, $"found {blocks.Count} stages instead of 4");
        return ([.. blocks], state);
    }

    /// <summary>
    /// Makes the imported weights take FastCnn's input — RGB scaled to [0, 1] and normalised with
    /// ImageNet's mean and std — instead of BGR 0–255 minus the mean image: conv1's input channels
    /// are reordered and rescaled, and the constant the means leave behind moves into bn1's running
    /// mean. Exact inside the image; at the border zero padding stands for a slightly different colour.
    /// </summary>
    public static void FoldPreprocessing(Dictionary<string, Tensor> state, IReadOnlyList<float> mean, IReadOnlyList<float> std)
    {
        using var scope = NewDisposeScope();
        var weight = state["conv1.weight"]; // [64, 3 (B, G, R), 7, 7]
        var rgbWeight = weight.flip(1);      // channel c now reads R, G, B
        var scale = tensor(std.Select(s => 255f * s).ToArray()).reshape(1, 3, 1, 1);
        var shift = tensor(Enumerable.Range(0, 3).Select(c => (float)(255 * mean[c] - BgrMean[2 - c])).ToArray()).reshape(1, 3, 1, 1);
        var offset = rgbWeight.mul(shift).sum([1, 2, 3]);
        var runningMean = state["bn1.running_mean"];
        state["conv1.weight"] = rgbWeight.mul(scale).MoveToOuterDisposeScope();
        state["bn1.running_mean"] = runningMean.sub(offset).MoveToOuterDisposeScope();
        weight.Dispose();
        runningMean.Dispose();
    }

    private static Tensor ToTensor(TensorProto proto)
    {
        float[] data = proto.RawData.Length > 0 ? MemoryMarshal.Cast<byte, float>(proto.RawData.Span).ToArray() : [.. proto.FloatData];
        return tensor(data, proto.Dims.ToArray());
    }

    private static InvalidDataException Unexpected(string path, string what) =>
        new($"'{path}' does not have the structure of ML.NET's ResNet18 ({what}). Reinstall the Microsoft.ML.DnnImageFeaturizer.ResNet18 package.");
}
