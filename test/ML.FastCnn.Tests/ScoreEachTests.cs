using Microsoft.ML;
using Microsoft.ML.Data;

namespace ML.FastCnn.Tests;

/// <summary>
/// <see cref="FastCnn.ScoreEach{TRow}"/> for every task, on untrained networks (random weights: no epoch, seconds): each
/// <see cref="ImageScore"/> says what the model's own columns say — the most probable class; each class's probability and
/// the classes above their thresholds; the value or values.
/// </summary>
[TestClass]
public sealed class ScoreEachTests
{
    private static readonly GeneratedImages s_images = GeneratedImages.ForClass("score-each");

    /// <summary>A model of the task the label column of <paramref name="rows"/> asks for, straight from a learner (no training).</summary>
    private static (ITransformer Model, FastCnnTransformer FastCnn) Untrained<TRow>(MLContext ml, IEnumerable<TRow> rows, IEstimator<ITransformer> preprocessing)
        where TRow : class
    {
        var raw = ml.Data.LoadFromEnumerable(rows);
        var fitted = preprocessing.Fit(raw);
        var options = TestData.TinyOptions();
        using var learner = FastCnnLearner.Create(ml, fitted.Transform(raw), options.Learner);
        // The network itself scores: the faster engines' self-check (an ONNX export, a folded copy) would take longer than the test.
        var fastCnn = learner.ToTransformer(new FastCnnTransformer.Options { Threshold = 0.5f, BatchSize = 8, Engine = ScoringEngine.Reference });
        return (fitted.Append(fastCnn), fastCnn);
    }

