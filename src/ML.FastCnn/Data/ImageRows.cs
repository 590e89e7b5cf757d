using Microsoft.ML;

namespace ML.FastCnn;

/// <summary>Where a pipeline's rows come from: a data view (streamed) or the in-memory cache.</summary>
internal abstract class ImageRows
{
    /// <summary>Number of rows an epoch yields (rows with a missing label excluded).</summary>
    public abstract int Count { get; }

    /// <summary>
    /// One epoch of rows, in stored order or shuffled by <paramref name="shuffle"/>. Runs on the
    /// pipeline's reading thread; each row's image is copied out before the next row is read.
    /// </summary>
    public abstract IEnumerable<LabeledImage> Read(Random? shuffle, CancellationToken cancellation);
}

/// <summary>Rows streamed from an <see cref="IDataView"/> through a cursor, never all in memory.</summary>
internal sealed class DataViewImageRows : ImageRows
{
    private readonly IDataView _data;
    private readonly ImageColumn _image;
    private readonly (DataViewSchema.Column Column, TaskDefinition Task)? _label;
    private readonly int _shufflePool;

    /// <param name="data">The rows.</param>
    /// <param name="image">The image column, bound to <paramref name="data"/>'s schema.</param>
    /// <param name="label">The label column and the task that reads it, or null when scoring.</param>
    /// <param name="count">Rows with a label (all rows when scoring).</param>
    /// <param name="shufflePool">Rows held to shuffle data views that cannot shuffle themselves.</param>
    public DataViewImageRows(IDataView data, ImageColumn image, (DataViewSchema.Column Column, TaskDefinition Task)? label, int count, int shufflePool)
    {
        _data = data;
        _image = image;
        _label = label;
        Count = count;
        _shufflePool = shufflePool;
    }

    public override int Count { get; }

    public override IEnumerable<LabeledImage> Read(Random? shuffle, CancellationToken cancellation)
    {
        var rows = ReadInCursorOrder(_data.CanShuffle ? shuffle : null, cancellation);
        return shuffle is not null && !_data.CanShuffle ? ShufflePool.Shuffle(rows, _shufflePool, shuffle) : rows;
    }

    private IEnumerable<LabeledImage> ReadInCursorOrder(Random? shuffle, CancellationToken cancellation)
    {
        var columns = _label is { } l ? _image.Columns.Append(l.Column) : _image.Columns;
        using var cursor = _data.GetRowCursor(columns, shuffle);
        var reader = _image.CreateReader(cursor);
        var getTarget = _label is { } label ? label.Task.TargetGetter(cursor, label.Column) : null;
        long position = 0;
        while (cursor.MoveNext())
        {
            cancellation.ThrowIfCancellationRequested();
            float[]? target = getTarget is null ? [] : getTarget();
            if (target is null)
                continue; // a missing label: ML.NET's trainers leave such rows out
            yield return reader.ReadRow(position++, target);
        }
    }
}

/// <summary>Images kept in memory at the training size (<see cref="FastCnnLearner.Options.CacheImages"/>), as RGBA.</summary>
internal sealed class CachedImageRows : ImageRows
{
    private readonly List<(byte[] Rgba, float[] Target)> _images;
    private readonly int _size;

    public CachedImageRows(List<(byte[] Rgba, float[] Target)> images, int size)
    {
        _images = images;
        _size = size;
    }

    public override int Count => _images.Count;

    public override IEnumerable<LabeledImage> Read(Random? shuffle, CancellationToken cancellation)
    {
        var order = Enumerable.Range(0, _images.Count).ToArray();
        shuffle?.Shuffle(order);
        for (int position = 0; position < order.Length; position++)
        {
            cancellation.ThrowIfCancellationRequested();
            var (rgba, target) = _images[order[position]];
            yield return new LabeledImage(position, ImageSource.Rgba(rgba, _size, _size), target, null, null);
        }
    }
}

/// <summary>Shuffles a stream with a bounded pool, as ML.NET's ShuffleRows does, for data views that cannot shuffle.</summary>
internal static class ShufflePool
{
    public static IEnumerable<LabeledImage> Shuffle(IEnumerable<LabeledImage> rows, int poolSize, Random random)
    {
        var pool = new List<LabeledImage>(poolSize);
        long position = 0;
        foreach (var row in rows)
        {
            pool.Add(row);
            if (pool.Count < poolSize)
                continue;
            yield return Take(pool, random.Next(pool.Count), position++);
        }
        while (pool.Count > 0)
            yield return Take(pool, random.Next(pool.Count), position++);
    }

    // Renumbers the row: positions follow the order rows leave the pool, which seeds their augmentation.
    private static LabeledImage Take(List<LabeledImage> pool, int index, long position)
    {
        var row = pool[index];
        pool[index] = pool[^1];
        pool.RemoveAt(pool.Count - 1);
        return new LabeledImage(position, row.Source, row.Target, row.Path, row.Error);
    }
}
