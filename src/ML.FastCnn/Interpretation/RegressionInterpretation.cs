using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace ML.FastCnn;

/// <summary>
/// What a trained regression model does with labelled images: per image the actual and predicted value and the error;
/// R², mean absolute and root mean squared error; the largest errors, a picture of them, and the predicted-against-actual
/// scatter plot.
/// </summary>
/// <remarks>
/// The numbers come from the model's own <c>Score</c> column, so for a Single label <see cref="Metrics"/> equals
/// <c>mlContext.Regression.Evaluate</c>'s R², MAE and RMSE. A vector target (several values per image) gives one
/// <see cref="RegressionPrediction"/> and one <see cref="RegressionValueMetrics"/> per value. Rows whose label is missing
/// (NaN in any value) are left out, as training leaves them out. Pictures render the images again, as the network sees them.
/// </remarks>
public sealed class RegressionInterpretation
{
    private readonly InterpretedImages _images;

    private RegressionInterpretation(IReadOnlyList<string> valueNames, List<RegressionPrediction> predictions, InterpretedImages images)
    {
        ValueNames = valueNames;
        Predictions = predictions;
        Metrics = [.. valueNames.Select(name => RegressionValueMetrics.Of(name, PredictionsOf(name)))];
        _images = images;
    }

    /// <summary>Scores <paramref name="data"/> with <paramref name="model"/> and keeps, for every row with a value, the actual and predicted values.</summary>
    /// <param name="model">A regression <see cref="FastCnnTransformer"/>, or a chain (for example a loaded model) with one inside.</param>
    /// <param name="data">Rows the model can transform (image paths, when the chain loads the images) with a label column.</param>
    /// <param name="labelColumnName">The true value: a Single column, or a vector of Single with one slot per value of the model; NaN marks a missing one.</param>
    /// <exception cref="ArgumentException">The model has no FastCnn step or is not a regression, or the label column is missing, of another type or of another size.</exception>
    public static RegressionInterpretation Create(ITransformer model, IDataView data, string labelColumnName = "Label")
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentException.ThrowIfNullOrWhiteSpace(labelColumnName);
        var (transformer, before) = FastCnn.FindTransformerAndStepsBefore(model) ?? throw FastCnn.NoFastCnnStep(nameof(model));
        if (transformer.Task != ImageTask.Regression)
            throw new ArgumentException($"RegressionInterpretation explains regression models; this model is {transformer.Task}. " +
                (transformer.Task == ImageTask.SingleLabel ? "Use FastCnnInterpretation.Create." : "Use MultiLabelInterpretation.Create."), nameof(model));

        var names = transformer.ClassNames;
        var scored = model.Transform(data);
        var score = scored.Schema.GetColumnOrNull(transformer.ScoreColumnName)
            ?? throw new ArgumentException($"The model's output has no '{transformer.ScoreColumnName}' column.", nameof(model));
        var label = scored.Schema.GetColumnOrNull(labelColumnName)
            ?? throw new ArgumentException($"The data has no label column '{labelColumnName}'. Pass labelColumnName, or add the true values to the data.", nameof(labelColumnName));
        int labelValues = label.Type switch
        {
            var t when t == NumberDataViewType.Single => 1,
            VectorDataViewType { IsKnownSize: true } v when v.ItemType == NumberDataViewType.Single => v.Size,
            _ => throw new ArgumentException($"The label column '{labelColumnName}' is {label.Type}; a regression's label is a Single or a vector of Single.", nameof(labelColumnName)),
        };
        if (labelValues != names.Count)
            throw new ArgumentException($"The label column '{labelColumnName}' has {labelValues} values per row, the model predicts {names.Count} ({string.Join(", ", names)}).", nameof(labelColumnName));
        var path = transformer.ImagePathColumnName is { } p ? scored.Schema.GetColumnOrNull(p) : null;

