namespace ML.FastCnn;

/// <summary>
/// How the learning rate (and momentum) change over one call to fit: pure functions of training
/// progress, 0 at the first batch and 1 after the last. The learning rate at progress p is
/// <c>peak × <see cref="LearningRateFactor"/>(p)</c> for every layer group's peak rate.
/// </summary>
public abstract class LearningRateSchedule
{
    private protected LearningRateSchedule()
    {
    }

    /// <summary>Multiplier of the peak learning rate at <paramref name="progress"/> ∈ [0, 1].</summary>
    public abstract double LearningRateFactor(double progress);

    /// <summary>
    /// Momentum (SGD) or Adam's β1 at <paramref name="progress"/>, or <see langword="null"/> to
    /// leave the optimizer's own (0.9).
    /// </summary>
    public virtual double? Momentum(double progress) => null;

    /// <summary>
    /// The number of epochs the schedule is made for, when it fixes one (SGDR); otherwise
    /// <see langword="null"/> and the caller's epoch count applies.
    /// </summary>
    public virtual int? Epochs => null;

    /// <summary>
    /// fast.ai's one-cycle policy (Smith 2018; fastai v2 defaults): the learning rate rises along a
    /// cosine from peak/<paramref name="divFactor"/> to the peak over the first
    /// <paramref name="warmupFraction"/> of training, then falls along a cosine to
    /// peak/<paramref name="finalDivFactor"/>; momentum goes the opposite way,
    /// <paramref name="maxMomentum"/> → <paramref name="minMomentum"/> → <paramref name="maxMomentum"/>.
    /// </summary>
    /// <param name="warmupFraction">fast.ai <c>pct_start</c>, in (0, 1). Default 0.25.</param>
    /// <param name="divFactor">fast.ai <c>div</c>, ≥ 1. Default 25.</param>
    /// <param name="finalDivFactor">fast.ai <c>div_final</c>, ≥ 1. Default 1e5.</param>
    /// <param name="maxMomentum">First and last momentum (fast.ai <c>moms[0]</c>). Default 0.95.</param>
    /// <param name="minMomentum">Momentum at the peak learning rate (fast.ai <c>moms[1]</c>). Default 0.85.</param>
    public static LearningRateSchedule OneCycle(double warmupFraction = 0.25, double divFactor = 25, double finalDivFactor = 1e5,
        double maxMomentum = 0.95, double minMomentum = 0.85) =>
        new OneCycleSchedule(warmupFraction, divFactor, finalDivFactor, maxMomentum, minMomentum);

    /// <summary>
    /// Stochastic gradient descent with warm restarts (Loshchilov and Hutter 2016), as fast.ai v0.7's
    /// <c>fit(lr, n_cycle, cycle_len, cycle_mult)</c>: <paramref name="cycles"/> cosine decays from
    /// the peak to 0, the first <paramref name="cycleLength"/> epochs long, each next one
    /// <paramref name="cycleMultiplier"/> times longer; the first 1/20 of the first cycle runs at
    /// peak/100 to warm up. Fixes <see cref="Epochs"/> to cycleLength·(1 + mult + … + mult^(cycles−1)).
    /// </summary>
    /// <param name="cycles">Number of cycles (fast.ai <c>n_cycle</c>), ≥ 1.</param>
    /// <param name="cycleLength">Epochs in the first cycle (fast.ai <c>cycle_len</c>), ≥ 1. Default 1.</param>
    /// <param name="cycleMultiplier">Growth of each next cycle (fast.ai <c>cycle_mult</c>), ≥ 1. Default 2.</param>
    public static LearningRateSchedule Sgdr(int cycles, int cycleLength = 1, int cycleMultiplier = 2) =>
        new SgdrSchedule(cycles, cycleLength, cycleMultiplier);

    /// <summary>The peak learning rate throughout.</summary>
    public static LearningRateSchedule Constant { get; } = new CustomSchedule(_ => 1, null);

    /// <summary>
    /// A schedule of your own: <paramref name="learningRateFactor"/> maps progress ∈ [0, 1] to a
    /// multiplier of the peak learning rate; <paramref name="momentum"/> optionally to a momentum / β1.
    /// </summary>
    public static LearningRateSchedule Custom(Func<double, double> learningRateFactor, Func<double, double>? momentum = null)
    {
        ArgumentNullException.ThrowIfNull(learningRateFactor);
        return new CustomSchedule(learningRateFactor, momentum);
    }
}
