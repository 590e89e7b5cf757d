namespace ML.FastCnn;

/// <summary>
/// Counts of yes/no decisions against the truth, and the scores scikit-learn derives from them with
/// <c>zero_division=0</c>: a ratio whose denominator is 0 is 0 rather than undefined.
/// </summary>
internal readonly record struct DecisionCounts(long TruePositives, long FalsePositives, long FalseNegatives)
{
    public double Precision => Ratio(TruePositives, TruePositives + FalsePositives);

    public double Recall => Ratio(TruePositives, TruePositives + FalseNegatives);

    // 2PR/(P+R) written in counts: the same value, and 0 rather than 0/0 when nothing was found.
    public double F1 => Ratio(2 * TruePositives, 2 * TruePositives + FalsePositives + FalseNegatives);

    public static DecisionCounts operator +(DecisionCounts a, DecisionCounts b) =>
        new(a.TruePositives + b.TruePositives, a.FalsePositives + b.FalsePositives, a.FalseNegatives + b.FalseNegatives);

    private static double Ratio(long numerator, long denominator) => denominator == 0 ? 0 : (double)numerator / denominator;
}
