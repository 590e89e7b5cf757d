using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using ML.FastCnn;

namespace ML.FastCnn.Samples;

/// <summary>
/// The metrics of a scored data view for the model's task — ML.NET's multiclass evaluator (single-label), FastCnn's
/// multi-label evaluator, ML.NET's regression evaluator — printed, as report rows, or as the JSON of <c>evaluate --format json</c>.
/// </summary>
internal sealed class TaskMetrics
{
    private TaskMetrics(ImageTask task, IReadOnlyList<string> classNames, MulticlassClassificationMetrics? multiclass, MultiLabelMetrics? multiLabel, RegressionMetrics? regression)
    {
        Task = task;
        ClassNames = classNames;
        Multiclass = multiclass;
        MultiLabel = multiLabel;
        Regression = regression;
    }

    public ImageTask Task { get; }

    public IReadOnlyList<string> ClassNames { get; }

    public MulticlassClassificationMetrics? Multiclass { get; }

    public MultiLabelMetrics? MultiLabel { get; }

    public RegressionMetrics? Regression { get; }

    /// <summary>Evaluates <paramref name="scored"/> (Label and Score columns) as <paramref name="model"/>'s task asks.</summary>
    public static TaskMetrics Evaluate(MLContext ml, IDataView scored, FastCnnTransformer model) => model.Task switch
    {
        ImageTask.MultiLabel => new(model.Task, model.ClassNames, null, FastCnn.EvaluateMultiLabel(scored), null),
        ImageTask.Regression => new(model.Task, model.ClassNames, null, null, ml.Regression.Evaluate(scored)),
        _ => new(model.Task, model.ClassNames, ml.MulticlassClassification.Evaluate(scored), null, null),
    };

    /// <summary>
    /// The task's headline metrics under the names <c>evaluate --format json</c> prints (fast.ai's and scikit-learn's):
    /// accuracy, log_loss; accuracy_multi, f1_micro, f1_macro, map; r2, mae, rmse. Null for a number that is not one (NaN).
    /// </summary>
    public IReadOnlyDictionary<string, double?> Json()
    {
        static double? Finite(double value) => double.IsFinite(value) ? value : null;
        var pairs = (Multiclass, MultiLabel, Regression) switch
        {
            (_, { } m, _) => new (string, double)[] { ("accuracy_multi", m.AccuracyMulti), ("f1_micro", m.MicroF1), ("f1_macro", m.MacroF1), ("map", m.MeanAveragePrecision) },
            (_, _, { } r) => [("r2", r.RSquared), ("mae", r.MeanAbsoluteError), ("rmse", r.RootMeanSquaredError)],
            ({ } c, _, _) => [("accuracy", c.MicroAccuracy), ("log_loss", c.LogLoss)],
            _ => [],
        };
        return pairs.ToDictionary(p => p.Item1, p => Finite(p.Item2));
    }

    /// <summary>Prints the metrics under <paramref name="title"/> (and the confusion matrix or the per-class table).</summary>
    public void Print(string title)
    {
        if (Multiclass is { } c)
            Reports.Metrics(title, c, ClassNames);
        else if (MultiLabel is { } m)
            Reports.Metrics(title, m);
        else if (Regression is { } r)
            Reports.Metrics(title, r);
    }

    /// <summary>The metrics as report rows.</summary>
    public IEnumerable<KeyValuePair<string, string>> ReportRows()
    {
        var culture = CultureInfo.InvariantCulture;
        if (Multiclass is { } c)
            return RunReport.Metrics(c);
        if (MultiLabel is { } m)
        {
            return
            [
                new("accuracy_multi", m.AccuracyMulti.ToString("P2", culture)),
                new("micro F1", m.MicroF1.ToString("F4", culture)),
                new("macro F1", m.MacroF1.ToString("F4", culture)),
                new("mAP", m.MeanAveragePrecision.ToString("F4", culture)),
                .. m.PerClass.Select(k => new KeyValuePair<string, string>(k.Name,
                    $"threshold {k.Threshold.ToString("F2", culture)}, precision {k.Precision.ToString("F3", culture)}, recall {k.Recall.ToString("F3", culture)}, F1 {k.F1.ToString("F3", culture)}, AP {k.AveragePrecision.ToString("F3", culture)}, {k.Support} images")),
            ];
        }
        var r = Regression!;
        return
        [
            new("R²", r.RSquared.ToString("F4", culture)),
            new("mean absolute error", r.MeanAbsoluteError.ToString("G4", culture)),
            new("root mean squared error", r.RootMeanSquaredError.ToString("G4", culture)),
        ];
    }

    /// <summary>The report section's title: which evaluator computed the numbers.</summary>
    public string ReportTitle(string prefix) => $"{prefix} metrics ({(MultiLabel is null ? "ML.NET's evaluator" : "FastCnn.EvaluateMultiLabel")})";
}
