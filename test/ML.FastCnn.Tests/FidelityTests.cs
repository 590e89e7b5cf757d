using Microsoft.ML;
using static TorchSharp.torch;

namespace ML.FastCnn.Tests;

/// <summary>Where FastCnn follows fastai's details: each test fails without its fix.</summary>
[TestClass]
public sealed class FidelityTests
{
    private static readonly GeneratedImages s_images = GeneratedImages.ForClass("fidelity");
    private static List<ImageRow> s_train = null!;
    private static List<ImageRow> s_valid = null!;

    [ClassInitialize]
    public static void WriteImages(TestContext _)
    {
        s_train = s_images.Write("train", perClass: 8, seed: 11); // 24 images
        s_valid = s_images.Write("valid", perClass: 3, seed: 12);
    }

    private static FastCnnLearner NewLearner(Action<FastCnnLearner.Options>? change = null)
    {
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadFromEnumerable(s_train);
        var preprocessing = TestData.Preprocessing(ml).Fit(train);
        var options = TestData.TinyOptions(validation: preprocessing.Transform(ml.Data.LoadFromEnumerable(s_valid))).Learner;
        change?.Invoke(options);
        return FastCnnLearner.Create(ml, preprocessing.Transform(train), options);
    }

    [TestCategory(Categories.Integration)]
    [TestMethod]
    public void ALastPartialTrainingBatchIsDropped()
    {
        var batches = new List<BatchProgress>();
        using var learner = NewLearner(o =>
        {
            o.BatchSize = 16; // 24 images: one full batch and 8 left over
            o.BatchProgress = new SynchronousProgress<BatchProgress>(batches.Add);
        });

        learner.Fit(2, 1e-3, LearningRateSchedule.Constant);

        Assert.AreEqual(2, batches.Count, "one batch of 16 per epoch (fastai drop_last)");
        Assert.IsTrue(batches.All(b => b.Batches == 1));
    }

    [TestCategory(Categories.Integration)]
    [TestMethod]
    public void AllRowsTrainWhenTheyFitInLessThanOneBatch()
    {
        var batches = new List<BatchProgress>();
        using var learner = NewLearner(o =>
        {
            o.BatchSize = 64;
            o.BatchProgress = new SynchronousProgress<BatchProgress>(batches.Add);
        });

        learner.Fit(1, 1e-3, LearningRateSchedule.Constant);

        Assert.AreEqual(1, batches.Count, "the only batch is partial and kept");
    }

    [TestMethod]
    public void StoredActivationsDropTheLastPartialBatchToo()
    {
        using var items = zeros(10, 4);
        using var data = new TensorDataset(items, Enumerable.Repeat(new float[] { 0 }, 10).ToArray());

        var kept = data.BatchIndices(4, new Random(1), dropLast: true).ToList();
        var all = data.BatchIndices(4, new Random(1)).ToList();
        var single = data.BatchIndices(16, new Random(1), dropLast: true).ToList();

        CollectionAssert.AreEqual(new[] { 4, 4 }, kept.Select(b => b.Length).ToArray());
        CollectionAssert.AreEqual(new[] { 4, 4, 2 }, all.Select(b => b.Length).ToArray());
        CollectionAssert.AreEqual(new[] { 10 }, single.Select(b => b.Length).ToArray());
    }

    [TestMethod]
    public void NoWeightDecayOnBatchNormAndBiases()
    {
        using var learner = NewLearner();
        learner.Unfreeze();
        var names = learner.Network.named_parameters().ToDictionary(p => p.parameter.Handle, p => p.name); // by native tensor

        var groups = new LayerGroups((ClassifierNetwork)learner.Network).ParameterGroups(headOnly: false);

        var decayed = groups.Where(g => g.Decay).SelectMany(g => g.Parameters).Select(p => names[p.Handle]).ToList();
        var undecayed = groups.Where(g => !g.Decay).SelectMany(g => g.Parameters).Select(p => names[p.Handle]).ToList();
        Assert.IsTrue(undecayed.Contains("bn1.weight") && undecayed.Contains("layer1.0.bn2.bias") && undecayed.Contains("head.bn1.weight")
                      && undecayed.Contains("head.lin2.bias"), string.Join(", ", undecayed));
        Assert.IsTrue(decayed.Contains("conv1.weight") && decayed.Contains("head.lin1.weight"), string.Join(", ", decayed));
        Assert.IsFalse(decayed.Any(n => n.Contains("bn", StringComparison.Ordinal) || n.EndsWith(".bias", StringComparison.Ordinal)), string.Join(", ", decayed));
        Assert.AreEqual(names.Count, decayed.Count + undecayed.Count, "every parameter trains, in exactly one group");
    }

