namespace ML.FastCnn.Tests;

/// <summary>Per-class thresholds chosen for F1 on validation rows (<see cref="ThresholdTuning"/>).</summary>
[TestClass]
public sealed class ThresholdTuningTests
{
    [TestMethod]
    public void AClassWhosePositivesAllScoreLowGetsAThresholdBelowThem()
    {
        // Class 0: positives at 0.3, negatives at 0.1 — any threshold in [0.1, 0.3) separates them.
        // Class 1: positives at 0.8, negatives at 0.2 — 0.5 already separates them and stays.
        float[][] probabilities = [[0.3f, 0.8f], [0.3f, 0.2f], [0.1f, 0.8f], [0.1f, 0.2f], [0.3f, 0.2f]];
        bool[][] truth = [[true, true], [true, false], [false, true], [false, false], [true, false]];

        var thresholds = ThresholdTuning.PerClass(probabilities, truth);

        Assert.IsTrue(thresholds[0] <= 0.3f, $"was {thresholds[0]}");
        Assert.AreEqual(0.29f, thresholds[0], "the best F1 ties over [0.1, 0.3); 0.29 is closest to 0.5");
        Assert.AreEqual(0.5f, thresholds[1], "ties keep the threshold closest to 0.5");
        Assert.AreEqual(1.0, MultiLabelEvaluator.Count([0.3f, 0.3f, 0.1f, 0.1f, 0.3f], [true, true, false, false, true], thresholds[0]).F1);
    }

    [TestMethod]
    public void AClassWithoutPositivesKeepsOneHalf()
    {
        var thresholds = ThresholdTuning.PerClass([[0.9f, 0.2f], [0.7f, 0.6f]], [[false, true], [false, false]]);

        Assert.AreEqual(0.5f, thresholds[0]);
    }

    [TestMethod]
    public void TunedThresholdsNeverGiveALowerF1ThanOneHalfAndRepeat()
    {
        for (int seed = 0; seed < 20; seed++)
        {
            var random = new Random(seed);
            int rows = random.Next(5, 80), classes = random.Next(1, 6);
            var truth = Enumerable.Range(0, rows).Select(_ => Enumerable.Range(0, classes).Select(c => random.NextDouble() < 0.1 + 0.15 * c).ToArray()).ToArray();
            // Noisy scores, each class shifted differently, so the best threshold is rarely 0.5.
            var probabilities = truth.Select(t => t.Select((y, c) => (float)Math.Clamp(random.NextDouble() * 0.6 + (y ? 0.3 : 0) - 0.1 * c, 0, 1)).ToArray()).ToArray();

            var thresholds = ThresholdTuning.PerClass(probabilities, truth);

            CollectionAssert.AreEqual(thresholds, ThresholdTuning.PerClass(probabilities, truth), "deterministic");
            for (int c = 0; c < classes; c++)
            {
                var scores = probabilities.Select(p => p[c]).ToArray();
                var positives = truth.Select(t => t[c]).ToArray();
                double tuned = MultiLabelEvaluator.Count(scores, positives, thresholds[c]).F1, half = MultiLabelEvaluator.Count(scores, positives, 0.5f).F1;
                Assert.IsTrue(tuned >= half, $"seed {seed}, class {c}: F1 {tuned} at {thresholds[c]} < {half} at 0.5");
                Assert.IsTrue(thresholds[c] is >= 0.05f and <= 0.95f);
            }
        }
    }

    [TestMethod]
    public void RowsOfDifferentLengthsAreRefused()
    {
        var e = Assert.ThrowsExactly<ArgumentException>(() => ThresholdTuning.PerClass([[0.1f, 0.2f], [0.3f]], [[true, false], [true]]));

        StringAssert.Contains(e.Message, "Row 1");
    }
}
