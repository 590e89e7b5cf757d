using Microsoft.ML;
using Microsoft.ML.Data;

namespace ML.FastCnn.Tests;

/// <summary>
/// <see cref="FastCnn.EvaluateMultiLabel"/> against values worked out by hand for a tiny case and against a naive
/// re-implementation (counting per threshold instead of sorting once) on random, tied scores.
/// </summary>
[TestClass]
public sealed class MultiLabelEvaluationTests
{
    private const double Tolerance = 1e-9;

    // Three classes a, b, c; four rows. Worked out by hand at 0.5 below.
    private static readonly bool[][] Truth = [[true, false, false], [true, true, false], [false, false, false], [false, false, true]];
    private static readonly float[][] Scores = [[0.9f, 0.2f, 0.6f], [0.4f, 0.7f, 0.1f], [0.6f, 0.3f, 0.2f], [0.1f, 0.8f, 0.7f]];
    private static readonly string[] Names = ["a", "b", "c"];

    private sealed class BoolRow
    {
        [VectorType(3)] public bool[] Label { get; set; } = [];
        [VectorType(3)] public float[] Score { get; set; } = [];
    }

    private sealed class SingleRow
    {
        [VectorType(3)] public float[] Label { get; set; } = [];
        [VectorType(3)] public float[] Score { get; set; } = [];
    }

    private sealed class TagsRow
    {
        public string[] Tags { get; set; } = [];
        [VectorType(3)] public float[] Score { get; set; } = [];
    }

    private static IDataView BoolData(MLContext ml, bool[][] truth, float[][] scores, SchemaDefinition? definition = null) =>
        ml.Data.LoadFromEnumerable(truth.Zip(scores, (t, s) => new BoolRow { Label = t, Score = s }).ToList(), definition);

    [TestMethod]
    public void BooleanLabelsGiveTheHandWorkedMetricsAtOneHalf()
    {
        // a: predicted rows 0, 2 (truth 0, 1) → TP 1, FP 1, FN 1: P = R = F1 = 1/2.
        // b: predicted rows 1, 3 (truth 1)    → TP 1, FP 1, FN 0: P 1/2, R 1, F1 2/3.  c: the same as b.
        // Wrong decisions: 2 + 1 + 1 of 12 → accuracy 2/3. Pooled TP 3, FP 3, FN 1 → micro F1 6/10.
        // AP a: .9 yes (P 1, R 1/2), .6 no, .4 yes (P 2/3, R 1) → 1/2·1 + 1/2·2/3 = 5/6. b: .8 no, .7 yes → 1/2. c: .7 is top → 1.
        var metrics = FastCnn.EvaluateMultiLabel(BoolData(new MLContext(1), Truth, Scores));

        Assert.AreEqual(4, metrics.Rows);
        Assert.AreEqual(2.0 / 3, metrics.AccuracyMulti, Tolerance);
        Assert.AreEqual(0.6, metrics.MicroF1, Tolerance);
        Assert.AreEqual((0.5 + 2.0 / 3 + 2.0 / 3) / 3, metrics.MacroF1, Tolerance);
        Assert.AreEqual((5.0 / 6 + 0.5 + 1) / 3, metrics.MeanAveragePrecision, Tolerance);
        CollectionAssert.AreEqual(new[] { 0.5f, 0.5f, 0.5f }, metrics.Thresholds.ToArray());
        CollectionAssert.AreEqual(new[] { "1", "2", "3" }, metrics.PerClass.Select(c => c.Name).ToArray(), "no slot names: numbered");

        var b = metrics.PerClass[1];
        Assert.AreEqual(0.5, b.Precision, Tolerance);
        Assert.AreEqual(1.0, b.Recall, Tolerance);
        Assert.AreEqual(2.0 / 3, b.F1, Tolerance);
        Assert.AreEqual(0.5, b.AveragePrecision, Tolerance);
        CollectionAssert.AreEqual(new[] { 2, 1, 1 }, metrics.PerClass.Select(c => c.Support).ToArray());
    }

    [TestMethod]
    public void AThresholdArgumentAppliesToEveryClassAndAScoreEqualToItIsNotPredicted()
    {
        var ml = new MLContext(1);

        // At 0.65: a predicts row 0 only (F1 2/3), b rows 1, 3 (2/3), c row 3 only (1).
        var metrics = FastCnn.EvaluateMultiLabel(BoolData(ml, Truth, Scores), threshold: 0.65f);
        Assert.AreEqual((2.0 / 3 + 2.0 / 3 + 1) / 3, metrics.MacroF1, Tolerance);
        Assert.IsTrue(metrics.Thresholds.All(t => t == 0.65f));
        Assert.AreEqual((5.0 / 6 + 0.5 + 1) / 3, metrics.MeanAveragePrecision, Tolerance, "average precision needs no threshold");

        // fast.ai's accuracy_multi predicts when inp > thresh: a score of exactly 0.5 is a no.
        var atHalf = FastCnn.EvaluateMultiLabel(BoolData(ml, [[true, true, true]], [[0.5f, 0.51f, 0.49f]]));
        CollectionAssert.AreEqual(new[] { 0.0, 1.0, 0.0 }, atHalf.PerClass.Select(c => c.Recall).ToArray());
    }