        var predictions = new List<RegressionPrediction>();
        var positions = new List<long>();
        using (var cursor = scored.GetRowCursor(path is { } pc ? [score, label, pc] : [score, label]))
        {
            var getScore = Values(cursor, score);
            var getLabel = Values(cursor, label);
            var getPath = path is { } column ? cursor.GetGetter<ReadOnlyMemory<char>>(column) : null;
            ReadOnlyMemory<char> text = default;
            while (cursor.MoveNext())
            {
                var actual = getLabel();
                if (actual.Any(float.IsNaN))
                    continue; // a missing value: not part of the evaluation, as in training and ML.NET's evaluator
                var predicted = getScore();
                if (predicted.Length != names.Count)
                    throw new InvalidOperationException($"Expected {names.Count} scores per row, found {predicted.Length}.");
                getPath?.Invoke(ref text);
                for (int k = 0; k < names.Count; k++)
                    predictions.Add(new RegressionPrediction(positions.Count, getPath is null ? null : text.ToString(), names[k], actual[k], predicted[k]));
                positions.Add(cursor.Position);
            }
        }
        var imageRows = before.Aggregate(data, (view, step) => step.Transform(view));
        return new RegressionInterpretation(names, predictions, new InterpretedImages(transformer, imageRows, positions));
    }

    /// <summary>The values the model predicts, in the order of its score slots (one for a Single label).</summary>
    public IReadOnlyList<string> ValueNames { get; }

    /// <summary>Every labelled image's prediction in the data's order; for a vector target, each image's values in slot order.</summary>
    public IReadOnlyList<RegressionPrediction> Predictions { get; }

    /// <summary>R², MAE and RMSE of each value, in <see cref="ValueNames"/> order.</summary>
    public IReadOnlyList<RegressionValueMetrics> Metrics { get; }

    /// <summary>Side in pixels of the images the network sees.</summary>
    public int ImageSize => _images.Size;

    /// <summary>The predictions of one value, in the data's order.</summary>
    /// <exception cref="ArgumentException"><paramref name="valueName"/> is not one of <see cref="ValueNames"/>.</exception>
    public IReadOnlyList<RegressionPrediction> PredictionsOf(string valueName)
    {
        ArgumentNullException.ThrowIfNull(valueName);
        if (!ValueNames.Contains(valueName))
            throw new ArgumentException($"'{valueName}' is not one of the model's values ({string.Join(", ", ValueNames)}).", nameof(valueName));
        return Predictions.Where(p => p.ValueName == valueName).ToList();
    }

    /// <summary>
    /// The <paramref name="count"/> predictions with the largest <see cref="RegressionPrediction.AbsoluteError"/>, largest
    /// first (ties by data order): of one value, or with <paramref name="valueName"/> null, of every value (values in
    /// different units then compete as numbers).
    /// </summary>
    public IReadOnlyList<RegressionPrediction> LargestErrors(int count, string? valueName = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var candidates = valueName is null ? Predictions : PredictionsOf(valueName);
        return candidates.OrderByDescending(p => p.AbsoluteError).ThenBy(p => p.Index).Take(count).ToList();
    }

    /// <summary>
    /// Saves the <paramref name="count"/> largest errors as a grid of images captioned with the actual value, the predicted
    /// value and the error; red when the error is above the value's mean absolute error.
    /// </summary>
    public void SaveLargestErrors(string path, int count = 9, string? valueName = null)
    {
        var mae = Metrics.ToDictionary(m => m.Name, m => m.MeanAbsoluteError);
        bool several = ValueNames.Count > 1;
        ImageGridPlot.Save(path, "Largest errors: actual / predicted / error" + (valueName is null ? "" : $" ({valueName})"),
            LargestErrors(count, valueName).Select(p => new ImageGridPlot.Tile(_images[p.Index], ImageSize,
                (several ? p.ValueName + ": " : "") + $"actual {Number(p.Actual)}\npredicted {Number(p.Predicted)}\nerror {(p.Error >= 0 ? "+" : "")}{Number(p.Error)}",
                null, p.AbsoluteError <= mae[p.ValueName])),
            columns: 3, captionLines: 3);
    }

    /// <summary>Saves the predicted values against the actual ones, one colour per value, with the line y = x where a perfect model's points lie.</summary>
    public void SavePredictedVsActual(string path, int width = 700, int height = 650) =>
        PredictedVsActualPlot.Save(ValueNames, Predictions, Metrics, path, width, height);

    /// <summary>A value as a caption shows it: fewer decimals the larger it is.</summary>
    internal static string Number(double value) =>
        value.ToString(Math.Abs(value) >= 1000 ? "F0" : Math.Abs(value) >= 10 ? "F1" : "F2", CultureInfo.InvariantCulture);

    /// <summary>A getter of a Single or Single-vector column's current value as an array.</summary>
    private static Func<float[]> Values(DataViewRowCursor cursor, DataViewSchema.Column column)
    {
        if (column.Type is VectorDataViewType)
        {
            var getVector = cursor.GetGetter<VBuffer<float>>(column);
            VBuffer<float> buffer = default;
            return () =>
            {
                getVector(ref buffer);
                return buffer.DenseValues().ToArray();
            };
        }
        var getSingle = cursor.GetGetter<float>(column);
        float value = 0;
        return () =>
        {
            getSingle(ref value);
            return [value];
        };
    }
}
