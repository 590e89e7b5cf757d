using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace ML.FastCnn.Tests;

/// <summary>The fast.ai recipe on a tiny ResNet-18: range test, freezing, discriminative rates, guards, cancellation.</summary>
[TestClass]
[TestCategory(Categories.Integration)]
public sealed class RecipeTests
{
    private static readonly GeneratedImages s_images = GeneratedImages.ForClass("recipe");
    private static List<ImageRow> s_train = null!;
    private static List<ImageRow> s_valid = null!;

    [ClassInitialize]
    public static void WriteImages(TestContext _)
    {
        s_train = s_images.Write("train", perClass: 8, seed: 5);
        s_valid = s_images.Write("valid", perClass: 4, seed: 6);
    }

    private static (MLContext Ml, IDataView Train, FastCnnOptions Options) Setup(int seed = 1)
    {
        var ml = new MLContext(seed: seed);
        var train = ml.Data.LoadFromEnumerable(s_train);
        var preprocessing = TestData.Preprocessing(ml).Fit(train);
        var options = TestData.TinyOptions(validation: preprocessing.Transform(ml.Data.LoadFromEnumerable(s_valid)));
        options.Learner.BatchSize = 8;
        return (ml, preprocessing.Transform(train), options);
    }

    private static FastCnnLearner NewLearner(FastCnnOptions? change = null)
    {
        var (ml, train, options) = Setup();
        return FastCnnLearner.Create(ml, train, (change ?? options).Learner);
    }

