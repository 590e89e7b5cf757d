namespace ML.FastCnn.Tests;

/// <summary>Schedules against fast.ai's formulas, written out here independently.</summary>
[TestClass]
public sealed class ScheduleTests
{
    private const double Tolerance = 1e-12;

    // fast.ai: SchedCos(start, end)(pos) = start + (1 + cos(pi * (1 - pos))) * (end - start) / 2
    private static double FastAiCos(double start, double end, double pos) => start + (1 + Math.Cos(Math.PI * (1 - pos))) * (end - start) / 2;

    [TestMethod]
    public void BasicAnnealersHitTheirEnds()
    {
        Assert.AreEqual(2, Annealing.Cosine(2, 8)(0), Tolerance);
        Assert.AreEqual(5, Annealing.Cosine(2, 8)(0.5), Tolerance);
        Assert.AreEqual(8, Annealing.Cosine(2, 8)(1), Tolerance);
        Assert.AreEqual(3.5, Annealing.Linear(2, 8)(0.25), Tolerance);
        Assert.AreEqual(1e-4, Annealing.Exponential(1e-7, 10)(0.375), 1e-16);
        Assert.AreEqual(7, Annealing.Constant(7)(0.3), Tolerance);
    }

    [TestMethod]
    public void OneCycleFollowsFastAiV2Defaults()
    {
        var schedule = LearningRateSchedule.OneCycle();

        // start: lr_max/div (div = 25), momentum 0.95
        Assert.AreEqual(1 / 25.0, schedule.LearningRateFactor(0), Tolerance);
        Assert.AreEqual(0.95, schedule.Momentum(0)!.Value, Tolerance);
        // peak at pct_start = 0.25: lr_max, momentum 0.85
        Assert.AreEqual(1, schedule.LearningRateFactor(0.25), Tolerance);
        Assert.AreEqual(0.85, schedule.Momentum(0.25)!.Value, Tolerance);
        // warm-up and annealing follow cosines
        Assert.AreEqual(FastAiCos(1 / 25.0, 1, 0.4), schedule.LearningRateFactor(0.1), Tolerance);
        Assert.AreEqual(FastAiCos(1, 1e-5, 0.5), schedule.LearningRateFactor(0.625), Tolerance);
        Assert.AreEqual(FastAiCos(0.85, 0.95, 0.5), schedule.Momentum(0.625)!.Value, Tolerance);
        // end: lr_max/div_final (1e5), momentum back to 0.95
        Assert.AreEqual(1e-5, schedule.LearningRateFactor(1), Tolerance);
        Assert.AreEqual(0.95, schedule.Momentum(1)!.Value, Tolerance);
        Assert.IsNull(schedule.Epochs);
    }

    [TestMethod]
    public void OneCycleTakesFineTunesSettings()
    {
        var schedule = LearningRateSchedule.OneCycle(warmupFraction: 0.3, divFactor: 5);

        Assert.AreEqual(0.2, schedule.LearningRateFactor(0), Tolerance);
        Assert.AreEqual(1, schedule.LearningRateFactor(0.3), Tolerance);
    }

    [TestMethod]
    public void SgdrRestartsAtEachCycleAndGrowsCycles()
    {
        // fast.ai v0.7 fit(lr, 3, cycle_len=1, cycle_mult=2): cycles of 1, 2 and 4 epochs = 7 epochs.
        var schedule = LearningRateSchedule.Sgdr(cycles: 3, cycleLength: 1, cycleMultiplier: 2);
        double AtEpoch(double epoch) => schedule.LearningRateFactor(epoch / 7);
        // CosAnneal: lr/2 * (cos(pi * t) + 1), t = position within the cycle
        static double Cos(double t) => (Math.Cos(Math.PI * t) + 1) / 2;

        Assert.AreEqual(7, schedule.Epochs);
        Assert.AreEqual(0.01, AtEpoch(0), Tolerance);           // warm-up: lr/100 for the first 1/20 of cycle 1
        Assert.AreEqual(0.01, AtEpoch(0.049), Tolerance);
        Assert.AreEqual(Cos(0.05), AtEpoch(0.05), Tolerance);
        Assert.AreEqual(Cos(0.5), AtEpoch(0.5), Tolerance);
        Assert.AreEqual(Cos(0.999), AtEpoch(0.999), 1e-9);      // nearly 0 just before the restart
        Assert.AreEqual(1, AtEpoch(1), Tolerance);              // restart
        Assert.AreEqual(0.5, AtEpoch(2), Tolerance);            // middle of the 2-epoch cycle
        Assert.AreEqual(1, AtEpoch(3), Tolerance);              // restart of the 4-epoch cycle
        Assert.AreEqual(Cos(0.25), AtEpoch(4), Tolerance);
        Assert.AreEqual(0, AtEpoch(7), Tolerance);              // end
        Assert.IsNull(schedule.Momentum(0.5));
    }

