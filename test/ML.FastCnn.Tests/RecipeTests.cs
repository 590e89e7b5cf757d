using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace ML.FastCnn.Tests;

/// <summary>The fast.ai recipe on a tiny ResNet-18: range test, freezing, discriminative rates, guards, cancellation.</summary>
[TestClass]
public sealed class RecipeTests
{
    private static GeneratedImages s_images = null!;
    private static List<ImageRow> s_train = null!;
    private static List<ImageRow> s_valid = null!;

    [ClassInitialize]
    public static void WriteImages(TestContext _)
    {
        s_images = new GeneratedImages("recipe");
        s_train = s_images.Write("train", perClass: 8, seed: 5);
        s_valid = s_images.Write("valid", perClass: 4, seed: 6);
    }

    [ClassCleanup]
    public static void Cleanup() => s_images.Dispose();

    private static (MLContext Ml, IDataView Train, FastCnnOptions Options) Setup(int seed = 1)
    {
        var ml = new MLContext(seed: seed);
        var train = ml.Data.LoadFromEnumerable(s_train);
        var preprocessing = TestData.Preprocessing(ml).Fit(train);
        var options = TestData.TinyOptions(validation: preprocessing.Transform(ml.Data.LoadFromEnumerable(s_valid)));
        options.BatchSize = 8;
        return (ml, preprocessing.Transform(train), options);
    }

    private static FastCnnLearner NewLearner(FastCnnOptions? change = null)
    {
        var (ml, train, options) = Setup();
        return FastCnnLearner.Create(ml, train, change ?? options);
    }

