namespace ML.FastCnn;

/// <summary>
/// How well a multi-label model's scores match the labels (<see cref="FastCnn.EvaluateMultiLabel"/>): every class is a
/// yes/no decision per row, made by comparing the class's probability with its threshold (predicted when above it).
/// </summary>
public sealed class MultiLabelMetrics
{
    internal MultiLabelMetrics(int rows, double accuracyMulti, double microF1, double macroF1, double meanAveragePrecision, IReadOnlyList<ClassMetrics> perClass)
    {
        Rows = rows;
        AccuracyMulti = accuracyMulti;
        MicroF1 = microF1;
        MacroF1 = macroF1;
        MeanAveragePrecision = meanAveragePrecision;
        PerClass = perClass;
        Thresholds = [.. perClass.Select(c => c.Threshold)];
    }

    /// <summary>The rows evaluated.</summary>
    public int Rows { get; }

    /// <summary>
    /// The fraction of (row, class) decisions that are right, positives and negatives alike (fast.ai's <c>accuracy_multi</c>).
    /// With many classes and few labels per image it is high even for a model that predicts nothing: read it with the F1 scores.
    /// </summary>
    public double AccuracyMulti { get; }

    /// <summary>F1 of all (row, class) decisions pooled: 2·TP / (2·TP + FP + FN) over every class; 0 when there is nothing to find or predict.</summary>
    public double MicroF1 { get; }

    /// <summary>The mean of the classes' F1 scores, every class weighing the same (rare classes count as much as common ones).</summary>
    public double MacroF1 { get; }

    /// <summary>
    /// The mean of <see cref="ClassMetrics.AveragePrecision"/> over the classes that at least one row has: how well the scores
    /// rank the rows that have a class above those that do not, whatever the thresholds. <see cref="double.NaN"/> when no row has any class.
    /// </summary>
    public double MeanAveragePrecision { get; }

    /// <summary>Each class's threshold, precision, recall, F1, average precision and support, in the Score column's slot order.</summary>
    public IReadOnlyList<ClassMetrics> PerClass { get; }

    /// <summary>The thresholds the decisions were made with, one per class in slot order.</summary>
    public IReadOnlyList<float> Thresholds { get; }
}
