namespace ML.FastCnn;

/// <summary>fast.ai's <c>fit_one_cycle</c> schedule; see <see cref="LearningRateSchedule.OneCycle"/>.</summary>
internal sealed class OneCycleSchedule : LearningRateSchedule
{
    private readonly Func<double, double> _learningRate;
    private readonly Func<double, double> _momentum;

    public OneCycleSchedule(double warmupFraction, double divFactor, double finalDivFactor, double maxMomentum, double minMomentum)
    {
        if (!(warmupFraction > 0 && warmupFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(warmupFraction), $"The warm-up fraction must be between 0 and 1 (was {warmupFraction}).");
        if (!(divFactor >= 1) || !(finalDivFactor >= 1))
            throw new ArgumentOutOfRangeException(nameof(divFactor), $"The div factors must be 1 or more (were {divFactor} and {finalDivFactor}).");
        if (!(maxMomentum is >= 0 and < 1) || !(minMomentum is >= 0 and < 1))
            throw new ArgumentOutOfRangeException(nameof(maxMomentum), $"Momentums must be in [0, 1) (were {maxMomentum} and {minMomentum}).");

        double[] phases = [warmupFraction, 1 - warmupFraction];
        _learningRate = Annealing.Combine(phases, [Annealing.Cosine(1 / divFactor, 1), Annealing.Cosine(1, 1 / finalDivFactor)]);
        _momentum = Annealing.Combine(phases, [Annealing.Cosine(maxMomentum, minMomentum), Annealing.Cosine(minMomentum, maxMomentum)]);
    }

    public override double LearningRateFactor(double progress) => _learningRate(progress);

    public override double? Momentum(double progress) => _momentum(progress);
}
