namespace ML.FastCnn;

/// <summary>
/// fast.ai's learning-rate suggestions as plain functions of the recorded curve (learning rates
/// and smoothed losses, same length). Each returns the index into the curve it picked and the
/// suggested rate.
/// </summary>
internal static class LearningRateSuggestions
{
    /// <summary>fast.ai <c>valley</c>: the longest decreasing subsequence of the loss, then 1/2 of the way past its first third.</summary>
    public static (int Index, double LearningRate) Valley(IReadOnlyList<double> lrs, IReadOnlyList<double> losses)
    {
        int n = losses.Count;
        var lengths = Enumerable.Repeat(1, n).ToArray();
        int maxStart = 0, maxEnd = 0;
        for (int i = 1; i < n; i++)
        {
            for (int j = 0; j < i; j++)
            {
                if (losses[i] < losses[j] && lengths[i] < lengths[j] + 1)
                    lengths[i] = lengths[j] + 1;
                if (lengths[maxEnd] < lengths[i])
                {
                    maxEnd = i;
                    maxStart = maxEnd - lengths[maxEnd];
                }
            }
        }
        double sections = (maxEnd - maxStart) / 3.0;
        // fastai's maxStart is one before the run; for a run that starts at the first point and ends at
        // the second, its index comes out at −1 (Python then reads the *last*, largest rate). Take the
        // run's first point instead.
        int index = Math.Max(0, maxStart + (int)sections + (int)(sections / 2));
        return (index, lrs[index]);
    }

    /// <summary>fast.ai <c>steep</c>: the point of steepest descent of loss against log(lr).</summary>
    public static (int Index, double LearningRate) Steep(IReadOnlyList<double> lrs, IReadOnlyList<double> losses)
    {
        int best = 0;
        double steepest = double.PositiveInfinity;
        for (int i = 0; i + 1 < lrs.Count; i++)
        {
            double gradient = (losses[i + 1] - losses[i]) / (Math.Log(lrs[i + 1]) - Math.Log(lrs[i]));
            if (gradient < steepest)
            {
                steepest = gradient;
                best = i;
            }
        }
        return (best, lrs[best]);
    }

    /// <summary>fast.ai <c>minimum</c>: a tenth of the learning rate with the lowest loss.</summary>
    public static (int Index, double LearningRate) MinimumDividedBy10(IReadOnlyList<double> lrs, IReadOnlyList<double> losses)
    {
        int best = 0;
        for (int i = 1; i < losses.Count; i++)
        {
            if (losses[i] < losses[best])
                best = i;
        }
        return (best, lrs[best] / 10);
    }
}
