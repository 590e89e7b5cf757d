using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>
/// Labelled images decoded once and kept resized as uint8 (3·S² bytes per image), from which
/// training draws shuffled batches every epoch. The streaming, augmenting input pipeline of a
/// later issue replaces this behind the same <see cref="BatchIndices"/>/<see cref="GetBatch"/> seam.
/// </summary>
internal sealed class LabeledImageSet : IDisposable
{
    private readonly Tensor _images; // [N, 3, S, S] uint8
    private readonly long[] _labels; // 0-based class indices

    private LabeledImageSet(Tensor images, long[] labels, int skipped)
    {
        _images = images;
        _labels = labels;
        Skipped = skipped;
    }

    public int Count => _labels.Length;

    /// <summary>Rows left out because their image could not be read or their label was missing.</summary>
    public int Skipped { get; }

    public IReadOnlyList<long> Labels => _labels;

    /// <summary>Reads every row of <paramref name="data"/>; unreadable images fail or are skipped by policy.</summary>
    public static LabeledImageSet Read(IDataView data, ImageColumn image, DataViewSchema.Column label,
        int size, BadImagePolicy policy, IChannel channel)
    {
        var rows = new List<Tensor>();
        var labels = new List<long>();
        int skipped = 0;
        try
        {
            using var cursor = data.GetRowCursor(image.Columns.Append(label));
            var readImage = image.CreateReader(cursor, size);
            var getLabel = cursor.GetGetter<uint>(label);
            uint key = 0;
            while (cursor.MoveNext())
            {
                getLabel(ref key);
                if (key == 0) // missing label value: ML.NET trainers leave such rows out
                {
                    skipped++;
                    continue;
                }
                try
                {
                    rows.Add(readImage());
                    labels.Add(key - 1);
                }
                catch (UnreadableImageException e) when (policy == BadImagePolicy.Skip)
                {
                    channel.Warning($"Skipped: {e.Description}.");
                    skipped++;
                }
            }

            var images = rows.Count == 0 ? zeros([0, 3, size, size], uint8) : stack(rows);
            return new LabeledImageSet(images, [.. labels], skipped);
        }
        finally
        {
            foreach (var row in rows)
                row.Dispose();
        }
    }

    /// <summary>One epoch of batches as row indices, shuffled with <paramref name="random"/> when given.</summary>
    public IEnumerable<int[]> BatchIndices(int batchSize, Random? random)
    {
        var order = Enumerable.Range(0, Count).ToArray();
        random?.Shuffle(order);
        for (int start = 0; start < order.Length; start += batchSize)
            yield return order[start..Math.Min(start + batchSize, order.Length)];
    }

    /// <summary>Normalised images and labels of the given rows, in the caller's dispose scope.</summary>
    public (Tensor Images, Tensor Labels) GetBatch(int[] indices, Device device)
    {
        using var index = tensor(indices.Select(i => (long)i).ToArray());
        using var bytes = _images.index_select(0, index);
        return (ImageTensorConverter.Normalize(bytes, device), tensor(indices.Select(i => _labels[i]).ToArray(), device: device));
    }

    public void Dispose() => _images.Dispose();
}
