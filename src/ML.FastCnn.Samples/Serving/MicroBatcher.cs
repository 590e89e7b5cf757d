using System.Threading.Channels;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using ML.FastCnn;

namespace ML.FastCnn.Samples;

/// <summary>
/// Scores concurrent requests together: a bounded queue, and one worker that takes up to
/// <c>maxBatch</c> waiting images — waiting at most <c>maxWait</c> after the first for more — and
/// scores them in one forward pass. A full queue refuses at once (the caller answers 503). An image
/// that fails in a batch is retried alone, so only its own request fails.
/// </summary>
internal sealed class MicroBatcher : IAsyncDisposable
{
    private readonly MLContext _ml;
    private readonly FastCnnTransformer _model;
    private readonly int _maxBatch;
    private readonly TimeSpan _maxWait;
    private readonly Channel<Pending> _queue;
    private readonly SchemaDefinition _schema;
    private readonly Task _worker;

    // An MLImage property without [ImageType(height, width)] is an image of any size (the attribute's
    // parameterless form fails in ML.NET 5.0.1: "Must be positive").
    static MicroBatcher() => DataViewTypeManager.Register(new ImageDataViewType(), typeof(MLImage));

    public MicroBatcher(MLContext ml, FastCnnTransformer model, int maxBatch, TimeSpan maxWait, int capacity)
    {
        _ml = ml;
        _model = model;
        _maxBatch = maxBatch;
        _maxWait = maxWait;
        _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(capacity) { SingleReader = true });
        _schema = SchemaDefinition.Create(typeof(Row));
        _schema[nameof(Row.Image)].ColumnName = model.ImageColumnName;
        _worker = Task.Run(RunAsync);
    }

    /// <summary>Forward passes so far.</summary>
    public long Batches => Interlocked.Read(ref _batches);

    /// <summary>Images scored so far (over <see cref="Batches"/>: the mean batch size).</summary>
    public long Images => Interlocked.Read(ref _images);

    private long _batches, _images;

    /// <summary>Queues <paramref name="image"/> (then owned by the batcher); false when the queue is full.</summary>
    public bool TryEnqueue(MLImage image, out Task<float[]> probabilities)
    {
        var pending = new Pending(image, new TaskCompletionSource<float[]>(TaskCreationOptions.RunContinuationsAsynchronously));
        probabilities = pending.Result.Task;
        return _queue.Writer.TryWrite(pending);
    }

    private async Task RunAsync()
    {
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            var batch = new List<Pending>();
            var deadline = DateTime.UtcNow + _maxWait;
            while (batch.Count < _maxBatch)
            {
                if (reader.TryRead(out var next))
                {
                    batch.Add(next);
                    continue;
                }
                var left = deadline - DateTime.UtcNow;
                if (batch.Count > 0 && left <= TimeSpan.Zero)
                    break;
                using var timeout = new CancellationTokenSource(left > TimeSpan.Zero ? left : TimeSpan.Zero);
                try
                {
                    if (!await reader.WaitToReadAsync(timeout.Token).ConfigureAwait(false))
                        break; // completed
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
            if (batch.Count > 0)
                Score(batch);
        }
    }

    private void Score(List<Pending> batch)
    {
        try
        {
            Answer(batch);
        }
        finally
        {
            batch.ForEach(p => p.Image.Dispose());
        }
    }

    private void Answer(List<Pending> batch)
    {
        try
        {
            var scores = Transform(batch);
            Interlocked.Increment(ref _batches);
            Interlocked.Add(ref _images, batch.Count);
            for (int i = 0; i < batch.Count; i++)
                batch[i].Result.TrySetResult(scores[i]);
        }
        catch (Exception) when (batch.Count > 1)
        {
            foreach (var one in batch) // find the image that failed; the others still get their answer
                Answer([one]);
        }
        catch (Exception e)
        {
            batch[0].Result.TrySetException(e);
        }
    }

    private List<float[]> Transform(List<Pending> batch)
    {
        var rows = _ml.Data.LoadFromEnumerable(batch.Select(p => new Row { Image = p.Image }), _schema);
        return _model.Transform(rows).GetColumn<float[]>(_model.ScoreColumnName).ToList();
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _worker.ConfigureAwait(false);
    }

    private sealed record Pending(MLImage Image, TaskCompletionSource<float[]> Result);

    private sealed class Row
    {
        public MLImage Image { get; set; } = null!;
    }
}
