namespace ML.FastCnn;

/// <summary>
/// What the network's input pixels are normalised with: per RGB channel, (x/255 − mean)/std. ImageNet's for every
/// built-in backbone; a <see cref="CustomBackbone"/> brings its own. A trained model records it, and everything that
/// hands the network pixels (training, every scoring engine, Grad-CAM, the ONNX graph) reads it from here.
/// </summary>
/// <param name="Mean">Mean per channel (R, G, B), in [0, 1] units.</param>
/// <param name="Std">Standard deviation per channel (R, G, B), positive.</param>
internal sealed record InputNormalization(float[] Mean, float[] Std)
{
    /// <summary>ImageNet channel statistics (RGB), as torchvision's and fast.ai's pretrained models use them.</summary>
    public static InputNormalization ImageNet { get; } = new([0.485f, 0.456f, 0.406f], [0.229f, 0.224f, 0.225f]);

    /// <summary>Whether both have the same numbers (records compare arrays by reference).</summary>
    public bool SameAs(InputNormalization other) => Mean.SequenceEqual(other.Mean) && Std.SequenceEqual(other.Std);

    /// <summary>"mean 0.485, 0.456, 0.406, std 0.229, 0.224, 0.225".</summary>
    public override string ToString() =>
        $"mean {string.Join(", ", Mean.Select(Number))}, std {string.Join(", ", Std.Select(Number))}";

    private static string Number(float value) => value.ToString("G6", System.Globalization.CultureInfo.InvariantCulture);
}