    [TestMethod]
    public void ValidationLossUsesTheTrainingLossFunction()
    {
        // Same seed, same weights: only the loss function differs.
        using var plain = NewLearner();
        using var smoothed = NewLearner(o => o.LabelSmoothing = 0.3);

        var (plainLoss, plainAccuracy) = plain.Validate();
        var (smoothedLoss, smoothedAccuracy) = smoothed.Validate();

        Assert.AreEqual(plainAccuracy, smoothedAccuracy);
        Assert.AreNotEqual(plainLoss!.Value, smoothedLoss!.Value, 1e-6, "label smoothing changes the validation loss as it does the training loss");
    }

    [TestMethod]
    [DataRow(0.4)]
    [DataRow(2.0)]
    public void MixUpDrawsLambdaFromBetaAlphaAlphaAndKeepsItAboveOneHalf(double alpha)
    {
        var random = new Random(1);
        var draws = Enumerable.Range(0, 40_000).Select(_ => MixUp.Beta(random, alpha)).ToArray();
        double mean = draws.Average(), variance = draws.Average(d => (d - mean) * (d - mean));

        Assert.AreEqual(0.5, mean, 0.01);
        Assert.AreEqual(1 / (4 * (2 * alpha + 1)), variance, 0.05 / (4 * (2 * alpha + 1)), "Beta(α, α) has variance 1 / (4(2α + 1))");
        for (int batch = 0; batch < 100; batch++)
        {
            var (lambda, permutation) = MixUp.Draw(random, alpha, 16);
            Assert.IsTrue(lambda is >= 0.5 and <= 1, $"λ = {lambda}");
            CollectionAssert.AreEquivalent(Enumerable.Range(0, 16).Select(i => (long)i).ToArray(), permutation);
        }
    }

    [TestCategory(Categories.Integration)]
    [TestMethod]
    public void MixUpBlendsTheTrainingBatchesAndRepeatsWithTheSameSeed()
    {
        using var plain = NewLearner();
        using var mixed = NewLearner(o => o.MixUp = 0.4);
        using var again = NewLearner(o => o.MixUp = 0.4);

        var (p, m, a) = (plain.FitOneCycle(1, 1e-3)[0], mixed.FitOneCycle(1, 1e-3)[0], again.FitOneCycle(1, 1e-3)[0]);

        Assert.AreNotEqual(p.TrainLoss, m.TrainLoss, 1e-6, "the training loss is the blended batches' blended loss");
        Assert.AreNotEqual(p.ValidLoss!.Value, m.ValidLoss!.Value, 1e-6, "the network learned from other inputs");
        Assert.AreEqual(m.TrainLoss, a.TrainLoss, "the same seed blends the same way");
        Assert.AreEqual(m.ValidLoss, a.ValidLoss);
    }

