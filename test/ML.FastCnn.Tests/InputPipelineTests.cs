using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace ML.FastCnn.Tests;

/// <summary>Batches from worker threads: per-image augmentation, exact repeats with a seed, precomputed activations, TTA.</summary>
[TestClass]
public sealed class InputPipelineTests
{
    private static readonly GeneratedImages s_images = GeneratedImages.ForClass("pipeline");
    private static List<ImageRow> s_train = null!;
    private static List<ImageRow> s_valid = null!;

    [ClassInitialize]
    public static void WriteImages(TestContext _)
    {
        s_train = s_images.Write("train", perClass: 8, seed: 11);
        s_valid = s_images.Write("valid", perClass: 3, seed: 12);
    }

    // Per image: these tests compare the rendered squares byte for byte (BatchAugmentationTests covers the batch mode).
    private static readonly Augmentation Strong = Augmentation.SideOn with
    {
        AffineProbability = 1, LightingProbability = 1, MaxRotation = 20, Mode = AugmentationMode.PerImage,
    };

    /// <summary>Epoch <paramref name="epoch"/>'s batches of <paramref name="rows"/>, as byte arrays.</summary>
    private static List<byte[]> Render(List<ImageRow> rows, Augmentation? augmentation, int epoch = 0, int seed = 5, bool shuffle = false, int batchSize = 4)
    {
        var ml = new MLContext(seed: 1);
        var data = TestData.Preprocessing(ml).Fit(ml.Data.LoadFromEnumerable(rows)).Transform(ml.Data.LoadFromEnumerable(rows));
        var image = ImageColumn.Bind(data.Schema, "Image", "ImagePath");
        var imageData = new ImageData(new DataViewImageRows(data, image, (data.Schema["Label"], new SingleLabelTask(["a", "b", "c"])), rows.Count, shufflePool: 16), 32, batchSize,
            prefetch: 2, seed, BadImagePolicy.Fail, _ => { }, "test data");
        var batches = new List<byte[]>();
        foreach (var batch in imageData.Epoch(epoch, shuffle, augmentation, default))
        {
            using (batch)
                batches.Add(batch.Images.data<byte>().ToArray());
        }
        return batches;
    }

    [TestMethod]
    public void TheImageCacheHoldsThePixelsTheStreamRenders()
    {
        var ml = new MLContext(seed: 1);
        using var images = new GeneratedImages("cache"); // colour, so a channel mix-up shows
        var raw = ml.Data.LoadFromEnumerable(images.Write("train", 10, seed: 3));
        var data = TestData.Preprocessing(ml).Fit(raw).Transform(raw);
        byte[] Pixels(bool cache)
        {
            var options = new FastCnnLearner.Options { ImageSize = 40, BatchSize = 8, CacheImages = cache };
            var input = TrainingInput.Bind(data, options, recipe: null, seed: 1, _ => { }, _ => { }, CancellationToken.None);
            Assert.AreEqual(cache, input.Train.IsCached);
            var pixels = new List<byte>();
            foreach (var batch in input.Train.Epoch(0, shuffle: false, augmentation: null, CancellationToken.None))
            {
                using (batch)
                    pixels.AddRange(batch.Images.data<byte>().ToArray());
            }
            return pixels.ToArray();
        }

        var streamed = Pixels(cache: false);
        Assert.AreEqual(30 * 3 * 40 * 40, streamed.Length);
        CollectionAssert.AreEqual(streamed, Pixels(cache: true));
    }

    [TestMethod]
    public void EachImageOfABatchDrawsItsOwnAugmentation()
    {
        var same = Enumerable.Repeat(s_train[0], 4).ToList(); // one batch of four copies of one image
        int imageBytes = 3 * 32 * 32;

        var plain = Render(same, augmentation: null).Single();
        var augmented = Render(same, Strong).Single();

        var plainImages = Enumerable.Range(0, 4).Select(i => plain.AsSpan(i * imageBytes, imageBytes).ToArray()).ToList();
        var augmentedImages = Enumerable.Range(0, 4).Select(i => augmented.AsSpan(i * imageBytes, imageBytes).ToArray()).ToList();
        Assert.IsTrue(plainImages.All(p => p.SequenceEqual(plainImages[0])), "without augmentation the copies are identical");
        Assert.AreEqual(4, augmentedImages.Select(Convert.ToBase64String).Distinct().Count(), "every copy drew its own augmentation");
    }

