using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>
/// A training or validation set as epochs of rendered batches: streamed through an
/// <see cref="ImageBatchPipeline"/> (or read from the image cache), shuffled and augmented per
/// epoch with seeds, so a seeded run repeats exactly.
/// </summary>
internal sealed class ImageData(ImageRows rows, int size, int batchSize, int prefetch, int seed, BadImagePolicy policy, Action<string> warn, string what)
{
    private const int ResizeView = 1 << 20;
    private bool _skipsReported;

    /// <summary>How images become squares; cached rows are squares already (rendered with this method, centred).</summary>
    public ResizeMethod Resize { get; init; }

    /// <summary>
    /// Side the images are decoded and resized to for batch augmentation (fast.ai's presizing), so the batch
    /// transform is their only other resample; null: the training size. Cached rows are held at this side.
    /// </summary>
    public int? Presize { get; init; }

    /// <summary>
    /// The training device, when the batches' pixels should be copied there on the reading thread, ahead of the step that
    /// uses them (from page-locked memory on CUDA); null or the CPU: the step's own conversion puts them there.
    /// </summary>
    public Device? Staging { get; init; }

    /// <summary>Side of the batches the network sees.</summary>
    public int Size => size;

    /// <summary>Batches the reader keeps ready ahead of the consumer.</summary>
    public int Prefetch => prefetch;

    /// <summary>Whether the images are held decoded in memory.</summary>
    public bool IsCached => rows is CachedImageRows;

    /// <summary>Rows per epoch (fewer when unreadable images are skipped).</summary>
    public int Count => rows.Count;

    /// <summary>
    /// The batches of epoch <paramref name="epoch"/>: in stored order, or shuffled; each image plain,
    /// or with its own draw of <paramref name="augmentation"/>; training leaves out a last partial batch
    /// (<paramref name="dropLast"/>). Throws when no row is usable.
    /// </summary>
    public IEnumerable<ImageBatch> Epoch(int epoch, bool shuffle, Augmentation? augmentation, CancellationToken cancellation, bool dropLast = false)
    {
        var random = shuffle ? SampleRandom.For(seed, epoch, position: -1) : null;
        // Crop: a random position along the long side in training (shuffled epochs), centred otherwise,
        // from its own random stream so the augmentation draws stay as they were.
        var resize = Resize;
        double Position(LabeledImage row) => resize == ResizeMethod.Crop && shuffle ? SampleRandom.For(seed, epoch, row.Position, ResizeView).NextDouble() : 0.5;
        AugmentationDraw Drawn(LabeledImage row) => augmentation?.Draw(SampleRandom.For(seed, epoch, row.Position)) ?? AugmentationDraw.Identity;
        Func<LabeledImage, AugmentationDraw[]> views = row => [Drawn(row) with { Resize = resize, ResizePosition = Position(row) }];
        Func<LabeledImage, BatchAugmentationDraw>? batchDraws = null;
        int renderSize = size;
        if (augmentation is { Mode: AugmentationMode.Batch, IsNone: false } batchAugmentation)
        {
            // Presized squares, plain; each row's draw (from the same per-sample stream) goes with the batch to the device.
            views = row => [AugmentationDraw.Identity with { Resize = resize, ResizePosition = Position(row) }];
            batchDraws = row => batchAugmentation.DrawForBatch(SampleRandom.For(seed, epoch, row.Position));
            renderSize = Math.Max(size, Presize ?? size);
        }
        using var pipeline = new ImageBatchPipeline(rows.Read(random, cancellation), renderSize, batchSize, prefetch, views, policy,
            _skipsReported ? _ => { } : warn, cancellation, dropLast, batchDraws: batchDraws, outputSize: size, staging: Staging);
        int read = 0;
        foreach (var batch in pipeline.Batches())
        {
            read += batch.Count;
            yield return batch;
        }
        if (pipeline.Skipped > 0 && !_skipsReported)
        {
            warn($"Skipped {pipeline.Skipped} rows of the {what} whose image could not be read.");
            _skipsReported = true;
        }
        if (read == 0)
            throw new ArgumentOutOfRangeException("data",
                $"The {what} has no usable rows (all {pipeline.Skipped} images were unreadable). Check that the image paths are right.");
    }

    /// <summary>The same rows in batches of <paramref name="newBatchSize"/> (a GPU that cannot hold the plan's).</summary>
    public ImageData WithBatchSize(int newBatchSize) => With(rows, size, newBatchSize, Staging);

    /// <summary>The same rows rendered at another size (progressive resizing); cached rows are rendered from their stored pixels.</summary>
    public ImageData Resized(int newSize) => With(rows, newSize, batchSize, Staging);

    /// <summary>The same batches, copied to <paramref name="device"/> on the reading thread (see <see cref="Staging"/>).</summary>
    public ImageData StagedOn(Device device) => With(rows, size, batchSize, device);

    private ImageData With(ImageRows newRows, int newSize, int newBatchSize, Device? staging) => new(newRows, newSize, newBatchSize, prefetch, seed, policy, warn, what)
    {
        Resize = Resize, Presize = Presize, Staging = staging, _skipsReported = _skipsReported,
    };

    /// <summary>
    /// The same rows read once and kept in memory as RGBA squares (4·S² bytes each) at the presize, or at the
    /// training size without one; <paramref name="meter"/> counts the images read.
    /// </summary>
    public ImageData Cached(PhaseMeter meter, CancellationToken cancellation)
    {
        int side = Math.Max(size, Presize ?? size);
        var images = new List<(byte[] Rgba, float[] Target)>(Count);
        int imageBytes = 4 * side * side;
        var plain = (Func<LabeledImage, AugmentationDraw[]>)(_ => [AugmentationDraw.Identity with { Resize = Resize }]);
        using var pipeline = new ImageBatchPipeline(rows.Read(null, cancellation), side, batchSize, prefetch, plain, policy, warn, cancellation,
            batchDraws: _ => BatchAugmentationDraw.Identity, outputSize: side);
        foreach (var batch in pipeline.Batches())
        {
            using (batch)
            {
                // The tensor's memory itself, copied image by image (TensorAccessor copies element by element).
                ReadOnlySpan<byte> all = batch.Images.bytes;
                for (int i = 0; i < batch.Count; i++)
                    images.Add((all.Slice(i * imageBytes, imageBytes).ToArray(), batch.Targets[i]));
            }
            meter.Advance(batch.Count);
        }
        meter.Finish();
        if (pipeline.Skipped > 0)
            warn($"Skipped {pipeline.Skipped} rows of the {what} whose image could not be read.");
        if (images.Count == 0)
            throw new ArgumentOutOfRangeException("data",
                $"The {what} has no usable rows (all {pipeline.Skipped} images were unreadable). Check that the image paths are right.");
        var cached = With(new CachedImageRows(images, side), size, batchSize, Staging);
        cached._skipsReported = true;
        return cached;
    }
}
