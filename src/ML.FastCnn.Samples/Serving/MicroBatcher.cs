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
/// that fails in a batch fails alone (<see cref="FastCnn.ScoreEach{TRow}"/>): the other requests get their answer.
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

    /// <summary>Batches scored so far (a batch with a bad image, scored again image by image, counts once).</summary>
    public long Batches => Interlocked.Read(ref _batches);

    /// <summary>Images scored so far, failed ones not counted (over <see cref="Batches"/>: about the mean batch size).</summary>
    public long Images => Interlocked.Read(ref _images);

    private long _batches, _images;

    /// <summary>Queues <paramref name="image"/> (then owned by the batcher); false when the queue is full.</summary>
    public bool TryEnqueue(MLImage image, out Task<ImageScore> score)
    {
        var pending = new Pending(image, new TaskCompletionSource<ImageScore>(TaskCreationOptions.RunContinuationsAsynchronously));
        score = pending.Result.Task;
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
            var scores = FastCnn.ScoreEach(_ml, _model, batch.Select(p => new Row { Image = p.Image }).ToList(), _schema);
            Interlocked.Increment(ref _batches);
            Interlocked.Add(ref _images, scores.Count(s => s.Succeeded));
            for (int i = 0; i < batch.Count; i++)
                batch[i].Result.TrySetResult(scores[i]);
        }
        catch (Exception e) // not the images' fault (ScoreEach keeps those per image): every request gets it
        {
            batch.ForEach(p => p.Result.TrySetException(e));
        }
        finally
        {
            batch.ForEach(p => p.Image.Dispose());
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _worker.ConfigureAwait(false);
    }

    private sealed record Pending(MLImage Image, TaskCompletionSource<ImageScore> Result);

    private sealed class Row
    {
        public MLImage Image { get; set; } = null!;
    }
}
