using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>
/// A rendered batch: uint8 images [rows × views, 3, S, S] (each row's views together), with each
/// row's class. Owned by the consumer, who disposes it.
/// </summary>
internal sealed class ImageBatch : IDisposable
{
    public ImageBatch(Tensor images, long[] labels, int views)
    {
        Images = images;
        Labels = labels;
        Views = views;
    }

    public Tensor Images { get; }

    public long[] Labels { get; }

    public int Views { get; }

    public int Count => Labels.Length;

    public void Dispose() => Images.Dispose();
}