    [TestMethod]
    public void CombineRunsSchedulesInTurn()
    {
        var combined = Annealing.Combine([0.5, 0.5], [Annealing.Linear(0, 1), Annealing.Constant(3)]);

        Assert.AreEqual(0.5, combined(0.25), Tolerance);
        Assert.AreEqual(3, combined(0.5), Tolerance);
        Assert.AreEqual(3, combined(1), Tolerance);
        var e = Assert.ThrowsExactly<ArgumentException>(() => Annealing.Combine([0.5, 0.4], [Annealing.Constant(1), Annealing.Constant(2)]));
        StringAssert.Contains(e.Message, "add up to 1");
    }

    [TestMethod]
    public void CustomScheduleUsesTheGivenFunctions()
    {
        var schedule = LearningRateSchedule.Custom(p => 1 - p, p => 0.9 - p / 10);

        Assert.AreEqual(0.75, schedule.LearningRateFactor(0.25), Tolerance);
        Assert.AreEqual(0.875, schedule.Momentum(0.25)!.Value, Tolerance);
        Assert.AreEqual(1, LearningRateSchedule.Constant.LearningRateFactor(0.7), Tolerance);
    }

    [TestMethod]
    public void BadScheduleSettingsAreNamed()
    {
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LearningRateSchedule.OneCycle(warmupFraction: 1.5)).Message, "(was 1.5)");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LearningRateSchedule.Sgdr(0)).Message, "cycles ≥ 1");
    }

    [TestMethod]
    public void DiscriminativeRatesSpreadGeometricallyOverGroups()
    {
        CollectionAssert.AreEqual(new[] { 1e-4, 1e-3, 1e-2 }, Rounded(LearningRates.Range(1e-4, 1e-2).ForGroups(3)));
        CollectionAssert.AreEqual(new[] { 1e-4, 1e-4, 1e-3 }, Rounded(LearningRates.Head(1e-3).ForGroups(3)));
        CollectionAssert.AreEqual(new[] { 3e-3, 3e-3, 3e-3 }, ((LearningRates)3e-3).ForGroups(3));
        CollectionAssert.AreEqual(new[] { 1e-4, 1e-3, 1e-2 }, LearningRates.PerGroup(1e-4, 1e-3, 1e-2).ForGroups(3));

        var e = Assert.ThrowsExactly<ArgumentException>(() => LearningRates.PerGroup(1, 2, 3, 4).ForGroups(3));
        StringAssert.Contains(e.Message, "Trying to set 4 learning rates, but the network has 3 layer groups");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LearningRates.Single(-1));
    }

    private static double[] Rounded(double[] values) => values.Select(v => Math.Round(v, 12)).ToArray();
}

/// <summary>fast.ai's learning-rate suggestions on curves whose answer is known by construction.</summary>
[TestClass]
public sealed class LearningRateSuggestionTests
{
    private static readonly double[] Lrs = Enumerable.Range(0, 12).Select(i => Math.Pow(10, -6 + i * 0.5)).ToArray();

    [TestMethod]
    public void ValleyLiesInTheLongestDescent()
    {
        // The longest decreasing subsequence is 3.0 (skipping 3.1), 2.9 … 1.0: indices 0..8, 8 points.
        // fast.ai: max_start = max_end - lds = 8 - 8 = 0, sections = 8 / 3 = 2.67, idx = 0 + 2 + int(1.33) = 3.
        double[] losses = [3.0, 3.1, 2.9, 2.5, 2.0, 1.6, 1.3, 1.1, 1.0, 1.5, 3.0, 6.0];

        var (index, lr) = LearningRateSuggestions.Valley(Lrs, losses);

        Assert.AreEqual(3, index);
        Assert.AreEqual(Lrs[3], lr);
    }

    [TestMethod]
    public void ValleyOfACurveThatFallsOnceThenRisesIsItsFirstPoint()
    {
        // The longest descent is indices 0..1; fastai's formula gives index −1 here (max_start = 1 − 2).
        double[] losses = [3.0, 2.9, 3.5, 4.0, 4.5, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 12.0];

        var (index, lr) = LearningRateSuggestions.Valley(Lrs, losses);

        Assert.AreEqual(0, index);
        Assert.AreEqual(Lrs[0], lr);
    }

    [TestMethod]
    public void SteepIsTheSharpestFall()
    {
        double[] losses = [3.0, 2.9, 2.8, 2.0, 1.9, 1.8, 1.7, 1.6, 1.5, 2.0, 3.0, 4.0]; // biggest drop: 2.8 → 2.0

        Assert.AreEqual(2, LearningRateSuggestions.Steep(Lrs, losses).Index);
    }

    [TestMethod]
    public void MinimumIsATenthOfTheLowestLossRate()
    {
        double[] losses = [3.0, 2.9, 2.8, 2.0, 1.9, 1.8, 1.7, 1.6, 1.5, 2.0, 3.0, 4.0];

        var (index, lr) = LearningRateSuggestions.MinimumDividedBy10(Lrs, losses);

        Assert.AreEqual(8, index);
        Assert.AreEqual(Lrs[8] / 10, lr, 1e-20);
    }
}
