using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using TorchSharp;
using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>
/// Turns rows into batches ahead of the consumer: a reading thread takes rows one after another
/// (copying each image out of its row), renders a batch's images on worker threads — resizing and
/// augmenting each image with its own draw — and keeps at most <c>prefetch</c> batches waiting.
/// Output depends only on the rows' order and their draws, never on thread timing. Unreadable
/// images fail the pipeline (naming the file) or are skipped and counted, by policy.
/// </summary>
internal sealed class ImageBatchPipeline : IDisposable
{
    private readonly BlockingCollection<ImageBatch> _ready;
    private readonly CancellationTokenSource _stop;
    private readonly Task _reader;
    private readonly int _size;
    private readonly int _batchSize;
    private readonly Func<LabeledImage, AugmentationDraw[]> _views;
    private readonly BadImagePolicy _policy;
    private readonly Action<string> _warn;
    private readonly CancellationToken _cancellation;
    private int _skipped;
    private readonly bool _dropLast;
    private readonly bool _scoring;
    private readonly Func<LabeledImage, BatchAugmentationDraw>? _batchDraws;
    private readonly int _outputSize;
    private readonly Device? _staging;

    /// <param name="rows">The epoch's rows, read on the pipeline's own thread.</param>
    /// <param name="size">Side of the rendered squares.</param>
    /// <param name="batchSize">Rows per batch.</param>
    /// <param name="prefetch">Batches kept ready ahead of the consumer, ≥ 1.</param>
    /// <param name="views">The draws to render for a row: one for training, 1 + n for test-time augmentation.</param>
    /// <param name="policy">What to do with unreadable images.</param>
    /// <param name="warn">Told about each skipped image.</param>
    /// <param name="cancellation">Stops reading.</param>
    /// <param name="dropLast">Leave out a last, partial batch when a full one came before (training, as fast.ai's <c>drop_last</c>).</param>
    /// <param name="scoring">Rendering for scoring (error messages advise accordingly).</param>
    /// <param name="batchDraws">
    /// For batch augmentation: each row's draw. The rows are then rendered (one view each) as RGBA squares of
    /// side <paramref name="size"/>, the presize, and the batch carries the draws, to be transformed on the device.
    /// </param>
    /// <param name="outputSize">The side the batch transform outputs (with <paramref name="batchDraws"/>).</param>
    /// <param name="staging">A device other than the CPU: each batch's pixels are copied there on the reading thread (<see cref="Stage"/>).</param>
    public ImageBatchPipeline(IEnumerable<LabeledImage> rows, int size, int batchSize, int prefetch,
        Func<LabeledImage, AugmentationDraw[]> views, BadImagePolicy policy, Action<string> warn, CancellationToken cancellation, bool dropLast = false,
        bool scoring = false, Func<LabeledImage, BatchAugmentationDraw>? batchDraws = null, int outputSize = 0, Device? staging = null)
    {
        _staging = staging;
        _batchDraws = batchDraws;
        _outputSize = outputSize;
        _scoring = scoring;
        _dropLast = dropLast;
        _size = size;
        _batchSize = batchSize;
        _views = views;
        _policy = policy;
        _warn = warn;
        _ready = new BlockingCollection<ImageBatch>(Math.Max(1, prefetch));
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        _cancellation = cancellation;
        // Not started with the token: the reading thread must always run, to mark the queue complete.
        _reader = Task.Factory.StartNew(() => Produce(rows, _stop.Token), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>Rows left out so far because their image could not be read.</summary>
    public int Skipped => Volatile.Read(ref _skipped);

    /// <summary>The batches, in order; rethrows what went wrong on the reading thread.</summary>
    public IEnumerable<ImageBatch> Batches()
    {
        foreach (var batch in _ready.GetConsumingEnumerable(_cancellation))
            yield return batch;
        // The queue is completed in the reader's finally block, a moment before its task records the
        // failure: wait for the task, or an unreadable image could pass for the end of the data.
        try
        {
            _reader.Wait(CancellationToken.None);
        }
        catch (AggregateException e) when (e.InnerException is { } failure && failure is not OperationCanceledException)
        {
            ExceptionDispatchInfo.Capture(failure).Throw();
        }
        catch (AggregateException)
        {
            // cancelled: reported below
        }
        _cancellation.ThrowIfCancellationRequested();
    }

    private void Produce(IEnumerable<LabeledImage> rows, CancellationToken cancellation)
    {
        try
        {
            var pending = new List<LabeledImage>(_batchSize);
            bool rendered = false;
            foreach (var row in rows)
            {
                cancellation.ThrowIfCancellationRequested();
                if (row.Error is { } error)
                {
                    Skip(error);
                    continue;
                }
                pending.Add(row);
                if (pending.Count == _batchSize)
                {
                    Render(pending, cancellation);
                    rendered = true;
                }
            }
            if (pending.Count > 0 && _dropLast && rendered)
                pending.ForEach(r => r.Dispose()); // a small last batch makes a noisy step (and BatchNorm needs more than one row)
            else if (pending.Count > 0)
                Render(pending, cancellation);
        }
        finally
        {
            _ready.CompleteAdding();
        }
    }

    private void Skip(UnreadableImageException error)
    {
        if (_policy == BadImagePolicy.Fail)
            throw error;
        Interlocked.Increment(ref _skipped);
        _warn($"Skipped: {error.Description}.");
    }

    /// <summary>Renders the pending rows (in parallel), queues the batch, and empties the list.</summary>
    private void Render(List<LabeledImage> rows, CancellationToken cancellation)
    {
        try
        {
            var draws = rows.Select(_views).ToArray();
            bool rgba = _batchDraws is not null;
            int views = draws[0].Length, imageBytes = (rgba ? 4 : 3) * _size * _size;
            if (rgba && views != 1)
                throw new InvalidOperationException("Batch augmentation renders one view per row.");
            var pixels = new byte[rows.Count * views * imageBytes];
            var errors = new UnreadableImageException?[rows.Count];
            Parallel.For(0, rows.Count, new ParallelOptions { CancellationToken = cancellation }, i =>
            {
                try
                {
                    var bitmap = rows[i].Source!.Bitmap;
                    for (int v = 0; v < views; v++)
                    {
                        var target = pixels.AsSpan((i * views + v) * imageBytes, imageBytes);
                        if (rgba)
                            ImageRenderer.RenderRgba(bitmap, _size, draws[i][v], target);
                        else
                            ImageRenderer.Render(bitmap, _size, draws[i][v], target);
                    }
                }
                catch (InvalidDataException e)
                {
                    errors[i] = new UnreadableImageException(rows[i].Path, rows[i].Position, e.Message, e, _scoring);
                }
            });

            var kept = Enumerable.Range(0, rows.Count).Where(i => errors[i] is null).ToArray();
            foreach (var i in Enumerable.Range(0, rows.Count).Where(i => errors[i] is not null))
                Skip(errors[i]!);
            if (kept.Length == 0)
                return;
            if (kept.Length < rows.Count)
                pixels = kept.SelectMany(i => pixels.AsSpan(i * views * imageBytes, views * imageBytes).ToArray()).ToArray();
            var images = Stage(rgba ? tensor(pixels, [kept.Length, _size, _size, 4]) : tensor(pixels, [kept.Length * views, 3, _size, _size]), _staging);
            var batch = new ImageBatch(images, kept.Select(i => rows[i].Target).ToArray(), views)
            {
                Draws = rgba ? kept.Select(i => _batchDraws!(rows[i])).ToArray() : null,
                OutputSize = rgba ? _outputSize : _size,
            };
            try
            {
                _ready.Add(batch, cancellation);
            }
            catch
            {
                batch.Dispose();
                throw;
            }
        }
        finally
        {
            rows.ForEach(r => r.Dispose());
            rows.Clear();
        }
    }

    /// <summary>
    /// <paramref name="pixels"/> on <paramref name="device"/>, queued from this (the reading) thread so that the training step finds
    /// them there: copied from page-locked memory without waiting for the copy (libtorch's pinned allocator keeps the host block
    /// until the copy is done, and reuses its blocks). Unchanged on the CPU or without a device. TorchSharp 0.107 has no CUDA
    /// streams: the copy is queued on the default stream, so it does not run beside a kernel, but the training thread never waits for it.
    /// </summary>
    internal static Tensor Stage(Tensor pixels, Device? device)
    {
        if (device is null || device.type == DeviceType.CPU)
            return pixels;
        using (pixels)
        {
            using var pinned = device.type == DeviceType.CUDA ? pixels.pin_memory() : null;
            return (pinned ?? pixels).to(device, non_blocking: pinned is not null);
        }
    }

    /// <summary>Stops the reading thread and frees batches nobody took.</summary>
    public void Dispose()
    {
        _stop.Cancel();
        try
        {
            _reader.Wait();
        }
        catch (AggregateException)
        {
            // Its failure, if any, was reported through Batches().
        }
        foreach (var batch in _ready.GetConsumingEnumerable())
            batch.Dispose();
        _ready.Dispose();
        _stop.Dispose();
    }
}