    [TestMethod]
    public void MixUpOutOfRangeIsRefusedWithTheRule()
    {
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => NewLearner(o => o.MixUp = -1));
        StringAssert.Contains(e.Message, "must be 0 (off) or an α in (0, 10], e.g. 0.4 (was -1)");
    }

    [TestMethod]
    public void HeadDropoutOutOfRangeIsRefusedWithTheRule()
    {
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => NewLearner(o => o.HeadDropout = 1));
        StringAssert.Contains(e.Message, "HeadDropout");
        StringAssert.Contains(e.Message, "must be in [0, 1), e.g. fast.ai's 0.5 (was 1)");
    }

    [TestMethod]
    public void FitRefusesAnEpochCountOtherThanTheSgdrCycles()
    {
        using var learner = NewLearner();
        var sgdr = LearningRateSchedule.Sgdr(cycles: 2, cycleLength: 1, cycleMultiplier: 2); // 3 epochs

        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => learner.Fit(2, 1e-3, sgdr));

        Assert.AreEqual("must be 3, the epochs the SGDR schedule's cycles take (was 2); pass schedule.Epochs or use FitSgdr (Parameter 'epochs')", e.Message);
    }

    [TestCategory(Categories.Integration)]
    [TestMethod]
    public void PretrainedWithoutFrozenEpochsStillFollowsFineTune()
    {
        var ml = new MLContext(seed: 1);
        var raw = ml.Data.LoadFromEnumerable(s_train);
        var preprocessing = TestData.Preprocessing(ml).Fit(raw);
        var rates = new List<double[]>();
        var options = TestData.TinyOptions();
        options.Learner.Weights = PretrainedWeights.ImageNet; // ML.NET's ResNet18, offline
        options.Recipe = TrainingRecipe.FineTune;
        options.FreezeEpochs = 0;
        options.Epochs = 1;
        options.LearningRate = 1e-2;
        options.Learner.Callbacks.Add(new RateProbe(rates));

        using var model = FastCnn.Train(ml, options).Fit(preprocessing.Transform(raw));

        // fine_tune(freeze_epochs=0): base rate halved, Range(base/100, base), one cycle with div 5 — first batch at base/2/5.
        Assert.AreEqual(3, rates[0].Length, "all three layer groups train");
        Assert.AreEqual(1e-2 / 2 / 5, rates[0][^1], 1e-12);
        Assert.AreEqual(1e-2 / 2 / 100 / 5, rates[0][0], 1e-12);
    }

    [TestCategory(Categories.Integration)]
    [TestMethod]
    public void ThePrecomputeRecipeTrainsTheHeadOnStoredActivationsThenAllLayersWithTheStatisticsKept()
    {
        var ml = new MLContext(seed: 1);
        var raw = ml.Data.LoadFromEnumerable(s_train);
        var preprocessing = TestData.Preprocessing(ml).Fit(raw);
        var fits = new FitProbe();
        var options = TestData.TinyOptions();
        options.Learner.Weights = PretrainedWeights.ImageNet;
        options.Recipe = TrainingRecipe.FineTuneOnStoredActivations;
        options.FreezeEpochs = 2;
        options.Epochs = 1;
        options.Learner.Callbacks.Add(fits);

        using var model = FastCnn.Train(ml, options).Fit(preprocessing.Transform(raw));

        Assert.AreEqual(2, fits.Fits.Count);
        var (headFrozen, headStored, headEpochs, _) = fits.Fits[0];
        Assert.IsTrue(headFrozen && headStored, "the head trains on stored activations of the frozen body");
        Assert.AreEqual(2, headEpochs);
        var (allFrozen, allStored, allEpochs, keptStatistics) = fits.Fits[1];
        Assert.IsFalse(allFrozen || allStored);
        Assert.AreEqual(1, allEpochs);
        Assert.IsTrue(keptStatistics, "bn_freeze");
        Assert.IsTrue(fits.RunningMeanKept, "the body's BatchNorm statistics did not move in either phase");
    }

    private sealed class FitProbe : LearnerCallback
    {
        private Tensor? _runningMean;

        public List<(bool Frozen, bool Stored, int Epochs, bool KeptStatistics)> Fits { get; } = [];

        public bool RunningMeanKept { get; private set; }

        public override void BeforeFit(FitContext context)
        {
            var learner = context.Learner;
            Fits.Add((learner.IsFrozen, learner.HasPrecomputedActivations, context.Epochs, learner.FreezeBatchNormStatistics));
            _runningMean ??= learner.Network.state_dict()["layer1.0.bn1.running_mean"].detach().clone();
        }

        public override void AfterFit(FitContext context, FitOutcome outcome) =>
            RunningMeanKept = context.Learner.Network.state_dict()["layer1.0.bn1.running_mean"].eq(_runningMean!).all().item<bool>();
    }

    private sealed class RateProbe(List<double[]> rates) : LearnerCallback
    {
        public override void BeforeBatch(FitContext context) => rates.Add([.. context.LearningRates]);
    }
}
