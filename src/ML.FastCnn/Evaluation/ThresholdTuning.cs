namespace ML.FastCnn;

/// <summary>
/// Per-class thresholds for a multi-label model, chosen on validation rows: fast.ai users tune one threshold by hand
/// (<c>accuracy_multi</c>'s <c>thresh</c>); classes differ in how confident the model is about them, so each class gets
/// the threshold that gives it the best F1.
/// </summary>
internal static class ThresholdTuning
{
    /// <summary>The threshold a class keeps when the rows cannot tell a better one: it has no positives there.</summary>
    public const float Untuned = 0.5f;

    /// <summary>The candidate thresholds: 0.05 to 0.95 in steps of 0.01 (0.5 among them, so tuning never does worse than it).</summary>
    public static IReadOnlyList<float> Grid { get; } = [.. Enumerable.Range(FirstStep, LastStep - FirstStep + 1).Select(ThresholdAt)];

    /// <summary>
    /// For each class, the grid threshold with the highest F1 on these rows (ties: the one closest to 0.5, then the
    /// lower); <see cref="Untuned"/> for a class no row has.
    /// </summary>
    /// <param name="probabilities">Per row, each class's probability.</param>
    /// <param name="truth">Per row, whether it has each class.</param>
    public static float[] PerClass(float[][] probabilities, bool[][] truth)
    {
        ArgumentNullException.ThrowIfNull(probabilities);
        ArgumentNullException.ThrowIfNull(truth);
        if (probabilities.Length != truth.Length)
            throw new ArgumentException($"There are {probabilities.Length} rows of probabilities and {truth.Length} rows of truth; give both for the same rows.", nameof(truth));
        int classes = probabilities.Length == 0 ? 0 : probabilities[0].Length;
        for (int row = 0; row < probabilities.Length; row++)
        {
            if (probabilities[row].Length != classes || truth[row].Length != classes)
                throw new ArgumentException($"Row {row} has {probabilities[row].Length} probabilities and {truth[row].Length} truth values; every row needs {classes} of each.", nameof(probabilities));
        }

        var thresholds = new float[classes];
        for (int c = 0; c < classes; c++)
            thresholds[c] = Best(probabilities.Select(p => p[c]).ToArray(), truth.Select(t => t[c]).ToArray());
        return thresholds;
    }

    private static float Best(float[] scores, bool[] positives)
    {
        if (!positives.Contains(true))
            return Untuned;
        // Distances to 0.5 are compared in grid steps (integers), where 0.49 and 0.51 are exactly as close.
        int best = UntunedStep;
        double bestF1 = double.NegativeInfinity;
        for (int step = FirstStep; step <= LastStep; step++)
        {
            double f1 = MultiLabelEvaluator.Count(scores, positives, ThresholdAt(step)).F1;
            // The grid runs upwards, so of two thresholds as close to 0.5, the lower (met first) stays.
            if (f1 > bestF1 || (f1 == bestF1 && Math.Abs(step - UntunedStep) < Math.Abs(best - UntunedStep)))
                (best, bestF1) = (step, f1);
        }
        return ThresholdAt(best);
    }

    private const int FirstStep = 5, LastStep = 95, UntunedStep = 50, StepsPerUnit = 100;

    private static float ThresholdAt(int step) => (float)((double)step / StepsPerUnit);
}
