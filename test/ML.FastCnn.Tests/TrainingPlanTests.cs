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
    public void MultiLabelAndRegressionTrainLongerOnLargerImages()
    {
        foreach (var task in new[] { ImageTask.MultiLabel, ImageTask.Regression })
        {
            Assert.AreEqual(160, TrainingInput.ImageSizeFor([96, 90, 100], task), $"{task}: small images are upscaled to 160");
            Assert.AreEqual(192, TrainingInput.ImageSizeFor([180, 190, 200], task), $"{task}: larger ones keep their own size");
            Assert.AreEqual(224, TrainingInput.ImageSizeFor([800, 600, 1024], task), $"{task}: photos at ImageNet's size");
            var plan = TrainingPlan.For(500, task: task);
            int steps = plan.Epochs * (500 / plan.BatchSize);
            Assert.IsTrue(steps is >= 400 and <= 500, $"{task}: about 450 main-phase steps on 500 images, planned {steps}");
            Assert.IsGreaterThan(TrainingPlan.For(500).Epochs, plan.Epochs, $"{task}: more epochs than single-label");
            Assert.AreEqual(TrainingPlan.For(60_000).Epochs, TrainingPlan.For(60_000, task: task).Epochs, "large sets: the augmented epochs, whatever the task");
            var expected = task == ImageTask.MultiLabel ? Augmentation.TopDown : Augmentation.SizeKeeping;
            Assert.AreEqual(expected, plan.Augmentation, $"{task}: small sets augment too");
            Assert.AreEqual(expected, TrainingPlan.For(60_000, task: task).Augmentation, $"{task}: and large ones");
        }
    }

    [TestMethod]
    public void LessonOneAugmentsAndRunsTwoSgdrCyclesWhateverTheSize()
    {
        foreach (int n in Sizes)
        {
            var plan = TrainingPlan.For(n, TrainingRecipe.Lesson1);
            Assert.AreEqual(Augmentation.SideOn, plan.Augmentation, $"{n} images");
            Assert.AreEqual(3, plan.Epochs, "cycles of 1 and 2 epochs");
            Assert.AreEqual(8, plan.FreezeEpochs, "head epochs on stored activations are cheap");
        }
    }

    [TestMethod]
    public void ExplicitOptionsWinOverTheDataSizeDefaults()
    {
        var learner = new FastCnnLearner.Options { BatchSize = 7, ImageSize = 48, Augmentation = Augmentation.None, CacheImages = false };
        var recipe = new FastCnnOptions { Epochs = 2, FreezeEpochs = 0, LearningRate = 0.01, TimeBudget = TimeSpan.FromMinutes(1), Recipe = TrainingRecipe.Lesson1 };

        var plan = TrainingPlan.Create(60_000, 0, () => throw new AssertFailedException("the image size is given"), learner, recipe, pretrained: true);

        Assert.AreEqual((60_000, 7, 48, false, Augmentation.None, TrainingRecipe.Lesson1, 0, 2, 0),
            (plan.TrainingImages, plan.BatchSize, plan.ImageSize, plan.CacheImages, plan.Augmentation, plan.Recipe, plan.FreezeEpochs, plan.Epochs, plan.FinderIterations));
        Assert.AreEqual(0.01, plan.LearningRate);
        Assert.IsNull(plan.TimeBudget, "explicit epochs win over the time budget");
        StringAssert.Contains(plan.ToString(), "no augmentation");
    }

    [TestMethod]
    public void TheCacheDefaultCountsTrainingAndValidationImages()
    {
        var options = new FastCnnLearner.Options { ImageSize = 224 };
        int fits = (int)((512L << 20) / (4L * 224 * 224)); // 2,675 images at 224 px in 512 MB

        Assert.IsTrue(TrainingPlan.Create(fits, 0, () => 224, options, null, pretrained: true).CacheImages);
        Assert.IsFalse(TrainingPlan.Create(fits, 1, () => 224, options, null, pretrained: true).CacheImages, "one validation image more does not fit");
        Assert.IsFalse(TrainingPlan.Create(10, 0, () => 224, new FastCnnLearner.Options { ImageSize = 224, Resize = ResizeMethod.Crop }, null, pretrained: true).CacheImages,
            "Crop draws its position per epoch: not cached unless asked for");
        Assert.AreEqual(0, TrainingPlan.Create(10, 0, () => 64, new FastCnnLearner.Options(), null, pretrained: false).FreezeEpochs, "random weights: no frozen phase");
        Assert.AreEqual(64, TrainingPlan.Create(10, 0, () => 64, new FastCnnLearner.Options(), null, pretrained: false).ImageSize, "the images' own size");
    }

    [TestMethod]
    public void ThePlanIsRefusedForNoImages()
    {
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => TrainingPlan.For(0));
        Assert.AreEqual("must be 1 or more (was 0) (Parameter 'trainingImages')", e.Message);
    }
}
