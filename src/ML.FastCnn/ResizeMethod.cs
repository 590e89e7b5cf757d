namespace ML.FastCnn;

/// <summary>
/// How an image that is not square becomes the network's square input (fast.ai v2's
/// <c>Resize(size, method=...)</c>). The trained model stores it and scores with it.
/// </summary>
public enum ResizeMethod
{
    /// <summary>The whole image stretched to the square: aspect ratio not kept (fast.ai's <c>ResizeMethod.Squish</c>). The default.</summary>
    Squish = 0,

    /// <summary>
    /// The largest square of the image, resized: in training at a random position along the long side,
    /// in validation and scoring centred (fast.ai's <c>ResizeMethod.Crop</c>). Drops the ends of long images.
    /// </summary>
    Crop = 1,

    /// <summary>
    /// The whole image fitted inside the square, aspect ratio kept; the rest is filled by reflecting the
    /// image (fast.ai's <c>ResizeMethod.Pad</c> with its default <c>PadMode.Reflection</c>).
    /// </summary>
    Pad = 2,
}