    private static Dictionary<string, Tensor> Weights(FastCnnLearner learner) =>
        learner.Network.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());

    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    [TestMethod]
    public void FrozenTrainingChangesOnlyTheHeadAndBatchNorm()
    {
        using var learner = NewLearner();
        learner.Freeze();
        var before = Weights(learner);

        learner.Fit(1, 1e-3, LearningRateSchedule.Constant);

        var after = Weights(learner);
        var groups = new LayerGroups((ClassifierNetwork)learner.Network); // fastai's split, read from the network itself
        foreach (var name in groups.Names(0).Concat(groups.Names(1)))
        {
            if (groups.IsBatchNorm(name))
                Assert.IsFalse(Same(before[name], after[name]), $"BatchNorm parameter {name} should train while frozen");
            else
                Assert.IsTrue(Same(before[name], after[name]), $"frozen parameter {name} changed");
        }
        foreach (var name in groups.Names(2))
            Assert.IsFalse(Same(before[name], after[name]), $"head parameter {name} should train");
        Assert.IsFalse(Same(before["bn1.running_mean"], after["bn1.running_mean"]), "BatchNorm statistics keep adapting");

        learner.Unfreeze();
        learner.Fit(1, 1e-3, LearningRateSchedule.Constant);
        Assert.IsFalse(Same(after["conv1.weight"], Weights(learner)["conv1.weight"]), "unfrozen stem should train");
    }

    [TestMethod]
    public void DiscriminativeRatesArriveInTheOptimizersParameterGroups()
    {
        using var learner = NewLearner();
        learner.Unfreeze();
        var probe = new ScheduleProbe();

        learner.Fit(1, LearningRates.PerGroup(1e-4, 1e-3, 1e-2), LearningRateSchedule.Constant, [probe]);

        CollectionAssert.AreEqual(new[] { 1e-4, 1e-3, 1e-2 }, probe.Rates[0]);
    }

    [TestMethod]
    public void OneCycleDrivesLearningRateAndAdamBeta1()
    {
        using var learner = NewLearner();
        var probe = new ScheduleProbe();

        learner.Fit(2, LearningRates.Range(1e-4, 1e-2), LearningRateSchedule.OneCycle(), [probe]);

        // 2 epochs × 3 batches: batch i runs at progress i/6.
        var expected = LearningRateSchedule.OneCycle();
        for (int i = 0; i < probe.Rates.Count; i++)
        {
            Assert.AreEqual(1e-2 * expected.LearningRateFactor(i / 6.0), probe.Rates[i][^1], 1e-12, $"batch {i}");
            Assert.AreEqual(expected.Momentum(i / 6.0)!.Value, probe.Momentum[i], 1e-12, $"batch {i}");
        }
        Assert.AreEqual(6, probe.Rates.Count);
    }

    [TestMethod]
    public void RangeTestSuggestsARateOnTheFallingCurveAndRestoresTheWeights()
    {
        using var learner = NewLearner();
        var before = Weights(learner);

        var result = learner.FindLearningRate(new LearningRateFinderOptions { Iterations = 60 });

        foreach (var (name, tensor) in Weights(learner))
            Assert.IsTrue(Same(before[name], tensor), $"{name} differs after the range test");
        Assert.IsTrue(result.LearningRates.Count is > 10 and <= 60, $"{result.LearningRates.Count} points");
        for (int i = 1; i < result.LearningRates.Count; i++)
            Assert.IsTrue(result.LearningRates[i] > result.LearningRates[i - 1], "the sweep rises");

        // fastai reads the curve without its first tenth (warm-up noise) and its last five points (the explosion).
        int minimum = Enumerable.Range(6, result.Losses.Count - 5 - 6).MinBy(i => result.Losses[i]);
        var (valleyLr, valleyLoss) = result.SuggestionPoint(LearningRateSuggestion.Valley);
        Assert.IsTrue(valleyLr < result.LearningRates[minimum], "valley lies before the minimum");
        Assert.IsTrue(valleyLoss < result.Losses[6], "valley lies on the falling part (below the loss after the first tenth)");
        Assert.AreEqual(result.LearningRates[minimum] / 10, result.Suggest(LearningRateSuggestion.MinimumDividedBy10), 1e-15);
    }

    [TestMethod]
    public void RangeTestWritesItsPlotAndPoints()
    {
        using var learner = NewLearner();
        var result = learner.FindLearningRate(new LearningRateFinderOptions { Iterations = 30 });
        var png = Path.Combine(s_images.Folder, "plots", "lr_find.png");
        var csv = Path.Combine(s_images.Folder, "plots", "lr_find.csv");

        result.SavePlot(png, width: 640, height: 400);
        result.SaveCsv(csv);

        using (var image = Microsoft.ML.Data.MLImage.CreateFromFile(png))
        {
            Assert.AreEqual(640, image.Width);
            Assert.AreEqual(400, image.Height);
        }
        var lines = File.ReadAllLines(csv);
        Assert.AreEqual("learning_rate,loss", lines[0]);
        Assert.AreEqual(result.LearningRates.Count + 1, lines.Length);
        Assert.AreEqual(result.LearningRates[3], double.Parse(lines[4].Split(',')[0], System.Globalization.CultureInfo.InvariantCulture));
        Assert.AreEqual(2, Directory.GetFiles(Path.GetDirectoryName(png)!).Length, "no temporary files left behind");
    }

    [TestMethod]
    public void CancellingStopsTrainingWithinOneBatch()
    {
        using var learner = NewLearner();
        using var cancel = new CancellationTokenSource();
        var canceller = new CancelAfterBatches(cancel, 2);

        Assert.ThrowsExactly<OperationCanceledException>(() =>
            learner.Fit(3, 1e-3, LearningRateSchedule.Constant, [canceller], cancel.Token));

        Assert.AreEqual(2, canceller.BatchesStarted, "no batch starts after cancellation");
        Assert.AreEqual(FitOutcome.Cancelled, canceller.Outcome);
    }

    [TestMethod]
    public void CancellingTheRangeTestRestoresTheWeights()
    {
        using var learner = NewLearner();
        var before = Weights(learner);
        using var cancel = new CancellationTokenSource();
        var canceller = new CancelAfterBatches(cancel, 2);

        Assert.ThrowsExactly<OperationCanceledException>(() => learner.FindLearningRate(callbacks: [canceller], cancellationToken: cancel.Token));

        Assert.AreEqual(2, canceller.BatchesStarted);
        foreach (var (name, tensor) in Weights(learner))
            Assert.IsTrue(Same(before[name], tensor), $"{name} differs after a cancelled range test");
    }

    [TestMethod]
    public void TheOptionsCancellationTokenStopsTheTrainer()
    {
        var (ml, train, options) = Setup();
        using var cancel = new CancellationTokenSource();
        var epochs = new List<EpochResult>();
        options.Epochs = 5;
        options.CancellationToken = cancel.Token;
        options.Learner.Progress = new SynchronousProgress<EpochResult>(e => { epochs.Add(e); cancel.Cancel(); });

        Assert.ThrowsExactly<OperationCanceledException>(() => FastCnn.Train(ml, options).Fit(train));
        Assert.AreEqual(1, epochs.Count);
    }

    [TestMethod]
    public void AHugeLearningRateTripsTheDivergenceGuardAndKeepsTheLastGoodWeights()
    {
        using var learner = NewLearner();
        learner.Fit(1, 1e-3, LearningRateSchedule.Constant);
        var good = Weights(learner);

        var e = Assert.ThrowsExactly<TrainingDivergedException>(() => learner.Fit(2, 1e30, LearningRateSchedule.Constant));

        StringAssert.Contains(e.Message, "range test");
        Assert.AreEqual(1, e.Epoch);
        foreach (var (name, tensor) in Weights(learner))
            Assert.IsTrue(Same(good[name], tensor), $"{name} was not put back");
    }

    private static FitContext Context(ImageClassifier? model, List<string> log) => new(null!, model!, null!, [], epochs: 10, batchesPerEpoch: 1, log.Add, () => 0);

    [TestMethod]
    public void EarlyStoppingStopsOnceTheMetricHasNotImprovedForPatienceEpochs()
    {
        var log = new List<string>();
        var stopping = new EarlyStopping(TrainingMetric.ValidLoss, patience: 2);
        var context = Context(null, log);
        double[] losses = [1.0, 0.8, 0.9, 0.85, 0.7];

        stopping.BeforeFit(context);
        int epoch = 0;
        while (!context.StopRequested)
            stopping.AfterEpoch(context, new EpochResult(epoch + 1, 1, losses[epoch++], 0.5, TimeSpan.Zero));

        Assert.AreEqual(4, epoch, "fastai stops when wait >= patience: after two epochs without beating 0.8");
        StringAssert.Contains(log.Single(), "best 0.8000");
    }

    [TestMethod]
    public void EarlyStoppingWithPatienceOneStopsAtTheFirstEpochWithoutImprovement()
    {
        var (ml, train, options) = Setup();
        options.Learner.EarlyStoppingPatience = 1;
        options.Learner.Monitor = TrainingMetric.Accuracy;
        options.Learner.TrainBatchNormWhenFrozen = false; // frozen body in evaluation mode: its statistics stay put
        options.Learner.Head = ClassifierHead.Linear; // fast.ai's head has BatchNorm, whose running statistics move at any rate
        using var learner = FastCnnLearner.Create(ml, train, options.Learner);
        learner.Freeze();
        var outcome = new OutcomeProbe();

        // A vanishing rate leaves every prediction as it is: epoch 2 cannot beat epoch 1's accuracy.
        var results = learner.Fit(6, 1e-12, LearningRateSchedule.Constant, [outcome]);

        Assert.AreEqual(2, results.Count, string.Join(", ", results.Select(r => r.Accuracy)));
        Assert.AreEqual(results[0].Accuracy, results[1].Accuracy);
        Assert.AreEqual(FitOutcome.Stopped, outcome.Outcome);
    }

    [TestMethod]
    public void KeepBestPutsBackTheBestEpochsWeights()
    {
        using var model = ImageClassifier.Create(CnnArchitecture.ResNet18, ClassifierHead.Linear, 32, new SingleLabelTask(["a", "b"]), CPU, seed: 3);
        var keep = new KeepBestModel(TrainingMetric.Accuracy);
        var context = Context(model, []);
        var fc = model.Network.state_dict()["fc.weight"];

        keep.BeforeFit(context);
        keep.AfterEpoch(context, new EpochResult(1, 1, 0.5, 0.9, TimeSpan.Zero));
        var best = fc.clone();
        using (no_grad())
            fc.add_(1);
        context.Epoch = 1;
        keep.AfterEpoch(context, new EpochResult(2, 1, 0.4, 0.8, TimeSpan.Zero));
        keep.AfterFit(context, FitOutcome.Completed);

        Assert.IsTrue(Same(best, model.Network.state_dict()["fc.weight"]));
    }

    [TestMethod]
    public void WithoutALearningRateTheTrainerUsesTheRangeTestsValley()
    {
        var (ml, train, options) = Setup();
        var finder = new LearningRateFinderOptions { Iterations = 30 };
        double valley;
        using (var twin = FastCnnLearner.Create(ml, train, options.Learner)) // same seed: the same range test
            valley = twin.FindLearningRate(finder).Suggest(LearningRateSuggestion.Valley);

        var probe = new ScheduleProbe();
        options.Learner.Callbacks.Add(probe);
        options.LearningRate = null;
        options.LearningRateFinder = finder;
        options.Learner.Weights = PretrainedWeights.None;
        options.Schedule = LearningRateSchedule.Constant; // the rate used is the peak itself
        options.Epochs = 1;
        using var model = FastCnn.Train(ml, options).Fit(train);

        Assert.IsTrue(probe.Rates.Count > 0);
        Assert.IsTrue(probe.Rates.All(rates => rates.All(r => r == valley)), $"valley {valley}, used {probe.Rates[0][0]}");
    }

    [TestMethod]
    public void TimingStepsForATimeBudgetPutsTheWeightsBack()
    {
        using var learner = NewLearner();
        learner.Unfreeze(); // BatchNorm statistics move in training mode, even at learning rate 0
        var before = Weights(learner);

        double seconds = learner.EstimateEpochSeconds(3, default);

        foreach (var (name, tensor) in Weights(learner))
            Assert.IsTrue(Same(before[name], tensor), $"{name} differs after timing");
        Assert.IsTrue(seconds > 0 && double.IsFinite(seconds), $"{seconds} s per epoch");
    }

    [TestMethod]
    [DataRow(0.001, null, 1, DisplayName = "a budget shorter than an epoch: one epoch")]
    [DataRow(3600.0, null, 0, DisplayName = "an hour: the plan's epochs")]
    [DataRow(0.001, 2, 2, DisplayName = "explicit epochs win")]
    public void ATimeBudgetCutsThePlansEpochsButNeverExplicitOnes(double seconds, int? epochs, int expected)
    {
        var (ml, train, options) = Setup();
        var run = new List<EpochResult>();
        options.Learner.Progress = new SynchronousProgress<EpochResult>(run.Add);
        options.Epochs = epochs;
        options.TimeBudget = TimeSpan.FromSeconds(seconds);

        using var model = FastCnn.Train(ml, options).Fit(train); // random weights: the main phase only

        Assert.AreEqual(expected == 0 ? TrainingPlan.For(s_train.Count).Epochs : expected, run.Count);
    }

    [TestMethod]
    public void ANewImageSizeIsWhatTheNextFitTrainsAndTheModelScoresAt()
    {
        var (ml, train, options) = Setup();
        using var learner = FastCnnLearner.Create(ml, train, options.Learner);
        var sizes = new List<long>();
        learner.Callbacks.Add(new ForwardSizes(sizes));

        learner.Fit(1, 1e-3, LearningRateSchedule.Constant);
        var first = sizes.Distinct().ToList();
        sizes.Clear();
        learner.ImageSize = 48;
        learner.Fit(1, 1e-3, LearningRateSchedule.Constant);

        CollectionAssert.AreEqual(new long[] { 32 }, first, "before the change: the options' size, training and validation");
        CollectionAssert.AreEqual(new long[] { 48 }, sizes.Distinct().ToList(), "after it: the new size, training and validation");
        using var model = learner.ToTransformer();
        Assert.AreEqual(48, model.ImageSize);
        var scores = model.Transform(options.Learner.ValidationSet!).GetColumn<float[]>("Score").ToList();
        Assert.AreEqual(s_valid.Count, scores.Count);
        Assert.IsTrue(scores.All(s => Math.Abs(s.Sum() - 1) < 1e-4), "each row's scores are probabilities");
    }

    [TestMethod]
    public void AnImageSizeUnder16IsRefused()
    {
        using var learner = NewLearner();
        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => learner.ImageSize = 8);
        StringAssert.Contains(error.Message, "ImageSize");
        StringAssert.Contains(error.Message, "16 or more");
    }

    [TestMethod]
    [DataRow(4, new long[] { 24, 24, 32, 32 }, DisplayName = "four epochs: two small, two at the full size")]
    [DataRow(3, new long[] { 24, 32, 32 }, DisplayName = "three: the full size gets the larger half")]
    [DataRow(1, new long[] { 32 }, DisplayName = "one: nothing to split, all at the full size")]
    public void StartImageSizeTrainsTheFirstHalfSmallAndEndsAtTheFullSize(int epochs, long[] expected)
    {
        var (ml, train, options) = Setup();
        var log = TestData.CaptureLog(ml);
        var sizes = new List<long>();
        var perEpoch = new List<long>();
        options.Epochs = epochs;
        options.StartImageSize = 24;
        options.Learner.ValidationSet = null;
        options.Learner.Progress = new SynchronousProgress<EpochResult>(_ =>
        {
            perEpoch.Add(sizes.Distinct().Single()); // one size within an epoch
            sizes.Clear();
        });
        options.Learner.Callbacks.Add(new ForwardSizes(sizes));

        using var model = FastCnn.Train(ml, options).Fit(train); // random weights: the main phase only

        CollectionAssert.AreEqual(expected, perEpoch);
        Assert.AreEqual(32, model.ImageSize, "the model scores at the learner's size");
        StringAssert.Contains(string.Join('\n', log), epochs > 1 ? "Progressive resizing: 24px" : "Progressive resizing skipped");
    }

    [TestMethod]
    public void CallbacksRunInOrderOfTheirOrderWhateverOrderTheyWereGiven()
    {
        using var learner = NewLearner();
        var calls = new List<string>();
        learner.Callbacks.Clear(); // the built-in ones are ordinary, removable callbacks
        var late = new NamedCallback("late", 70, calls);
        var early = new NamedCallback("early", 5, calls);
        var middle = new NamedCallback("middle", CallbackOrder.Default, calls);

        learner.Fit(1, 1e-3, LearningRateSchedule.Constant, [late, middle, early]);

        CollectionAssert.AreEqual(new[] { "early", "middle", "late" },
            calls.Where(c => c.EndsWith(":before_fit", StringComparison.Ordinal)).Select(c => c.Split(':')[0]).ToList());
        CollectionAssert.AreEqual(new[] { "before_fit", "before_epoch", "before_batch", "after_batch" },
            calls.Where(c => c.StartsWith("early:", StringComparison.Ordinal)).Take(4).Select(c => c.Split(':')[1]).ToList());
        Assert.AreEqual(calls.Count(c => c == "early:after_batch"), calls.Count(c => c == "late:after_batch"));
        Assert.AreEqual("late:after_fit:Completed", calls[^1]);
    }

    [TestMethod]
    public void LessonOneSequenceRunsThroughThePublicApi()
    {
        var (ml, train, options) = Setup();
        var epochs = new List<EpochResult>();
        options.Learner.Progress = new SynchronousProgress<EpochResult>(epochs.Add);
        using var learner = FastCnnLearner.Create(ml, train, options.Learner);

        var lr = learner.FindLearningRate(new LearningRateFinderOptions { Iterations = 30 }).Suggest();
        learner.Freeze();
        learner.FitOneCycle(1, lr);
        learner.Unfreeze();
        learner.FitSgdr(cycles: 2, LearningRates.PerGroup(lr / 100, lr / 10, lr), cycleLength: 1, cycleMultiplier: 2);
        using var model = learner.ToTransformer();

        Assert.AreEqual(4, learner.History.Count);
        CollectionAssert.AreEqual(learner.History.ToList(), epochs);
        Assert.IsTrue(epochs.All(e => e.ValidLoss is not null && e.Accuracy is not null));
        var scored = model.Transform(options.Learner.ValidationSet!).GetColumn<float[]>("Score").ToList();
        Assert.AreEqual(s_valid.Count, scored.Count);
    }

    [TestMethod]
    public void TheRecipesAreLearnerMethodsThatRunAPlan()
    {
        var (ml, train, options) = Setup();
        options.Learner.Weights = PretrainedWeights.ImageNet; // ML.NET's ResNet18, offline
        var fits = new FitProbe();
        options.Learner.Callbacks.Add(fits);
        using var learner = FastCnnLearner.Create(ml, train, options.Learner);
        var plan = learner.Plan with { LearningRate = 1e-3, FreezeEpochs = 1 };

        var lesson1 = learner.Lesson1(plan);

        Assert.IsNull(plan.Augmentation, $"{s_train.Count} images: the plan does not augment");
        CollectionAssert.AreEqual(new[] { (true, 1), (false, 3) }, fits.Fits, "head on stored activations for the plan's frozen epochs, then SGDR cycles of 1 and 2 epochs");
        Assert.AreEqual(4, lesson1.Count);
        Assert.AreEqual(Augmentation.SideOn, learner.Augmentation, "lesson 1 augments the body's epochs");
        Assert.IsTrue(learner.FreezeBatchNormStatistics && !learner.IsFrozen);

        fits.Fits.Clear();
        var fineTune = learner.FineTune(plan with { Epochs = 2, Augmentation = Augmentation.None });
        CollectionAssert.AreEqual(new[] { (true, 1), (false, 2) }, fits.Fits, "fine_tune: the frozen epochs, then the main ones");
        Assert.AreEqual(3, fineTune.Count);
        Assert.IsNull(learner.Augmentation, "the plan's None is off");
        Assert.AreEqual(7, learner.History.Count);
    }

    [TestMethod]
    public void APlanThatDoesNotFitTheLearnerIsRefusedBeforeTraining()
    {
        using var learner = NewLearner();
        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => learner.Train(learner.Plan with { BatchSize = 4 }));

        StringAssert.Contains(error.Message, "BatchSize 4 differs from the learner's 8");
        StringAssert.Contains(error.Message, "FastCnnLearner.Options.BatchSize");
        Assert.AreEqual(0, learner.History.Count);
    }

    [TestMethod]
    public void TheTrainerLogsItsPlanOnceAndRunsIt()
    {
        var (ml, train, options) = Setup();
        var log = TestData.CaptureLog(ml);
        var run = new List<EpochResult>();
        options.Learner.Progress = new SynchronousProgress<EpochResult>(run.Add);
        options.Epochs = 2;

        using var model = FastCnn.Train(ml, options).Fit(train);

        var plans = log.Where(l => l.Contains("Plan: ", StringComparison.Ordinal)).ToList();
        Assert.HasCount(1, plans, string.Join('\n', log));
        StringAssert.Contains(plans[0], $"{s_train.Count} training images at 32px, cached: batch size 8, recipe FineTuneOnStoredActivations, 0 frozen + 2 epochs");
        Assert.AreEqual(2, run.Count, "random weights: the plan's main epochs only");
    }

    [TestMethod]
    public void ARecipeKeepsTheHeadOnlyWeightsWhenTheMainPhaseMadeThemWorse()
    {
        foreach (bool keepBestPhase in new[] { true, false })
        {
            var (ml, train, options) = Setup();
            options.Learner.Weights = PretrainedWeights.ImageNet; // ML.NET's ResNet18, offline
            options.Learner.Callbacks.Add(new SpoilTheHeadWhenUnfrozen());
            var log = TestData.CaptureLog(ml);
            using var learner = FastCnnLearner.Create(ml, train, options.Learner);

            var results = learner.FineTuneOnStoredActivations(learner.Plan with { LearningRate = 1e-3, FreezeEpochs = 1, Epochs = 1, KeepBestPhase = keepBestPhase });

            double head = results[0].ValidLoss!.Value, main = results[1].ValidLoss!.Value, now = learner.Validate().Loss!.Value;
            Assert.IsGreaterThan(head, main, "the spoiled main phase is worse than the head alone");
            if (keepBestPhase)
            {
                Assert.AreEqual(head, now, 1e-4, "the head-only weights are back");
                Assert.IsTrue(log.Any(l => l.Contains("Kept the head-only weights", StringComparison.Ordinal)), string.Join('\n', log));
            }
            else
            {
                Assert.AreEqual(main, now, 1e-4, "KeepBestPhase = false keeps the main phase's weights");
            }
        }
    }

    /// <summary>At the end of every epoch of an unfrozen fit, turns the head's last layer against its own predictions.</summary>
    private sealed class SpoilTheHeadWhenUnfrozen : LearnerCallback
    {
        public override void AfterBatch(FitContext context, BatchLoss loss)
        {
            if (context.Learner.IsFrozen || context.Batch != context.BatchesPerEpoch - 1)
                return;
            using var noGrad = no_grad();
            using var factor = tensor(-5f);
            foreach (var parameter in context.Network.parameters().TakeLast(2))
                parameter.mul_(factor);
        }
    }

    [TestMethod]
    public void EveryLongPhaseReportsItsProgressWithSpeedAndTimeLeft()
    {
        var (ml, train, options) = Setup();
        options.Learner.Weights = PretrainedWeights.ImageNet; // stored activations need a pretrained body
        var reports = new List<PhaseProgress>();
        options.Learner.PhaseProgress = new SynchronousProgress<PhaseProgress>(reports.Add);
        using var learner = FastCnnLearner.Create(ml, train, options.Learner);

        learner.FineTuneOnStoredActivations(learner.Plan with { FreezeEpochs = 1, Epochs = 2 });

        var last = reports.GroupBy(r => r.Phase).ToDictionary(g => g.Key, g => g.Last());
        CollectionAssert.IsSubsetOf(new[] { "Caching the training data", "Caching the validation set", "Storing activations", "Range test", "Training" }, last.Keys.ToArray());
        Assert.AreEqual(s_train.Count, last["Caching the training data"].Done);
        Assert.AreEqual(s_train.Count + s_valid.Count, last["Storing activations"].Done, "every training and validation image once");
        Assert.AreEqual("batches", last["Range test"].Unit);
        Assert.IsTrue(reports.All(r => r.Done <= r.Total && r.PerSecond > 0), "counts within the total, a speed from the first step on");

        var unfrozen = reports.Where(r => r.Phase == "Training" && r.Epochs == 2).ToList();
        Assert.IsTrue(unfrozen.Where(r => r.Epoch == 1).All(r => r.FitRemaining is null), "no estimate for the fit before an epoch has run");
        Assert.IsTrue(unfrozen.Where(r => r.Epoch == 2).All(r => r.FitRemaining is not null), "the fit's time left once the first epoch has run");
        Assert.AreEqual(TimeSpan.Zero, unfrozen[^1].Remaining, "nothing left at the end");
    }

    /// <summary>Whether each fit trained frozen, and its epochs.</summary>
    private sealed class FitProbe : LearnerCallback
    {
        public List<(bool Frozen, int Epochs)> Fits { get; } = [];

        public override void BeforeFit(FitContext context) => Fits.Add((context.Learner.IsFrozen, context.Epochs));
    }

    /// <summary>Records the side of every image batch the network sees during each fit (a forward hook).</summary>
    private sealed class ForwardSizes(List<long> sizes) : LearnerCallback
    {
        private nn.HookableModule<Func<nn.Module<Tensor, Tensor>, Tensor, Tensor>, Func<nn.Module<Tensor, Tensor>, Tensor, Tensor, Tensor>>.HookRemover? _hook;

        public override void BeforeFit(FitContext context) =>
            _hook = context.Learner.Network.register_forward_pre_hook((_, input) => { sizes.Add(input.shape[^1]); return input; });

        public override void AfterFit(FitContext context, FitOutcome outcome) => _hook?.remove();
    }

    /// <summary>Records each batch's learning rates (per layer group) and momentum, through the public context.</summary>
    private sealed class ScheduleProbe : LearnerCallback
    {
        public List<double[]> Rates { get; } = [];

        public List<double> Momentum { get; } = [];

        public override void AfterBatch(FitContext context, BatchLoss loss)
        {
            Rates.Add([.. context.LearningRates]);
            Momentum.Add(context.Momentum);
        }
    }

    private sealed class OutcomeProbe : LearnerCallback
    {
        public FitOutcome? Outcome { get; private set; }

        public override void AfterFit(FitContext context, FitOutcome outcome) => Outcome = outcome;
    }

    private sealed class NamedCallback(string name, int order, List<string> calls) : LearnerCallback
    {
        public override int Order => order;

        public override void BeforeFit(FitContext context) => calls.Add($"{name}:before_fit");

        public override void BeforeEpoch(FitContext context) => calls.Add($"{name}:before_epoch");

        public override void BeforeBatch(FitContext context) => calls.Add($"{name}:before_batch");

        public override void AfterBatch(FitContext context, BatchLoss loss) => calls.Add($"{name}:after_batch");

        public override void AfterEpoch(FitContext context, EpochResult result) => calls.Add($"{name}:after_epoch");

        public override void AfterFit(FitContext context, FitOutcome outcome) => calls.Add($"{name}:after_fit:{outcome}");
    }

    private sealed class CancelAfterBatches(CancellationTokenSource source, int batches) : LearnerCallback
    {
        public int BatchesStarted { get; private set; }

        public FitOutcome? Outcome { get; private set; }

        public override void BeforeBatch(FitContext context) => BatchesStarted++;

        public override void AfterBatch(FitContext context, BatchLoss loss)
        {
            if (BatchesStarted == batches)
                source.Cancel();
        }

        public override void AfterFit(FitContext context, FitOutcome outcome) => Outcome = outcome;
    }
}
