namespace ML.FastCnn;

/// <summary>The multi-label metrics of scored rows at given per-class thresholds.</summary>
internal static class MultiLabelEvaluator
{
    /// <summary>A class is predicted for a row when its probability is above its threshold (fast.ai's <c>inp &gt; thresh</c>).</summary>
    public static bool IsPredicted(float probability, float threshold) => probability > threshold;

    /// <summary>Evaluates <paramref name="rows"/> with one threshold per class.</summary>
    public static MultiLabelMetrics Evaluate(MultiLabelRows rows, IReadOnlyList<float> thresholds)
    {
        int classes = rows.ClassNames.Count;
        if (thresholds.Count != classes)
            throw new ArgumentException($"There are {thresholds.Count} thresholds for {classes} classes; give one per class.", nameof(thresholds));

        var perClass = new ClassMetrics[classes];
        var pooled = new DecisionCounts();
        long rightDecisions = 0;
        for (int c = 0; c < classes; c++)
        {
            var scores = rows.Scores.Select(s => s[c]).ToArray();
            var truth = rows.Truth.Select(t => t[c]).ToArray();
            var counts = Count(scores, truth, thresholds[c]);
            pooled += counts;
            rightDecisions += rows.Count - counts.FalsePositives - counts.FalseNegatives;
            perClass[c] = new ClassMetrics(rows.ClassNames[c], thresholds[c], counts.Precision, counts.Recall, counts.F1,
                AveragePrecision.Of(scores, truth), truth.Count(t => t));
        }

        var ranked = perClass.Where(c => c.Support > 0).ToList();
        return new MultiLabelMetrics(
            rows.Count,
            accuracyMulti: (double)rightDecisions / ((long)rows.Count * classes),
            microF1: pooled.F1,
            macroF1: perClass.Average(c => c.F1),
            meanAveragePrecision: ranked.Count == 0 ? double.NaN : ranked.Average(c => c.AveragePrecision),
            perClass);
    }

    /// <summary>One class's decisions at <paramref name="threshold"/> against the truth.</summary>
    public static DecisionCounts Count(float[] scores, bool[] truth, float threshold)
    {
        long truePositives = 0, falsePositives = 0, falseNegatives = 0;
        for (int i = 0; i < scores.Length; i++)
        {
            bool predicted = IsPredicted(scores[i], threshold);
            if (predicted && truth[i])
                truePositives++;
            else if (predicted)
                falsePositives++;
            else if (truth[i])
                falseNegatives++;
        }
        return new DecisionCounts(truePositives, falsePositives, falseNegatives);
    }
}
