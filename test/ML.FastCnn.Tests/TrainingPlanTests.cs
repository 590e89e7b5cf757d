namespace ML.FastCnn.Tests;

/// <summary>The data-size defaults: pure functions of the number of images (and of the images' size).</summary>
[TestClass]
public sealed class TrainingPlanTests
{
    private static readonly int[] Sizes = [2, 10, 50, 200, 500, 1_000, 2_000, 10_000, 60_000, 1_000_000];

    [TestMethod]
    public void BatchSizesArePowersOfTwoThatGrowWithTheData()
    {
        var batches = Sizes.Select(n => TrainingPlan.For(n).BatchSize).ToList();

        Assert.IsTrue(batches.All(b => b is >= 16 and <= 128 && (b & (b - 1)) == 0), string.Join(", ", batches));
        Assert.IsTrue(batches.Zip(batches.Skip(1)).All(p => p.First <= p.Second), "never smaller for more data: " + string.Join(", ", batches));
        Assert.AreEqual(16, TrainingPlan.For(200).BatchSize, "a few hundred images: small batches, many steps");
        Assert.AreEqual(128, TrainingPlan.For(60_000).BatchSize);
    }

    [TestMethod]
    public void SmallSetsGetEnoughStepsAndLargeSetsFewEpochs()
    {
        foreach (int n in Sizes)
        {
            var plan = TrainingPlan.For(n);
            int steps = plan.Epochs * Math.Max(1, n / plan.BatchSize);
            Assert.IsTrue(steps >= 50 || plan.Epochs == 12, $"{n} images: {plan.Epochs} epochs make only {steps} steps");
            Assert.IsTrue(plan.Epochs is >= 3 and <= 12, $"{n} images: {plan.Epochs} epochs");
        }
        Assert.IsTrue(TrainingPlan.For(200).Epochs > TrainingPlan.For(2_000).Epochs);
    }

    [TestMethod]
    public void LargeSetsAugmentAndTrainLonger()
    {
        foreach (int n in Sizes)
        {
            var plan = TrainingPlan.For(n);
            bool large = n >= TrainingPlan.LargeSet;
            Assert.AreEqual(large ? Augmentation.SideOn : null, plan.Augmentation, $"{n} images");
            StringAssert.Contains(plan.ToString(), large ? "augmentation SideOn" : "no augmentation");
        }
        Assert.IsGreaterThan(TrainingPlan.For(2_000).Epochs, TrainingPlan.For(60_000).Epochs, "augmented epochs need more of them");
    }

    [TestMethod]
    public void AugmentationNoneIsOffAndNullLeavesItToThePlan()
    {
        var ml = new Microsoft.ML.MLContext(seed: 1);
        var raw = ml.Data.LoadFromEnumerable(TestData.FashionMnist("train", 2));
        var data = TestData.Preprocessing(ml).Fit(raw).Transform(raw);
        var options = TestData.TinyOptions().Learner;
        options.Augmentation = Augmentation.None;
        using var learner = FastCnnLearner.Create(ml, data, options);

        Assert.IsNull(learner.Augmentation, "None renders nothing differently, so it is off");
        learner.Augmentation = Augmentation.SideOn with { FlipHorizontal = false };
        Assert.IsNotNull(learner.Augmentation);
        Assert.IsTrue(Augmentation.None.IsNone);
        Assert.IsFalse(Augmentation.SideOn.IsNone);
        Assert.IsFalse((Augmentation.None with { MaxLighting = 0.2, LightingProbability = 1 }).IsNone);
    }

    [TestMethod]
    public void TheRangeTestCostsAtMostAboutThreeEpochs()
    {
        foreach (int n in Sizes) // fine_tune's range test trains the network; Precompute's runs on stored activations and is cheap
        {
            var plan = TrainingPlan.For(n, TrainingRecipe.FineTune);
            int batchesPerEpoch = Math.Max(1, n / plan.BatchSize);
            Assert.IsTrue(plan.FinderIterations <= Math.Max(20, 3 * batchesPerEpoch), $"{n} images: {plan.FinderIterations} batches");
            Assert.IsTrue(plan.FinderIterations is >= 20 and <= 100);
        }
    }

    [TestMethod]
    public void ImageSizeFollowsTheImagesOwnSize()
    {
        Assert.AreEqual(64, TrainingInput.ImageSizeFor([28, 28, 28]), "tiny images are upscaled to 64");
        Assert.AreEqual(96, TrainingInput.ImageSizeFor([96, 90, 100]));
        Assert.AreEqual(128, TrainingInput.ImageSizeFor([100, 120, 128, 500]), "the median, rounded up to a multiple of 32");
        Assert.AreEqual(224, TrainingInput.ImageSizeFor([800, 600, 1024]), "large photos at ImageNet's size");
        Assert.AreEqual(224, TrainingInput.ImageSizeFor([]), "nothing readable: ImageNet's size");
    }

    [TestMethod]
    public void ThePlanIsRefusedForNoImages()
    {
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => TrainingPlan.For(0));
        Assert.AreEqual("must be 1 or more (was 0) (Parameter 'trainingImages')", e.Message);
    }
}