    private static IEstimator<ITransformer> LoadImages(MLContext ml) => ml.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: "ImagePath");

    [TestMethod]
    public void ASingleLabelScoreIsTheMostProbableClass()
    {
        var ml = new MLContext(seed: 1);
        var rows = s_images.Write("single", perClass: 2, seed: 1);
        var (model, fastCnn) = Untrained(ml, rows, TestData.Preprocessing(ml));
        using var _ = fastCnn;

        var scores = FastCnn.ScoreEach(ml, model, rows);

        var expected = model.Transform(ml.Data.LoadFromEnumerable(rows)).GetColumn<float[]>("Score").ToList();
        for (int i = 0; i < rows.Count; i++)
        {
            Assert.AreEqual(ImageTask.SingleLabel, scores[i].Task);
            CollectionAssert.AreEqual(expected[i], scores[i].Probabilities.Values.ToArray(), $"image {i}");
            int best = Array.IndexOf(expected[i], expected[i].Max());
            Assert.AreEqual(fastCnn.ClassNames[best], scores[i].PredictedLabel);
            CollectionAssert.AreEqual(new[] { fastCnn.ClassNames[best] }, scores[i].PredictedLabels.ToArray());
            Assert.AreEqual(0, scores[i].Values.Count);
            Assert.IsNull(scores[i].Value);
        }
    }

    [TestMethod]
    public void AMultiLabelScoreNamesTheClassesAboveTheirThresholds()
    {
        var ml = new MLContext(seed: 1);
        var rows = s_images.WriteMultiLabel("multi", 8, seed: 2);
        var (model, fastCnn) = Untrained(ml, rows, ml.Transforms.Conversion.MapValueToKey("Label", "Labels").Append(LoadImages(ml)));
        // Thresholds apart from 0.5, so that every class has a chance to be above and below its own.
        var thresholds = new[] { 0.3f, 0.5f, 0.7f };
        using var original = fastCnn;
        using var withThresholds = fastCnn.WithThresholds(thresholds);
        var chain = FastCnn.ReplaceTransformer(model, _ => withThresholds);

        var scores = FastCnn.ScoreEach(ml, chain, rows);

        var scored = chain.Transform(ml.Data.LoadFromEnumerable(rows));
        var probabilities = scored.GetColumn<float[]>("Score").ToList();
        var names = ml.Transforms.Conversion.MapKeyToValue("Names", "PredictedLabels").Fit(scored).Transform(scored).GetColumn<string[]>("Names").ToList();
        for (int i = 0; i < rows.Count; i++)
        {
            Assert.AreEqual(ImageTask.MultiLabel, scores[i].Task);
            CollectionAssert.AreEqual(withThresholds.ClassNames.ToArray(), scores[i].Probabilities.Keys.ToArray());
            CollectionAssert.AreEqual(probabilities[i], scores[i].Probabilities.Values.ToArray(), $"image {i}");
            CollectionAssert.AreEqual(names[i], scores[i].PredictedLabels.ToArray(), $"image {i}: the model's PredictedLabels");
            var above = withThresholds.ClassNames.Where((_, k) => probabilities[i][k] > thresholds[k]).ToArray();
            CollectionAssert.AreEqual(above, scores[i].PredictedLabels.ToArray(), $"image {i}");
            Assert.IsNull(scores[i].PredictedLabel);
            Assert.IsNull(scores[i].Value);
        }
    }

    [TestMethod]
    public void ARegressionScoreIsTheValue()
    {
        var ml = new MLContext(seed: 1);
        var rows = s_images.WriteRegression("value", 6, seed: 3);
        var (model, fastCnn) = Untrained(ml, rows, LoadImages(ml));
        using var _ = fastCnn;

        var scores = FastCnn.ScoreEach(ml, model, rows);

        var expected = model.Transform(ml.Data.LoadFromEnumerable(rows)).GetColumn<float>("Score").ToList();
        for (int i = 0; i < rows.Count; i++)
        {
            Assert.IsTrue(scores[i].Succeeded, scores[i].Error?.ToString());
            Assert.AreEqual(ImageTask.Regression, scores[i].Task);
            Assert.AreEqual(expected[i], scores[i].Value);
            CollectionAssert.AreEqual(new[] { expected[i] }, scores[i].Values.ToArray());
            Assert.AreEqual(0, scores[i].Probabilities.Count);
            Assert.AreEqual(0, scores[i].PredictedLabels.Count);
        }
    }

    [TestMethod]
    public void AVectorRegressionScoreHasValuesAndNoSingleValue()
    {
        var ml = new MLContext(seed: 1);
        var rows = s_images.WriteRegression("values", 6, seed: 4).Select(r => new TwoValuesRow { ImagePath = r.ImagePath, Label = [r.Label, -r.Label] }).ToList();
        var (model, fastCnn) = Untrained(ml, rows, LoadImages(ml));
        using var _ = fastCnn;

        var scores = FastCnn.ScoreEach(ml, model, rows);

        var expected = model.Transform(ml.Data.LoadFromEnumerable(rows)).GetColumn<float[]>("Score").ToList();
        for (int i = 0; i < rows.Count; i++)
        {
            Assert.AreEqual(ImageTask.Regression, scores[i].Task);
            CollectionAssert.AreEqual(expected[i], scores[i].Values.ToArray());
            Assert.IsNull(scores[i].Value, "two values: read Values");
        }
    }

    [TestMethod]
    public void ABadImageFailsAloneWhateverTheTask()
    {
        var ml = new MLContext(seed: 1);
        var rows = s_images.WriteRegression("bad", 3, seed: 5);
        var cut = Path.Combine(s_images.Folder, "cut-value.png");
        var png = File.ReadAllBytes(rows[0].ImagePath);
        File.WriteAllBytes(cut, png[..(png.Length / 2)]);
        var (model, fastCnn) = Untrained(ml, rows, LoadImages(ml));
        using var _ = fastCnn;

        var scores = FastCnn.ScoreEach(ml, model, [rows[0], new RegressionRow { ImagePath = cut }, rows[1]]);

        Assert.IsTrue(scores[0].Succeeded && scores[2].Succeeded);
        Assert.IsFalse(scores[1].Succeeded);
        Assert.IsInstanceOfType<UnreadableImageException>(scores[1].Error);
        Assert.AreEqual(ImageTask.Regression, scores[1].Task);
        Assert.IsNull(scores[1].Value);
        Assert.AreEqual(0, scores[1].Values.Count);
    }

    /// <summary>A regression row with two values per image.</summary>
    public sealed class TwoValuesRow
    {
        /// <summary>Path of the image file.</summary>
        public string ImagePath { get; set; } = "";

        /// <summary>The two values.</summary>
        [VectorType(2)]
        public float[] Label { get; set; } = [];
    }
}
