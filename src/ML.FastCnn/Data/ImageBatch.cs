using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>
/// A rendered batch: uint8 images [rows × views, 3, S, S] (each row's views together), with each
/// row's class and position. Owned by the consumer, who disposes it.
/// </summary>
internal sealed class ImageBatch : IDisposable
{
    public ImageBatch(Tensor images, long[] labels, long[] positions, int views)
    {
        Images = images;
        Labels = labels;
        Positions = positions;
        Views = views;
    }

    public Tensor Images { get; }

    public long[] Labels { get; }

    public long[] Positions { get; }

    public int Views { get; }

    public int Count => Labels.Length;

    public void Dispose() => Images.Dispose();
}