    [TestMethod]
    public void TheModelsThresholdsAndSlotNamesComeFromTheScoreAnnotations()
    {
        var ml = new MLContext(1);
        var definition = SchemaDefinition.Create(typeof(BoolRow));
        definition[nameof(BoolRow.Score)].AddAnnotation("FastCnnThresholds", new VBuffer<float>(3, [0.95f, 0.75f, 0.65f]),
            new VectorDataViewType(NumberDataViewType.Single, 3));
        definition[nameof(BoolRow.Score)].AddAnnotation("SlotNames", new VBuffer<ReadOnlyMemory<char>>(3, [.. Names.Select(n => n.AsMemory())]),
            new VectorDataViewType(TextDataViewType.Instance, 3));
        var data = BoolData(ml, Truth, Scores, definition);

        // a at 0.95 predicts nothing (F1 0); b at 0.75 predicts row 3 only, wrong (F1 0); c at 0.65 predicts row 3, right (F1 1).
        var metrics = FastCnn.EvaluateMultiLabel(data);
        CollectionAssert.AreEqual(new[] { 0.95f, 0.75f, 0.65f }, metrics.Thresholds.ToArray());
        CollectionAssert.AreEqual(Names, metrics.PerClass.Select(c => c.Name).ToArray());
        CollectionAssert.AreEqual(new[] { 0.0, 0.0, 1.0 }, metrics.PerClass.Select(c => c.F1).ToArray());
        Assert.AreEqual(0.0, metrics.PerClass[0].Precision, "no predicted positives: precision 0 (zero_division=0)");
        // Wrong: a 2 (its positives), b 2 (row 1 missed, row 3 wrongly), c 0 → 8 of 12 right.
        Assert.AreEqual(8.0 / 12, metrics.AccuracyMulti, Tolerance);

        var overridden = FastCnn.EvaluateMultiLabel(data, threshold: 0.5f);
        Assert.AreEqual((0.5 + 2.0 / 3 + 2.0 / 3) / 3, overridden.MacroF1, Tolerance, "the argument wins over the model's thresholds");
    }

