using Microsoft.ML;

namespace ML.FastCnn;

/// <summary>
/// The images of interpreted rows, rendered again as the network sees them (RGB planes, the model's input size, its
/// resize method, no augmentation) for the picture grids and Grad-CAM. Shared by the three interpretations; the rows are
/// read on first use only, so numbers alone never decode an image twice.
/// </summary>
internal sealed class InterpretedImages
{
    private readonly FastCnnTransformer _transformer;
    private readonly IDataView _imageRows;
    private readonly long[] _positions;
    private byte[][]? _images;

    /// <param name="transformer">The model's FastCnn step: its image column, input size and resize method.</param>
    /// <param name="imageRows">The data after the steps before the FastCnn step (the images loaded).</param>
    /// <param name="positions">The cursor positions of the interpreted rows, ascending; image <c>i</c> is the row at <c>positions[i]</c>.</param>
    public InterpretedImages(FastCnnTransformer transformer, IDataView imageRows, IReadOnlyList<long> positions)
    {
        _transformer = transformer;
        _imageRows = imageRows;
        _positions = [.. positions];
    }

    /// <summary>Side in pixels of the rendered images.</summary>
    public int Size => _transformer.ImageSize;

    /// <summary>Image <paramref name="index"/> as RGB planes (CHW), <see cref="Size"/>², uint8. All images are rendered on first use.</summary>
    public byte[] this[int index]
    {
        get
        {
            _images ??= Render();
            return _images[index];
        }
    }

    private byte[][] Render()
    {
        var column = ImageColumn.Bind(_imageRows.Schema, _transformer.ImageColumnName, null);
        var images = new byte[_positions.Length][];
        int next = 0;
        using var cursor = _imageRows.GetRowCursor(column.Columns);
        var reader = column.CreateReader(cursor);
        while (next < _positions.Length && cursor.MoveNext())
        {
            if (cursor.Position != _positions[next])
                continue;
            using var source = reader.Read();
            var chw = new byte[3 * Size * Size];
            ImageRenderer.Render(source.Bitmap, Size, AugmentationDraw.Identity with { Resize = _transformer.Resize }, chw);
            images[next++] = chw;
        }
        if (next != _positions.Length)
            throw new InvalidOperationException($"Read {next} of {_positions.Length} images again: the data changed since it was scored.");
        return images;
    }
}