    [TestMethod]
    public void ASeedRepeatsBatchesExactlyWhateverTheThreadTiming()
    {
        var first = Render(s_train, Strong, epoch: 3, shuffle: true);
        var second = Render(s_train, Strong, epoch: 3, shuffle: true);
        var nextEpoch = Render(s_train, Strong, epoch: 4, shuffle: true);

        Assert.AreEqual(first.Count, second.Count);
        for (int b = 0; b < first.Count; b++)
            CollectionAssert.AreEqual(first[b], second[b], $"batch {b}");
        Assert.IsFalse(first[0].SequenceEqual(nextEpoch[0]), "another epoch shuffles and draws anew");
    }

    [TestCategory(Categories.Integration)]
    [TestMethod]
    [DataRow(AugmentationMode.Batch)]
    [DataRow(AugmentationMode.PerImage)]
    public void SeededTrainingWithAugmentationRepeatsExactly(AugmentationMode mode)
    {
        float[] Train()
        {
            var ml = new MLContext(seed: 1);
            var options = TestData.TinyOptions();
            options.Epochs = 2;
            options.Learner.Augmentation = Strong with { Mode = mode };
            var data = ml.Data.LoadFromEnumerable(s_train);
            using var model = TestData.Preprocessing(ml).Append(FastCnn.Train(ml, options)).Fit(data).LastTransformer;
            return model.Transform(TestData.Preprocessing(ml).Fit(data).Transform(ml.Data.LoadFromEnumerable(s_valid)))
                .GetColumn<float[]>("Score").SelectMany(s => s).ToArray();
        }

        CollectionAssert.AreEqual(Train(), Train());
    }

    /// <summary>A tiny learner on the training images, its options changed by <paramref name="change"/>.</summary>
    private static FastCnnLearner NewLearner(Action<FastCnnLearner.Options> change)
    {
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadFromEnumerable(s_train);
        var options = TestData.TinyOptions().Learner;
        change(options);
        return FastCnnLearner.Create(ml, TestData.Preprocessing(ml).Fit(train).Transform(train), options);
    }

    [TestCategory(Categories.Integration)]
    [TestMethod]
    public void PrecomputedActivationsTrainTheHeadLikeAFullyFrozenBackbone()
    {
        // TorchVision's linear head: fastai's dropout draws its masks in row order, which differs between the two paths.
        Tensor HeadAfterTraining(bool precompute)
        {
            using var learner = NewLearner(o =>
            {
                o.BatchSize = s_train.Count; // one batch per epoch: the same gradient whatever the order
                o.PrecomputeActivations = precompute;
                o.TrainBatchNormWhenFrozen = false;
                o.Head = ClassifierHead.Linear;
            });
            learner.Freeze();
            learner.Fit(3, 1e-2, LearningRateSchedule.Constant);
            Assert.AreEqual(precompute, learner.HasPrecomputedActivations);
            return learner.Network.state_dict()["fc.weight"].detach().clone();
        }

        using var withPrecompute = HeadAfterTraining(precompute: true);
        using var without = HeadAfterTraining(precompute: false);

        Assert.IsTrue(withPrecompute.allclose(without, rtol: 1e-4, atol: 1e-6),
            $"max difference {(withPrecompute - without).abs().max().item<float>()}");
    }

    [TestMethod]
    public void PrecomputedActivationsOfFastaisHeadTrainOnlyTheHead()
    {
        using var learner = NewLearner(o => o.PrecomputeActivations = true);
        learner.Freeze();
        var before = learner.Network.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());

        learner.Fit(2, 1e-2, LearningRateSchedule.Constant);