    private static Dictionary<string, Tensor> Weights(FastCnnLearner learner) =>
        learner.Core.Model.Network.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());

    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    [TestMethod]
    public void FrozenTrainingChangesOnlyTheHeadAndBatchNorm()
    {
        using var learner = NewLearner();
        learner.Freeze();
        var before = Weights(learner);

        learner.Fit(1, 1e-3, LearningRateSchedule.Constant);

        var after = Weights(learner);
        var groups = learner.Core.Groups;
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
        var probe = new OptimizerProbe();

        learner.Core.Fit(1, LearningRates.PerGroup(1e-4, 1e-3, 1e-2).ForGroups(3), LearningRateSchedule.Constant, [probe], default);

        CollectionAssert.AreEqual(new[] { 1e-4, 1e-3, 1e-2 }, probe.FirstBatchRates);
        Assert.AreEqual(3, probe.GroupParameterCounts.Length);
        Assert.AreEqual(2, probe.GroupParameterCounts[2], "the head group holds fc.weight and fc.bias");
    }

    [TestMethod]
    public void OneCycleDrivesLearningRateAndAdamBeta1()
    {
        using var learner = NewLearner();
        var probe = new OptimizerProbe();

        learner.Core.Fit(2, LearningRates.Range(1e-4, 1e-2).ForGroups(3), LearningRateSchedule.OneCycle(), [probe], default);

        // 2 epochs × 3 batches: batch i runs at progress i/6.
        var expected = LearningRateSchedule.OneCycle();
        for (int i = 0; i < probe.HeadRates.Count; i++)
        {
            Assert.AreEqual(1e-2 * expected.LearningRateFactor(i / 6.0), probe.HeadRates[i], 1e-12, $"batch {i}");
            Assert.AreEqual(expected.Momentum(i / 6.0)!.Value, probe.HeadBeta1[i], 1e-12, $"batch {i}");
        }
        Assert.AreEqual(6, probe.HeadRates.Count);
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

        int minimum = Enumerable.Range(0, result.Losses.Count).MinBy(i => result.Losses[i]);
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
            learner.Core.Fit(3, LearningRates.Single(1e-3).ForGroups(3), LearningRateSchedule.Constant, [canceller], cancel.Token));

        Assert.AreEqual(2, canceller.BatchesStarted, "no batch starts after cancellation");
    }

    [TestMethod]
    public void CancellingTheRangeTestRestoresTheWeights()
    {
        using var learner = NewLearner();
        var before = Weights(learner);
        using var cancel = new CancellationTokenSource();
        var finder = new LearningRateFinderCallback(new LearningRateFinderOptions());
        var canceller = new CancelAfterBatches(cancel, 2);

        Assert.ThrowsExactly<OperationCanceledException>(() =>
            learner.Core.Fit(5, LearningRates.Single(1e-7).ForGroups(3), LearningRateSchedule.Constant, [finder, canceller], cancel.Token));

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
        options.Progress = new SynchronousProgress(e => { epochs.Add(e); cancel.Cancel(); });

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

    [TestMethod]
    public void EarlyStoppingEndsFitWhenTheMetricStopsImproving()
    {
        var log = new List<string>();
        var stopping = new EarlyStopping(TrainingMetric.ValidLoss, patience: 1, log.Add);
        var state = new FitState(null!, null!, epochs: 10, batchesPerEpoch: 1);
        double[] losses = [1.0, 0.8, 0.9, 0.85, 0.7];

        int epoch = 0;
        while (!state.StopRequested)
            stopping.AfterEpoch(state, new EpochResult(epoch + 1, 1, losses[epoch++], 0.5, TimeSpan.Zero));

        Assert.AreEqual(4, epoch, "stops after two epochs without beating 0.8");
        StringAssert.Contains(log.Single(), "best 0.8000");
    }

    [TestMethod]
    public void KeepBestPutsBackTheBestEpochsWeights()
    {
        using var model = ImageClassifier.Create(ResNetArchitecture.ResNet18, 32, ["a", "b"], CPU, seed: 3);
        var keep = new KeepBestModel(TrainingMetric.Accuracy, _ => { });
        var state = new FitState(model, null!, epochs: 2, batchesPerEpoch: 1);
        var fc = model.Network.state_dict()["fc.weight"];

        keep.AfterEpoch(state, new EpochResult(1, 1, 0.5, 0.9, TimeSpan.Zero));
        var best = fc.clone();
        using (no_grad())
            fc.add_(1);
        state.Epoch = 1;
        keep.AfterEpoch(state, new EpochResult(2, 1, 0.4, 0.8, TimeSpan.Zero));
        keep.AfterFit(state, completed: true);

        Assert.IsTrue(Same(best, model.Network.state_dict()["fc.weight"]));
    }

    [TestMethod]
    public void WithoutALearningRateTheTrainerRunsTheRangeTestAndUsesItsValley()
    {
        var (ml, train, options) = Setup();
        var log = TestData.CaptureLog(ml);
        options.LearningRate = null;
        options.LearningRateFinder = new LearningRateFinderOptions { Iterations = 30 };
        options.Epochs = 1;

        using var model = FastCnn.Train(ml, options).Fit(train);

        var found = log.Single(l => l.Contains("Learning-rate range test", StringComparison.Ordinal));
        string valley = found[(found.IndexOf("valley ", StringComparison.Ordinal) + 7)..].Split(',')[0];
        Assert.IsTrue(log.Any(l => l.Contains($"learning rates {valley},", StringComparison.Ordinal)), string.Join('\n', log));
    }

    [TestMethod]
    public void LessonOneSequenceRunsThroughThePublicApi()
    {
        var (ml, train, options) = Setup();
        var epochs = new List<EpochResult>();
        options.Progress = new SynchronousProgress(epochs.Add);
        using var learner = FastCnnLearner.Create(ml, train, options);

        var lr = learner.FindLearningRate(new LearningRateFinderOptions { Iterations = 30 }).Suggest();
        learner.Freeze();
        learner.FitOneCycle(1, lr);
        learner.Unfreeze();
        learner.FitSgdr(cycles: 2, LearningRates.PerGroup(lr / 100, lr / 10, lr), cycleLength: 1, cycleMultiplier: 2);
        using var model = learner.ToTransformer();

        Assert.AreEqual(4, learner.History.Count);
        CollectionAssert.AreEqual(learner.History.ToList(), epochs);
        Assert.IsTrue(epochs.All(e => e.ValidLoss is not null && e.Accuracy is not null));
        var scored = model.Transform(options.ValidationSet!).GetColumn<float[]>("Score").ToList();
        Assert.AreEqual(s_valid.Count, scored.Count);
    }

    /// <summary>Reports synchronously (Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class SynchronousProgress(Action<EpochResult> report) : IProgress<EpochResult>
    {
        public void Report(EpochResult value) => report(value);
    }

    private sealed class OptimizerProbe : ILearnerCallback
    {
        public double[] FirstBatchRates { get; private set; } = [];

        public int[] GroupParameterCounts { get; private set; } = [];

        public List<double> HeadRates { get; } = [];

        public List<double> HeadBeta1 { get; } = [];

        public void BeforeBatch(FitState state) { }

        public void AfterBatch(FitState state, double loss)
        {
            var groups = state.Optimizer.ParamGroups.Cast<TorchSharp.Modules.AdamW.ParamGroup>().ToList();
            if (FirstBatchRates.Length == 0)
            {
                FirstBatchRates = groups.Select(g => g.LearningRate).ToArray();
                GroupParameterCounts = groups.Select(g => g.Parameters.Count()).ToArray();
            }
            HeadRates.Add(groups[^1].LearningRate);
            HeadBeta1.Add(groups[^1].Betas.Item1);
        }
    }

    private sealed class CancelAfterBatches(CancellationTokenSource source, int batches) : ILearnerCallback
    {
        public int BatchesStarted { get; private set; }

        public void BeforeBatch(FitState state) => BatchesStarted++;

        public void AfterBatch(FitState state, double loss)
        {
            if (BatchesStarted == batches)
                source.Cancel();
        }
    }
}