    [TestMethod]
    public void KeyVectorsFromMapValueToKeyGiveTheSameMetricsAndNameTheClasses()
    {
        var ml = new MLContext(1);
        var rows = Truth.Zip(Scores, (t, s) => new TagsRow { Tags = [.. Names.Where((_, c) => t[c])], Score = s }).ToList();
        var data = ml.Data.LoadFromEnumerable(rows);
        var keyed = ml.Transforms.Conversion.MapValueToKey("Label", nameof(TagsRow.Tags), keyOrdinality: Microsoft.ML.Transforms.ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
            .Fit(data).Transform(data);

        var fromKeys = FastCnn.EvaluateMultiLabel(keyed);
        var fromBooleans = FastCnn.EvaluateMultiLabel(BoolData(ml, Truth, Scores));

        CollectionAssert.AreEqual(Names, fromKeys.PerClass.Select(c => c.Name).ToArray(), "the label's key values name the classes");
        Assert.AreEqual(fromBooleans.AccuracyMulti, fromKeys.AccuracyMulti, Tolerance);
        Assert.AreEqual(fromBooleans.MicroF1, fromKeys.MicroF1, Tolerance);
        Assert.AreEqual(fromBooleans.MeanAveragePrecision, fromKeys.MeanAveragePrecision, Tolerance);
        CollectionAssert.AreEqual(fromBooleans.PerClass.Select(c => c with { Name = "" }).ToArray(), fromKeys.PerClass.Select(c => c with { Name = "" }).ToArray());
    }

    [TestMethod]
    public void LabelsTheKeyMappingDoesNotKnowAreIgnored()
    {
        var ml = new MLContext(1);
        var training = ml.Data.LoadFromEnumerable(new[] { new TagsRow { Tags = ["a", "b", "c"], Score = [0, 0, 0] } });
        var mapping = ml.Transforms.Conversion.MapValueToKey("Label", nameof(TagsRow.Tags)).Fit(training);
        var scored = ml.Data.LoadFromEnumerable(new[] { new TagsRow { Tags = ["a", "zebra"], Score = [0.9f, 0.1f, 0.1f] } });

        var metrics = FastCnn.EvaluateMultiLabel(mapping.Transform(scored));

        Assert.AreEqual(1.0, metrics.AccuracyMulti, Tolerance, "'zebra' maps to the missing key 0, which is no class");
        CollectionAssert.AreEqual(new[] { 1, 0, 0 }, metrics.PerClass.Select(c => c.Support).ToArray());
        Assert.IsTrue(double.IsNaN(metrics.PerClass[1].AveragePrecision), "no positives: no precision-recall curve");
        Assert.AreEqual(1.0, metrics.MeanAveragePrecision, Tolerance, "the mean is over classes with positives");
    }

    [TestMethod]
    public void SingleLabelsAreYesAboveOneHalf()
    {
        var ml = new MLContext(1);
        var rows = Truth.Zip(Scores, (t, s) => new SingleRow { Label = [.. t.Select(y => y ? 0.9f : 0.2f)], Score = s }).ToList();

        var fromSingles = FastCnn.EvaluateMultiLabel(ml.Data.LoadFromEnumerable(rows));

        Assert.AreEqual(FastCnn.EvaluateMultiLabel(BoolData(ml, Truth, Scores)).MacroF1, fromSingles.MacroF1, Tolerance);
    }

    [TestMethod]
    public void RandomTiedScoresMatchANaiveReimplementation()
    {
        var random = new Random(7);
        const int rows = 60, classes = 5;
        // Scores on a 0.1 grid, so that many tie; class 4 rare, class 3 never present.
        var truth = Enumerable.Range(0, rows).Select(_ => Enumerable.Range(0, classes).Select(c => c switch
        {
            3 => false,
            4 => random.NextDouble() < 0.05,
            _ => random.NextDouble() < 0.3 + 0.1 * c,
        }).ToArray()).ToArray();
        var scores = truth.Select(t => t.Select(y => (float)Math.Round(Math.Clamp(random.NextDouble() * 0.7 + (y ? 0.25 : 0), 0, 1), 1)).ToArray()).ToArray();
        float[] thresholds = [0.3f, 0.5f, 0.55f, 0.5f, 0.2f];

        var metrics = MultiLabelEvaluator.Evaluate(ReadBack(truth, scores), thresholds);

        int right = 0, pooledTp = 0, pooledFp = 0, pooledFn = 0;
        var f1s = new List<double>();
        var aps = new List<double>();
        for (int c = 0; c < classes; c++)
        {
            int tp = 0, fp = 0, fn = 0;
            for (int r = 0; r < rows; r++)
            {
                bool yes = scores[r][c] > thresholds[c];
                right += yes == truth[r][c] ? 1 : 0;
                tp += yes && truth[r][c] ? 1 : 0;
                fp += yes && !truth[r][c] ? 1 : 0;
                fn += !yes && truth[r][c] ? 1 : 0;
            }
            (pooledTp, pooledFp, pooledFn) = (pooledTp + tp, pooledFp + fp, pooledFn + fn);
            double precision = tp + fp == 0 ? 0 : (double)tp / (tp + fp), recall = tp + fn == 0 ? 0 : (double)tp / (tp + fn);
            double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            f1s.Add(f1);
            Assert.AreEqual(precision, metrics.PerClass[c].Precision, Tolerance);
            Assert.AreEqual(recall, metrics.PerClass[c].Recall, Tolerance);
            Assert.AreEqual(f1, metrics.PerClass[c].F1, Tolerance);

            double ap = NaiveAveragePrecision(scores.Select(s => s[c]).ToArray(), truth.Select(t => t[c]).ToArray());
            if (!double.IsNaN(ap))
                aps.Add(ap);
            Assert.AreEqual(ap, metrics.PerClass[c].AveragePrecision, Tolerance, $"class {c}");
        }

        Assert.AreEqual((double)right / (rows * classes), metrics.AccuracyMulti, Tolerance);
        Assert.AreEqual(2.0 * pooledTp / (2 * pooledTp + pooledFp + pooledFn), metrics.MicroF1, Tolerance);
        Assert.AreEqual(f1s.Average(), metrics.MacroF1, Tolerance);
        Assert.AreEqual(aps.Average(), metrics.MeanAveragePrecision, Tolerance);
        Assert.AreEqual(4, aps.Count, "class 3 has no positives and is left out of the mean");
    }

    [TestMethod]
    public void AveragePrecisionMatchesScikitLearnsExamples()
    {
        // sklearn.metrics.average_precision_score's documented example.
        Assert.AreEqual(0.8333333333, AveragePrecision.Of([0.1f, 0.4f, 0.35f, 0.8f], [false, false, true, true]), 1e-9);
        // Ties enter together: three rows at 0.5 (two positives) are one point, P 2/3 at R 1 — not 1 then 2/3.
        Assert.AreEqual(2.0 / 3, AveragePrecision.Of([0.5f, 0.5f, 0.5f, 0.2f], [true, false, true, false]), 1e-9);
        Assert.IsTrue(double.IsNaN(AveragePrecision.Of([0.5f, 0.2f], [false, false])));
    }

    [TestMethod]
    public void MissingColumnsWrongTypesAndMismatchedSizesSayWhatToChange()
    {
        var ml = new MLContext(1);
        var data = BoolData(ml, Truth, Scores);

        var missing = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => FastCnn.EvaluateMultiLabel(data, labelColumnName: "Tags"));
        StringAssert.Contains(missing.Message, "'Tags'");
        StringAssert.Contains(missing.Message, "its columns: Label, Score");

        var text = ml.Data.LoadFromEnumerable(new[] { new ImageRow { ImagePath = "x.png", Label = "a" } });
        var wrongType = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => FastCnn.EvaluateMultiLabel(text, scoreColumnName: "Label"));
        StringAssert.Contains(wrongType.Message, "vector of Single of known size");

