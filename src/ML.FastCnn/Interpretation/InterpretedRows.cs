using Microsoft.ML;
using Microsoft.ML.Data;

namespace ML.FastCnn;

/// <summary>What the interpretations read of every scored row besides the numbers: its image path and cursor position.</summary>
internal static class InterpretedRows
{
    /// <summary>
    /// Per row of <paramref name="scored"/>, in order: the image path (null without a path column) and the cursor position
    /// (to find the row's image again). Reads no score, so the model does not run.
    /// </summary>
    public static (List<string?> Paths, List<long> Positions) PathsAndPositions(IDataView scored, FastCnnTransformer transformer)
    {
        var path = transformer.ImagePathColumnName is { } name ? scored.Schema.GetColumnOrNull(name) : null;
        var paths = new List<string?>();
        var positions = new List<long>();
        using var cursor = scored.GetRowCursor(path is { } p ? [p] : []);
        var getPath = path is { } column ? cursor.GetGetter<ReadOnlyMemory<char>>(column) : null;
        ReadOnlyMemory<char> text = default;
        while (cursor.MoveNext())
        {
            getPath?.Invoke(ref text);
            paths.Add(getPath is null ? null : text.ToString());
            positions.Add(cursor.Position);
        }
        return (paths, positions);
    }
}
