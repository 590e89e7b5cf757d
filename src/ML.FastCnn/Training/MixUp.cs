namespace ML.FastCnn;

/// <summary>
/// MixUp (Zhang et al. 2018, fast.ai's <c>MixUp</c> callback): each training batch is blended with a
/// shuffled copy of itself, x = λ·x + (1 − λ)·x[perm], and the loss is blended the same way between the
/// two label sets. λ is drawn from Beta(α, α) and kept at or above ½ (fast.ai), so every blend is
/// mostly its own image. Pure: the draw is fixed by the random source it is given.
/// </summary>
internal static class MixUp
{
    /// <summary>λ and the permutation for one batch of <paramref name="count"/> rows.</summary>
    public static (double Lambda, long[] Permutation) Draw(Random random, double alpha, int count)
    {
        double lambda = Beta(random, alpha);
        var permutation = Enumerable.Range(0, count).Select(i => (long)i).ToArray();
        random.Shuffle(permutation);
        return (Math.Max(lambda, 1 - lambda), permutation);
    }

    /// <summary>Beta(α, α) as X / (X + Y) with X, Y ~ Gamma(α, 1).</summary>
    internal static double Beta(Random random, double alpha)
    {
        double x = Gamma(random, alpha), y = Gamma(random, alpha);
        return x + y == 0 ? 0.5 : x / (x + y);
    }

    /// <summary>Gamma(shape, 1) by Marsaglia and Tsang (2000); shapes below 1 through Gamma(shape + 1)·U^(1/shape).</summary>
    private static double Gamma(Random random, double shape)
    {
        if (shape < 1)
            return Gamma(random, shape + 1) * Math.Pow(1 - random.NextDouble(), 1 / shape);
        double d = shape - 1.0 / 3, c = 1 / Math.Sqrt(9 * d);
        while (true)
        {
            double x, v;
            do
            {
                x = Normal(random);
                v = 1 + c * x;
            }
            while (v <= 0);
            v = v * v * v;
            double u = 1 - random.NextDouble();
            if (Math.Log(u) < 0.5 * x * x + d * (1 - v + Math.Log(v)))
                return d * v;
        }
    }

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
