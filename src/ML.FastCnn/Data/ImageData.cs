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
        using var pipeline = new ImageBatchPipeline(rows.Read(random, cancellation), size, batchSize, prefetch, views, policy,
            _skipsReported ? _ => { } : warn, cancellation, dropLast);
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

    /// <summary>The same rows rendered at another size (progressive resizing); cached rows are rendered from their stored pixels.</summary>
    public ImageData Resized(int newSize) => new(rows, newSize, batchSize, prefetch, seed, policy, warn, what) { Resize = Resize, _skipsReported = _skipsReported };

    /// <summary>The same rows read once and kept in memory at the training size (3·S² bytes + alpha each).</summary>
    public ImageData Cached(PhaseMeter meter, CancellationToken cancellation)
    {
        var images = new List<(byte[] Rgba, long Label)>(Count);
        int plane = size * size;
        foreach (var batch in Epoch(0, shuffle: false, augmentation: null, cancellation))
        {
            using (batch)
            {
                // The tensor's memory itself: TensorAccessor copies element by element (16 ns a byte here).
                ReadOnlySpan<byte> chw = batch.Images.bytes;
                for (int i = 0; i < batch.Count; i++)
                {
                    var rgba = new byte[4 * plane];
                    for (int p = 0; p < plane; p++)
                    {
                        for (int c = 0; c < 3; c++)
                            rgba[4 * p + c] = chw[(i * 3 + c) * plane + p];
                        rgba[4 * p + 3] = 255;
                    }
                    images.Add((rgba, batch.Labels[i]));
                }
            }
            meter.Advance(batch.Count);
        }
        meter.Finish();
        return new ImageData(new CachedImageRows(images, size), size, batchSize, prefetch, seed, policy, warn, what);
    }
}
