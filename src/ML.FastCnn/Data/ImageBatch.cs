using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>
/// A rendered batch: uint8 images [rows × views, 3, S, S] (each row's views together), with each
/// row's target; or, for batch augmentation, presized uint8 RGBA images [rows, P, P, 4] with each row's
/// <see cref="Draws"/>, to be transformed to <see cref="OutputSize"/> on the device. Owned by the consumer,
/// who disposes it.
/// </summary>
internal sealed class ImageBatch : IDisposable
{
    public ImageBatch(Tensor images, float[][] targets, int views)
    {
        Images = images;
        Targets = targets;
        Views = views;
    }

    public Tensor Images { get; }

    /// <summary>Each row's batch-augmentation draw when <see cref="Images"/> are presized RGBA; null for rendered squares.</summary>
    public BatchAugmentationDraw[]? Draws { get; init; }

    /// <summary>The side the batch transform outputs (with <see cref="Draws"/>).</summary>
    public int OutputSize { get; init; }

    /// <summary>Each row's target (empty arrays when scoring).</summary>
    public float[][] Targets { get; }

    public int Views { get; }

    public int Count => Targets.Length;

    public void Dispose() => Images.Dispose();
}
