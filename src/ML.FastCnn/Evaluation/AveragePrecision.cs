namespace ML.FastCnn;

/// <summary>
/// scikit-learn's <c>average_precision_score</c> for one class: AP = Σₙ (Rₙ − Rₙ₋₁) Pₙ, where n runs over the distinct
/// scores from the highest down and Pₙ, Rₙ are the precision and recall of predicting every row scored at least that
/// high. Rows with equal scores enter together, as one point of the curve (no interpolation between them).
/// </summary>
internal static class AveragePrecision
{
    /// <summary>The average precision of <paramref name="scores"/> against <paramref name="positives"/>; NaN when there is no positive.</summary>
    public static double Of(float[] scores, bool[] positives)
    {
        int total = positives.Count(p => p);
        if (total == 0)
            return double.NaN;

        var sortedScores = (float[])scores.Clone();
        var sortedPositives = (bool[])positives.Clone();
        Array.Sort(sortedScores, sortedPositives);

        double sum = 0, previousRecall = 0;
        long truePositives = 0, falsePositives = 0;
        for (int i = sortedScores.Length - 1; i >= 0; i--)
        {
            if (sortedPositives[i])
                truePositives++;
            else
                falsePositives++;
            if (i > 0 && sortedScores[i - 1] == sortedScores[i])
                continue; // a tie: the curve's point comes after the whole group
            double recall = (double)truePositives / total;
            sum += (recall - previousRecall) * truePositives / (truePositives + falsePositives);
            previousRecall = recall;
        }
        return sum;
    }
}
