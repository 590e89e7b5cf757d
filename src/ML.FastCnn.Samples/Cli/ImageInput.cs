using Microsoft.ML;
using Microsoft.ML.Data;
using ML.FastCnn;

namespace ML.FastCnn.Samples;

/// <summary>
/// Image files as rows a saved model takes: its first steps read the training data's columns, so the rows carry an
/// empty label of the same kind — a class (single-label, regression) or a vector of classes (multi-label: <c>MapValueToKey</c>
/// over a text vector refuses a single text).
/// </summary>
internal static class ImageInput
{
    /// <summary>Scores <paramref name="paths"/> with <paramref name="model"/> (loaded with <paramref name="inputSchema"/>); a bad file fails alone.</summary>
    public static IReadOnlyList<ImageScore> ScoreFiles(MLContext ml, ITransformer model, DataViewSchema inputSchema, IReadOnlyList<string> paths) =>
        inputSchema.GetColumnOrNull("Label") is { Type: VectorDataViewType }
            ? FastCnn.ScoreEach(ml, model, paths.Select(p => new ClassesRow { ImagePath = p }).ToList())
            : FastCnn.ScoreEach(ml, model, paths.Select(p => new ImageFolderRow { ImagePath = p }).ToList());

    /// <summary>A row for a multi-label model: a path and no classes.</summary>
    private sealed class ClassesRow
    {
        public string ImagePath { get; set; } = "";

        public string[] Label { get; set; } = [];
    }
}
