namespace ML.FastCnn;

/// <summary>
/// Annealing functions of training progress (0 at the first batch, 1 at the end), as fast.ai's
/// <c>sched_*</c> and <c>combine_scheds</c>: building blocks of <see cref="LearningRateSchedule"/>.
/// </summary>
public static class Annealing
{
    /// <summary>Always <paramref name="value"/> (fast.ai <c>SchedNo</c>).</summary>
    public static Func<double, double> Constant(double value) => _ => value;

    /// <summary>Straight line from <paramref name="start"/> to <paramref name="end"/> (fast.ai <c>SchedLin</c>).</summary>
    public static Func<double, double> Linear(double start, double end) => p => start + p * (end - start);

    /// <summary>Half a cosine from <paramref name="start"/> to <paramref name="end"/> (fast.ai <c>SchedCos</c>).</summary>
    public static Func<double, double> Cosine(double start, double end) =>
        p => start + (1 + Math.Cos(Math.PI * (1 - p))) * (end - start) / 2;

    /// <summary>Geometric from <paramref name="start"/> to <paramref name="end"/>, both &gt; 0 (fast.ai <c>SchedExp</c>).</summary>
    public static Func<double, double> Exponential(double start, double end) => p => start * Math.Pow(end / start, p);

    /// <summary>
    /// Runs <paramref name="schedules"/> one after the other, each over its fraction of training
    /// (fast.ai <c>combine_scheds</c>); the fractions must be positive and add up to 1.
    /// </summary>
    public static Func<double, double> Combine(IReadOnlyList<double> fractions, IReadOnlyList<Func<double, double>> schedules)
    {
        ArgumentNullException.ThrowIfNull(fractions);
        ArgumentNullException.ThrowIfNull(schedules);
        if (fractions.Count != schedules.Count || fractions.Count == 0)
            throw new ArgumentException($"Combine needs one fraction per schedule (got {fractions.Count} fractions for {schedules.Count} schedules).", nameof(fractions));
        if (fractions.Any(f => f <= 0) || Math.Abs(fractions.Sum() - 1) > 1e-9)
            throw new ArgumentException($"The fractions must be positive and add up to 1 (were {string.Join(", ", fractions)}).", nameof(fractions));

        var starts = new double[fractions.Count + 1];
        for (int i = 0; i < fractions.Count; i++)
            starts[i + 1] = starts[i] + fractions[i];
        return p =>
        {
            if (p >= 1)
                return schedules[^1](1);
            int i = 0;
            while (i < fractions.Count - 1 && p >= starts[i + 1])
                i++;
            return schedules[i]((p - starts[i]) / (starts[i + 1] - starts[i]));
        };
    }
}
