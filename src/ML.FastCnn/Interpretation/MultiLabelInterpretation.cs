using System.Globalization;
using Microsoft.ML;

namespace ML.FastCnn;

/// <summary>
/// What a trained multi-label model does with labelled images: per image the actual and predicted classes, every
/// class's probability and the binary cross-entropy; the metrics of <see cref="FastCnn.EvaluateMultiLabel"/>; the images
/// the model is most wrong about, and a picture of them.
/// </summary>
/// <remarks>
/// The numbers come from the model's own <c>Score</c> column, read and evaluated by the same code as
/// <see cref="FastCnn.EvaluateMultiLabel"/>, so <see cref="Metrics"/> equals its result and each image's
/// <see cref="MultiLabelPrediction.Predicted"/> is the model's <c>PredictedLabels</c> (the classes above the thresholds
/// in <see cref="MultiLabelMetrics.Thresholds"/>). Pictures render the images again, as the network sees them.
/// </remarks>
public sealed class MultiLabelInterpretation
{
    private readonly InterpretedImages _images;

    private MultiLabelInterpretation(IReadOnlyList<string> classNames, MultiLabelMetrics metrics, List<MultiLabelPrediction> predictions, InterpretedImages images)
    {
        ClassNames = classNames;
        Metrics = metrics;
        Predictions = predictions;
        _images = images;
    }

    /// <summary>
    /// Scores <paramref name="data"/> with <paramref name="model"/> and keeps, for every row, the probabilities, the
    /// actual and predicted classes and the metrics.
    /// </summary>
    /// <param name="model">A multi-label <see cref="FastCnnTransformer"/>, or a chain (for example a loaded model) with one inside.</param>
    /// <param name="data">Rows the model can transform (image paths, when the chain loads the images) with a label column.</param>
    /// <param name="labelColumnName">
    /// The truth, as <see cref="FastCnn.EvaluateMultiLabel"/> reads it: a vector of keys (<c>MapValueToKey</c> over a
    /// string[] column, fitted on the training data), a Boolean vector or a Single vector with one slot per class.
    /// </param>
    /// <param name="threshold">One threshold for every class; null: the model's own (per class).</param>
    /// <exception cref="ArgumentException">The model has no FastCnn step or is not multi-label, or the label column is missing, of another type, or disagrees with the model's classes.</exception>
    public static MultiLabelInterpretation Create(ITransformer model, IDataView data, string labelColumnName = "Label", float? threshold = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentException.ThrowIfNullOrWhiteSpace(labelColumnName);
        var (transformer, before) = FastCnn.FindTransformerAndStepsBefore(model) ?? throw FastCnn.NoFastCnnStep(nameof(model));
        if (transformer.Task != ImageTask.MultiLabel)
            throw new ArgumentException($"MultiLabelInterpretation explains multi-label models; this model is {transformer.Task}. " +
                (transformer.Task == ImageTask.SingleLabel ? "Use FastCnnInterpretation.Create." : "Use RegressionInterpretation.Create."), nameof(model));
        if (threshold is { } t && !float.IsFinite(t))
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "Give a finite number, or null for the model's thresholds.");

        var scored = model.Transform(data);
        var rows = MultiLabelRows.Read(scored, labelColumnName, transformer.ScoreColumnName);
        var metrics = FastCnn.EvaluateRows(rows, threshold);
        var (paths, positions) = InterpretedRows.PathsAndPositions(scored, transformer);
        if (paths.Count != rows.Count)
            throw new InvalidOperationException($"Read {rows.Count} scored rows, then {paths.Count} image paths: the data changed while it was read.");

        var predictions = new List<MultiLabelPrediction>(rows.Count);
        for (int i = 0; i < rows.Count; i++)
        {
            var scores = rows.Scores[i];
            var truth = rows.Truth[i];
            predictions.Add(new MultiLabelPrediction(i, paths[i],
                [.. Enumerable.Range(0, truth.Length).Where(k => truth[k])],
                [.. Enumerable.Range(0, scores.Length).Where(k => MultiLabelEvaluator.IsPredicted(scores[k], metrics.Thresholds[k]))],
                scores));
        }
        var imageRows = before.Aggregate(data, (view, step) => step.Transform(view));
        return new MultiLabelInterpretation(rows.ClassNames, metrics, predictions, new InterpretedImages(transformer, imageRows, positions));
    }

    /// <summary>The class names, in the order of the model's score slots.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Every image, in the data's order.</summary>
    public IReadOnlyList<MultiLabelPrediction> Predictions { get; }

    /// <summary><see cref="FastCnn.EvaluateMultiLabel"/>'s metrics of these images: accuracy_multi, F1, mean average precision and each class's.</summary>
    public MultiLabelMetrics Metrics { get; }

    /// <summary>Mean per-image <see cref="MultiLabelPrediction.Loss"/> (the validation loss fast.ai prints, without label smoothing).</summary>
    public double MeanLoss => Predictions.Count == 0 ? double.NaN : Predictions.Average(p => p.Loss);

    /// <summary>Share of images whose predicted classes are exactly their actual ones (scikit-learn's subset accuracy).</summary>
    public double ExactMatch => Predictions.Count == 0 ? double.NaN : Predictions.Count(p => p.IsCorrect) / (double)Predictions.Count;

    /// <summary>Side in pixels of the images the network sees.</summary>
    public int ImageSize => _images.Size;

    /// <summary>The <paramref name="count"/> images with the highest loss, highest first (fast.ai <c>top_losses</c>); ties by data order.</summary>
    public IReadOnlyList<MultiLabelPrediction> TopLosses(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return Predictions.OrderByDescending(p => p.Loss).ThenBy(p => p.Index).Take(count).ToList();
    }

    /// <summary>The names of classes given by index, joined by ", "; "(none)" for none.</summary>
    public string Describe(IEnumerable<int> classes)
    {
        ArgumentNullException.ThrowIfNull(classes);
        var names = classes.Select(k => ClassNames[k]).ToList();
        return names.Count == 0 ? "(none)" : string.Join(", ", names);
    }

    /// <summary>
    /// Saves the <paramref name="count"/> top losses as a grid of images captioned with the predicted classes, the actual
    /// ones and the loss (fast.ai <c>plot_top_losses</c>); green when the predicted classes are exactly right, red otherwise.
    /// </summary>
    public void SaveTopLosses(string path, int count = 9) =>
        ImageGridPlot.Save(path, "Top losses: predicted / actual classes / loss",
            TopLosses(count).Select(p => new ImageGridPlot.Tile(_images[p.Index], ImageSize,
                $"pred: {Describe(p.Predicted)}\nactual: {Describe(p.Actual)}\nloss {p.Loss.ToString("F2", CultureInfo.InvariantCulture)}", null, p.IsCorrect)),
            columns: 3, captionLines: 3);
}
