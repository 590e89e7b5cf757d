using Microsoft.ML;
using Microsoft.ML.Data;

namespace ML.FastCnn;

// Batch scoring for callers that answer per image (a command line, an HTTP server): one bad image fails alone.
public static partial class FastCnn
{
    /// <summary>
    /// Scores <paramref name="rows"/> with <paramref name="model"/> in one pass (batched forwards) and returns one
    /// <see cref="ImageScore"/> per row, in order, as the model's task reads its Score: class probabilities and the most
    /// probable class (single-label), each class's probability and the classes above their thresholds (multi-label), or the
    /// value or values (regression). When the pass fails — an unreadable image, usually — every row is
    /// scored again on its own, so only the rows that fail by themselves carry an <see cref="ImageScore.Error"/>
    /// and the others get their probabilities (the same as in the pass: each image is scored independently).
    /// </summary>
    /// <typeparam name="TRow">The input row class (for example <see cref="ImageFolderRow"/> for a model that loads images from paths).</typeparam>
    /// <param name="mlContext">The ML.NET context.</param>
    /// <param name="model">A <see cref="FastCnnTransformer"/>, or a chain with one inside (a loaded model).</param>
    /// <param name="rows">The images to score; not disposed or kept.</param>
    /// <param name="schemaDefinition">How <typeparamref name="TRow"/> maps to columns (<c>LoadFromEnumerable</c>'s); null: by property name.</param>
    /// <exception cref="ArgumentException">The model has no FastCnn step.</exception>
    public static IReadOnlyList<ImageScore> ScoreEach<TRow>(MLContext mlContext, ITransformer model, IReadOnlyList<TRow> rows, SchemaDefinition? schemaDefinition = null)
        where TRow : class
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(rows);
        var fastCnn = FindTransformer(model) ?? throw NoFastCnnStep(nameof(model));
        if (rows.Count == 0)
            return [];

        List<float[]> Score(IEnumerable<TRow> some)
        {
            var scored = model.Transform(mlContext.Data.LoadFromEnumerable(some, schemaDefinition));
            // A regression on one value has a Single Score column; every other model a vector (probabilities or values).
            return scored.Schema[fastCnn.ScoreColumnName].Type is NumberDataViewType
                ? [.. scored.GetColumn<float>(fastCnn.ScoreColumnName).Select(v => new[] { v })]
                : [.. scored.GetColumn<float[]>(fastCnn.ScoreColumnName)];
        }

        try
        {
            return [.. Score(rows).Select(p => ToImageScore(fastCnn, p))];
        }
        catch (Exception) when (rows.Count > 1)
        {
            // Which row failed is not known from the exception alone: each row on its own finds it.
            return [.. rows.Select(row => ScoreEach(mlContext, model, [row], schemaDefinition)[0])];
        }
        catch (Exception e)
        {
            return [ImageScore.Failed(fastCnn.Task, e)];
        }
    }

    /// <summary>One image's Score as its model's task reads it.</summary>
    private static ImageScore ToImageScore(FastCnnTransformer fastCnn, float[] score) => fastCnn.Task switch
    {
        ImageTask.MultiLabel => ImageScore.MultiLabel(fastCnn.ClassNames, score, fastCnn.Thresholds),
        ImageTask.Regression => ImageScore.Regression(fastCnn.ClassNames, score),
        _ => ImageScore.SingleLabel(fastCnn.ClassNames, score),
    };
}
