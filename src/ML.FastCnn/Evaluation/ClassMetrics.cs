namespace ML.FastCnn;

/// <summary>How well a multi-label model finds one class: a row of <see cref="MultiLabelMetrics.PerClass"/>.</summary>
/// <param name="Name">The class.</param>
/// <param name="Threshold">The probability above which the class counts as predicted (a score equal to it does not).</param>
/// <param name="Precision">Of the rows predicted to have the class, the fraction that have it; 0 when none is predicted.</param>
/// <param name="Recall">Of the rows that have the class, the fraction predicted to have it; 0 when no row has it.</param>
/// <param name="F1">The harmonic mean of <paramref name="Precision"/> and <paramref name="Recall"/>; 0 when both are 0.</param>
/// <param name="AveragePrecision">
/// The area under the class's precision-recall curve, threshold-free (scikit-learn's <c>average_precision_score</c>);
/// <see cref="double.NaN"/> when no row has the class.
/// </param>
/// <param name="Support">How many rows have the class (its positives).</param>
public sealed record ClassMetrics(string Name, float Threshold, double Precision, double Recall, double F1, double AveragePrecision, int Support);
