using Microsoft.ML.OnnxRuntime;
using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>
/// ONNX Runtime (CPU) running the network exported in memory by <see cref="OnnxExporter"/>: the same
/// folded layers and normalisation, fed the same uint8 pixels as the TorchSharp engines.
/// </summary>
internal sealed class OnnxRuntimeForward : IScoringForward
{
    private readonly InferenceSession _session;
    private readonly int _imageValues;

    public OnnxRuntimeForward(ImageClassifier classifier)
    {
        using var model = new MemoryStream();
        OnnxExporter.Write(classifier, model, logits: true);
        _session = new InferenceSession(model.ToArray());
        _imageValues = 3 * classifier.ImageSize * classifier.ImageSize;
    }

    /// <summary>ONNX Runtime's version, e.g. "1.23.0".</summary>
    public static string Version => OrtEnv.Instance().GetVersionString();

    public ScoringEngine Kind => ScoringEngine.OnnxRuntime;

    public float[] Logits(Tensor imageBytes)
    {
        float[] input;
        using (var scope = NewDisposeScope())
        {
            // The exported graph normalises inside: it takes pixel values 0–255 as float32.
            input = imageBytes.to_type(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
        }
        long images = input.Length / _imageValues;
        long side = imageBytes.shape[^1];
        using var value = OrtValue.CreateTensorValueFromMemory(input, [images, 3, side, side]);
        using var run = new RunOptions();
        using var outputs = _session.Run(run, ["image"], [value], ["logits"]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    public void Dispose() => _session.Dispose();
}