        var keyed = ml.Transforms.Conversion.MapValueToKey("Label", nameof(TagsRow.Tags))
            .Fit(ml.Data.LoadFromEnumerable(new[] { new TagsRow { Tags = ["a", "b"], Score = [0, 0, 0] } }));
        var twoClasses = keyed.Transform(ml.Data.LoadFromEnumerable(new[] { new TagsRow { Tags = ["a"], Score = [0.1f, 0.2f, 0.3f] } }));
        var mismatch = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => FastCnn.EvaluateMultiLabel(twoClasses));
        StringAssert.Contains(mismatch.Message, "2 classes");
        StringAssert.Contains(mismatch.Message, "has 3");
        StringAssert.Contains(mismatch.Message, "MapValueToKey transformer fitted on the training data");

        var notALabel = ml.Data.LoadFromEnumerable(new[] { new TagsRow { Tags = ["a"], Score = [0.1f, 0.2f, 0.3f] } });
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => FastCnn.EvaluateMultiLabel(notALabel, labelColumnName: "Tags")).Message,
            "a vector of keys (MapValueToKey over a string[] column)");

        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => FastCnn.EvaluateMultiLabel(BoolData(ml, [], []))).Message, "has no rows");
    }

    [TestMethod]
    public void ALabelWhoseClassesDifferFromTheScoresIsRefused()
    {
        var ml = new MLContext(1);
        var definition = SchemaDefinition.Create(typeof(TagsRow));
        definition[nameof(TagsRow.Score)].AddAnnotation("SlotNames", new VBuffer<ReadOnlyMemory<char>>(3, [.. new[] { "a", "c", "b" }.Select(n => n.AsMemory())]),
            new VectorDataViewType(TextDataViewType.Instance, 3));
        var data = ml.Data.LoadFromEnumerable(new[] { new TagsRow { Tags = ["a", "b", "c"], Score = [0.1f, 0.2f, 0.3f] } }, definition);
        var keyed = ml.Transforms.Conversion.MapValueToKey("Label", nameof(TagsRow.Tags), keyOrdinality: Microsoft.ML.Transforms.ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
            .Fit(data).Transform(data);

        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => FastCnn.EvaluateMultiLabel(keyed));

        StringAssert.Contains(e.Message, "slot 1: 'b' in the label, 'c' in the score");
    }

    /// <summary>The rows as the evaluator reads them from a data view.</summary>
    private static MultiLabelRows ReadBack(bool[][] truth, float[][] scores)
    {
        var definition = SchemaDefinition.Create(typeof(BoolRow));
        int classes = truth[0].Length;
        definition[nameof(BoolRow.Label)].ColumnType = new VectorDataViewType(BooleanDataViewType.Instance, classes);
        definition[nameof(BoolRow.Score)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, classes);
        return MultiLabelRows.Read(BoolData(new MLContext(1), truth, scores, definition), "Label", "Score");
    }

    /// <summary>
    /// AP from the precision-recall curve computed point by point: for each distinct score, from the highest, count the
    /// rows scored at least that high and the positives among them, and add (recall step) × precision.
    /// </summary>
    private static double NaiveAveragePrecision(float[] scores, bool[] positives)
    {
        int total = positives.Count(p => p);
        if (total == 0)
            return double.NaN;
        double ap = 0, previousRecall = 0;
        foreach (float threshold in scores.Distinct().OrderByDescending(s => s))
        {
            int predicted = scores.Count(s => s >= threshold);
            int found = scores.Where((s, i) => s >= threshold && positives[i]).Count();
            double recall = (double)found / total;
            ap += (recall - previousRecall) * found / predicted;
            previousRecall = recall;
        }
        return ap;
    }
}
