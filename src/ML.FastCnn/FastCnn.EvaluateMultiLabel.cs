using Microsoft.ML;

namespace ML.FastCnn;

public static partial class FastCnn
{
    /// <summary>
    /// Evaluates multi-label scores (ML.NET has no multi-label evaluator): each class is a yes/no decision per row, predicted
    /// when its probability is above its threshold. Gives fast.ai's <c>accuracy_multi</c>, micro and macro F1, the mean
    /// average precision and each class's precision, recall, F1 and average precision.
    /// </summary>
    /// <param name="data">Scored rows, such as a multi-label model's <c>Transform</c> of the validation set.</param>
    /// <param name="labelColumnName">
    /// The truth: a vector of keys (what <c>MapValueToKey</c> makes of a string[] column; its key count is the number of
    /// classes, and a missing key is ignored), a Boolean vector with one slot per class, or a Single vector with one slot per
    /// class (above 0.5 is yes).
    /// </param>
    /// <param name="scoreColumnName">The probabilities: a Single vector with one slot per class; its slot names name the classes.</param>
    /// <param name="threshold">
    /// One threshold for every class. Null: the per-class thresholds a FastCnn multi-label model stores on its Score column,
    /// or 0.5 for scores without them.
    /// </param>
    /// <exception cref="ArgumentOutOfRangeException">
    /// A column is missing or of a type that is not supported, the label and the score disagree on the number or names of
    /// the classes, or the data has no rows.
    /// </exception>
    /// <exception cref="InvalidDataException">A score is not a finite number.</exception>
    public static MultiLabelMetrics EvaluateMultiLabel(IDataView data, string labelColumnName = "Label", string scoreColumnName = "Score", float? threshold = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        Checks.UserArg(threshold is null || float.IsFinite(threshold.Value), nameof(threshold), $"must be a finite number, or null for the model's thresholds (was {threshold})");
        return EvaluateRows(MultiLabelRows.Read(data, labelColumnName, scoreColumnName), threshold);
    }

    /// <summary>The metrics of rows already read, with the thresholds <see cref="EvaluateMultiLabel(IDataView, string, string, float?)"/> chooses (the interpretation's too).</summary>
    internal static MultiLabelMetrics EvaluateRows(MultiLabelRows rows, float? threshold)
    {
        var thresholds = threshold is { } same ? Enumerable.Repeat(same, rows.ClassNames.Count).ToArray()
            : rows.ModelThresholds ?? Enumerable.Repeat(DefaultThreshold, rows.ClassNames.Count).ToArray();
        return MultiLabelEvaluator.Evaluate(rows, thresholds);
    }

    /// <summary>The threshold of a class without one of its own: a probability of more than even.</summary>
    private const float DefaultThreshold = 0.5f;
}
