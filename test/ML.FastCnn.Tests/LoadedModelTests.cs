using Microsoft.ML;
using Microsoft.ML.Data;

namespace ML.FastCnn.Tests;

/// <summary>
/// What a program does with a saved model once loaded (the command line and <c>serve</c> do all three): find its
/// FastCnn step inside the chain, replace that step, and score a batch of images where one bad image fails alone.
/// </summary>
[TestClass]
[TestCategory(Categories.Integration)]
public sealed class LoadedModelTests
{
    private static readonly GeneratedImages s_images = GeneratedImages.ForClass("loaded-model");
    private static List<ImageRow> s_rows = null!;
    private static MLContext s_ml = null!;
    private static ITransformer s_loaded = null!;

    [ClassInitialize]
    public static void TrainSaveAndLoad(TestContext context)
    {
        s_rows = s_images.Write("train", perClass: 4, seed: 3);
        s_ml = new MLContext(seed: 1);
        var (model, preprocessing, raw) = TestData.TinyModel(s_ml, s_rows);
        var path = Path.Combine(s_images.Folder, "model.zip");
        using (model)
            s_ml.Model.Save(preprocessing.Append(model), raw.Schema, path);
        s_loaded = FastCnn.LoadModel(s_ml, path, out _);
    }

    [ClassCleanup]
    public static void Cleanup() => (s_loaded as IDisposable)?.Dispose();

    [TestMethod]
    public void FindTransformerFindsTheFastCnnStepInsideALoadedChainAndNothingInAnotherModel()
    {
        var found = FastCnn.FindTransformer(s_loaded);

        Assert.IsNotNull(found);
        CollectionAssert.AreEqual(GeneratedImages.Classes, found.ClassNames.ToArray());
        Assert.AreSame(found, FastCnn.FindTransformer(found), "a FastCnnTransformer is its own step");
        var keysOnly = s_ml.Transforms.Conversion.MapValueToKey("Label").Fit(s_ml.Data.LoadFromEnumerable(s_rows));
        Assert.IsNull(FastCnn.FindTransformer(keysOnly));
        Assert.IsNull(FastCnn.FindTransformer(new TransformerChain<ITransformer>(keysOnly)));
    }

    [TestMethod]
    public void ReplaceTransformerSwapsOnlyTheFastCnnStepAndLeavesTheModelAsItWas()
    {
        var original = FastCnn.FindTransformer(s_loaded)!;

        var withTta = FastCnn.ReplaceTransformer(s_loaded, t => t.WithTestTimeAugmentation(2));

        Assert.AreEqual(2, FastCnn.FindTransformer(withTta)!.TestTimeAugmentation);
        Assert.AreSame(original, FastCnn.FindTransformer(s_loaded), "the loaded model is not changed");
        Assert.AreEqual(0, original.TestTimeAugmentation);
        var data = s_ml.Data.LoadFromEnumerable(s_rows.Take(3));
        var plain = s_loaded.Transform(data).GetColumn<float[]>("Score").ToList();
        var augmented = withTta.Transform(data).GetColumn<float[]>("Score").ToList();
        Assert.AreEqual(3, augmented.Count, "the other steps still load the images");
        Assert.IsTrue(plain.Zip(augmented).Any(p => !p.First.SequenceEqual(p.Second)), "the new step scores: augmented views change the probabilities");
        Assert.ThrowsExactly<ArgumentException>(() => FastCnn.ReplaceTransformer(new TransformerChain<ITransformer>(), t => t));
    }

    [TestMethod]
    public void ScoreEachIsolatesABadImageAndScoresTheOthersAsAlone()
    {
        var png = File.ReadAllBytes(s_rows[0].ImagePath);
        var cut = Path.Combine(s_images.Folder, "cut.png");
        File.WriteAllBytes(cut, png[..(png.Length / 2)]);
        var good = s_rows.Take(4).ToList();
        List<ImageRow> batch = [good[0], good[1], new ImageRow { ImagePath = cut, Label = "blob" }, good[2], good[3]];

        var scores = FastCnn.ScoreEach(s_ml, s_loaded, batch);

        Assert.AreEqual(batch.Count, scores.Count);
        var bad = scores[2];
        Assert.IsFalse(bad.Succeeded);
        Assert.IsInstanceOfType<UnreadableImageException>(bad.Error);
        StringAssert.Contains(((UnreadableImageException)bad.Error).Reason, "truncated");
        Assert.IsNull(bad.PredictedLabel);
        Assert.AreEqual(0, bad.Probabilities.Count);
        // The good images as ML.NET scores them without the bad one.
        var expected = s_loaded.Transform(s_ml.Data.LoadFromEnumerable(good)).GetColumn<float[]>("Score").ToList();
        var actual = scores.Where((_, i) => i != 2).ToList();
        for (int i = 0; i < good.Count; i++)
        {
            Assert.IsTrue(actual[i].Succeeded, $"image {i}: {actual[i].Error}");
            CollectionAssert.AreEqual(GeneratedImages.Classes, actual[i].Probabilities.Keys.ToArray(), "the model's class order");
            var probabilities = actual[i].Probabilities.Values.ToArray();
            for (int k = 0; k < probabilities.Length; k++)
                Assert.AreEqual(expected[i][k], probabilities[k], 1e-5, $"image {i}, class {k}");
            int best = Array.IndexOf(expected[i], expected[i].Max());
            Assert.AreEqual(GeneratedImages.Classes[best], actual[i].PredictedLabel);
            Assert.AreEqual(expected[i][best], actual[i].Probability, 1e-5);
        }
    }

    [TestMethod]
    public void ScoreEachOfNoImagesIsEmptyAndAModelWithoutFastCnnIsRefused()
    {
        Assert.AreEqual(0, FastCnn.ScoreEach(s_ml, s_loaded, new List<ImageRow>()).Count);

        var keysOnly = s_ml.Transforms.Conversion.MapValueToKey("Label").Fit(s_ml.Data.LoadFromEnumerable(s_rows));
        var e = Assert.ThrowsExactly<ArgumentException>(() => FastCnn.ScoreEach(s_ml, keysOnly, s_rows));
        StringAssert.Contains(e.Message, "no FastCnnTransformer step");
    }
}