        Assert.IsTrue(learner.HasPrecomputedActivations);
        foreach (var (name, tensor) in learner.Network.state_dict())
        {
            bool same = tensor.eq(before[name]).all().item<bool>();
            if (name.StartsWith("head.", StringComparison.Ordinal) && !name.EndsWith("num_batches_tracked", StringComparison.Ordinal) && name.Contains("weight", StringComparison.Ordinal))
                Assert.IsFalse(same, $"head parameter {name} should train");
            else if (!name.StartsWith("head.", StringComparison.Ordinal))
                Assert.IsTrue(same, $"body tensor {name} changed while training on stored activations");
        }
    }

    [TestCategory(Categories.Integration)]
    [TestMethod]
    public void PrecomputedActivationsAreDroppedWhenTheBodyTrainsAndKeptAcrossAugmentationSwitches()
    {
        using var learner = NewLearner(o => o.PrecomputeActivations = true);

        learner.Freeze();
        learner.Fit(1, 1e-3, LearningRateSchedule.Constant);
        Assert.IsTrue(learner.HasPrecomputedActivations);
        learner.Unfreeze();
        Assert.IsFalse(learner.HasPrecomputedActivations);

        learner.Freeze();
        learner.Fit(1, 1e-3, LearningRateSchedule.Constant);
        learner.Augmentation = Augmentation.SideOn;
        learner.Augmentation = null;
        Assert.IsTrue(learner.HasPrecomputedActivations, "made from un-augmented images by an unchanged body: still right (a recipe switches augmentation off before its head epochs)");
        learner.Augmentation = Augmentation.SideOn;
        learner.Fit(1, 1e-3, LearningRateSchedule.Constant);
        Assert.IsFalse(learner.HasPrecomputedActivations, "augmented images are rendered every epoch");
    }

    [TestCategory(Categories.Integration)]
    [TestMethod]
    public void TestTimeAugmentationAveragesViewsAndZeroViewsIsPlainScoring()
    {
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadFromEnumerable(s_train);
        var preprocessing = TestData.Preprocessing(ml).Fit(train);
        var valid = preprocessing.Transform(ml.Data.LoadFromEnumerable(s_valid));
        var options = TestData.TinyOptions();
        options.Epochs = 2;
        using var model = FastCnn.Train(ml, options).Fit(preprocessing.Transform(train));
        using var none = model.WithTestTimeAugmentation(0);
        using var four = model.WithTestTimeAugmentation(4);

        var plain = model.Transform(valid).GetColumn<float[]>("Score").ToList();
        var zero = none.Transform(valid).GetColumn<float[]>("Score").ToList();
        var tta = four.Transform(valid).GetColumn<float[]>("Score").ToList();
        var ttaAgain = four.Transform(valid).GetColumn<float[]>("Score").ToList();

        for (int i = 0; i < plain.Count; i++)
        {
            CollectionAssert.AreEqual(plain[i], zero[i], $"row {i}");
            CollectionAssert.AreEqual(tta[i], ttaAgain[i], $"row {i}: views are drawn from fixed seeds");
            Assert.AreEqual(1f, tta[i].Sum(), 1e-4f);
        }
        Assert.IsTrue(plain.Zip(tta).Any(p => !p.First.SequenceEqual(p.Second)), "augmented views change the scores");

        var path = Path.Combine(s_images.Folder, "tta.zip");
        ml.Model.Save(four, valid.Schema, path);
        using var loaded = (FastCnnTransformer)ml.Model.Load(path, out _);
        Assert.AreEqual(4, loaded.TestTimeAugmentation);
        var loadedScores = loaded.Transform(valid).GetColumn<float[]>("Score").ToList();
        for (int i = 0; i < tta.Count; i++)
            CollectionAssert.AreEqual(tta[i], loadedScores[i], $"row {i} after save and load");
    }

    [TestCategory(Categories.Integration)]
    [TestMethod]
    public void TransformersSharingANetworkEachHoldALeaseAndDisposeIsIdempotent()
    {
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadFromEnumerable(s_train);
        var preprocessing = TestData.Preprocessing(ml).Fit(train);
        var valid = preprocessing.Transform(ml.Data.LoadFromEnumerable(s_valid));
        var options = TestData.TinyOptions();
        options.Epochs = 1;
        var model = FastCnn.Train(ml, options).Fit(preprocessing.Transform(train));
        var expected = model.Transform(valid).GetColumn<float[]>("Score").ToList();
        var copy = model.WithTestTimeAugmentation(0);

        model.Dispose();
        model.Dispose(); // a second Dispose must not release the copy's share of the network

        var scores = copy.Transform(valid).GetColumn<float[]>("Score").ToList();
        for (int i = 0; i < expected.Count; i++)
            CollectionAssert.AreEqual(expected[i], scores[i], $"row {i}: the copy still scores with the shared network");
        Assert.ThrowsExactly<ObjectDisposedException>(() => model.Transform(valid));
        copy.Dispose();
        copy.Dispose();
        Assert.ThrowsExactly<ObjectDisposedException>(() => copy.Transform(valid));
        Assert.AreEqual(GeneratedImages.Classes.Length, copy.ClassNames.Count, "what the model is stays readable after Dispose");
    }

    [TestCategory(Categories.Integration)]
    [TestMethod]
    public void ScoringAnUnreadableImageNamesIt()
    {
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadFromEnumerable(s_train);
        var preprocessing = TestData.Preprocessing(ml).Fit(train);
        var options = TestData.TinyOptions();
        options.Epochs = 1;
        using var model = FastCnn.Train(ml, options).Fit(preprocessing.Transform(train));
        var missing = Path.Combine(s_images.Folder, "missing.png");
        var rows = s_valid.Append(new ImageRow { ImagePath = missing, Label = GeneratedImages.Classes[0] });

        var e = Assert.ThrowsExactly<UnreadableImageException>(() =>
            model.Transform(preprocessing.Transform(ml.Data.LoadFromEnumerable(rows))).GetColumn<float[]>("Score").ToList());

        Assert.AreEqual(missing, e.ImagePath);
    }
}
