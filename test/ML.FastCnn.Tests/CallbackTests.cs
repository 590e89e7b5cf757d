using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;

namespace ML.FastCnn.Tests;

/// <summary>The public callback seam as users meet it: the checkpoint callback in docs/training.md, on the options and per fit.</summary>
[TestClass]
public sealed class CallbackTests
{
    private static readonly GeneratedImages s_images = GeneratedImages.ForClass("callbacks");
    private static List<ImageRow> s_rows = null!;

    [ClassInitialize]
    public static void WriteImages(TestContext _)
    {
        s_rows = s_images.Write("train", perClass: 6, seed: 8);
    }

    /// <summary>The sample in docs/training.md: a loadable model.zip after every epoch.</summary>
    private sealed class SaveModelEveryEpoch(MLContext ml, ITransformer preprocessing, DataViewSchema inputSchema, string folder) : LearnerCallback
    {
        public override void AfterEpoch(FitContext context, EpochResult result)
        {
            using var model = context.Learner.ToTransformer();
            ml.Model.Save(preprocessing.Append(model), inputSchema, Path.Combine(folder, $"epoch-{result.Epoch}.zip"));
        }
    }

    [TestCategory(Categories.Integration)]
    [TestMethod]
    public void ACheckpointCallbackOnTheOptionsWritesALoadableModelEveryEpoch()
    {
        var ml = new MLContext(seed: 1);
        var raw = ml.Data.LoadFromEnumerable(s_rows);
        var preprocessing = TestData.Preprocessing(ml).Fit(raw);
        var folder = Path.Combine(s_images.Folder, "checkpoints");
        Directory.CreateDirectory(folder);
        var options = TestData.TinyOptions();
        options.Epochs = 2;
        options.Learner.Callbacks.Add(new SaveModelEveryEpoch(ml, preprocessing, raw.Schema, folder));

        using var final = FastCnn.Train(ml, options).Fit(preprocessing.Transform(raw));

        CollectionAssert.AreEqual(new[] { "epoch-1.zip", "epoch-2.zip" }, Directory.GetFiles(folder).Select(Path.GetFileName).Order().ToArray());
        var last = ml.Model.Load(Path.Combine(folder, "epoch-2.zip"), out _);
        var fromCheckpoint = last.Transform(raw).GetColumn<float[]>("Score").ToList();
        var fromModel = final.Transform(preprocessing.Transform(raw)).GetColumn<float[]>("Score").ToList();
        for (int i = 0; i < fromModel.Count; i++) // equal weights; scoring batch sizes differ (64 and 8), so float sums may differ in the last bits
            for (int k = 0; k < fromModel[i].Length; k++)
                Assert.AreEqual(fromModel[i][k], fromCheckpoint[i][k], 1e-5, $"row {i}: the last checkpoint is the trained model");
    }

    [TestMethod]
    public void ACallbackCanStopAFitAndSeesHowItEnded()
    {
        var ml = new MLContext(seed: 1);
        var raw = ml.Data.LoadFromEnumerable(s_rows);
        using var learner = FastCnnLearner.Create(ml, TestData.Preprocessing(ml).Fit(raw).Transform(raw), TestData.TinyOptions().Learner);
        var stopper = new StopAfterEpochs(1);

        var results = learner.Fit(5, 1e-3, LearningRateSchedule.OneCycle(), [stopper]);

        Assert.AreEqual(1, results.Count);
        Assert.AreEqual(FitOutcome.Stopped, stopper.Outcome);
        Assert.AreEqual(1, learner.History.Count);
    }

    [TestCategory(Categories.Integration)]
    [TestMethod]
    public void GradientAccumulationStepsAsOneLargeBatchWould()
    {
        var ml = new MLContext(seed: 1);
        var raw = ml.Data.LoadFromEnumerable(s_rows); // 18 rows
        var preprocessing = TestData.Preprocessing(ml).Fit(raw);
        var data = preprocessing.Transform(raw);
        List<float[]> Trained(int batchSize, LearnerCallback? callback)
        {
            var options = TestData.TinyOptions().Learner;
            options.BatchSize = batchSize;
            options.Head = ClassifierHead.Linear; // no dropout, and a frozen body: nothing but the step depends on the batch size
            using var learner = FastCnnLearner.Create(ml, data, options);
            learner.Freeze();
            learner.PrecomputeActivations = true;
            learner.Fit(1, 0.05, LearningRateSchedule.Constant, callback is null ? null : [callback]);
            using var model = learner.ToTransformer();
            return model.Transform(data).GetColumn<float[]>("Score").ToList();
        }

        var large = Trained(18, null);                                  // one step over 18 rows
        var accumulated = Trained(6, new GradientAccumulation(18));    // three batches of 6, one step
        var small = Trained(6, null);                                   // three steps

        for (int i = 0; i < large.Count; i++)
            for (int k = 0; k < large[i].Length; k++)
                Assert.AreEqual(large[i][k], accumulated[i][k], 1e-5, $"row {i}, class {k}");
        Assert.IsTrue(large.Zip(small).Any(p => p.First.Zip(p.Second).Any(q => Math.Abs(q.First - q.Second) > 1e-3)),
            "three steps of 6 differ from one of 18 (the comparison above means something)");
    }

    [TestCategory(Categories.Integration)]
    [TestMethod]
    public void AUsersCallbackCanHookTheNetworkAndRestoreItsWeightsAsTheBuiltInOnesDo()
    {
        var ml = new MLContext(seed: 1);
        var raw = ml.Data.LoadFromEnumerable(s_rows);
        var data = TestData.Preprocessing(ml).Fit(raw).Transform(raw);
        using var learner = FastCnnLearner.Create(ml, data, TestData.TinyOptions().Learner);
        List<float[]> Scores()
        {
            using var model = learner.ToTransformer();
            return model.Transform(data).GetColumn<float[]>("Score").ToList();
        }
        var before = Scores();
        var undo = new UndoTheFit();

        learner.Fit(1, 1e-2, LearningRateSchedule.Constant, [undo]);

        Assert.IsTrue(undo.Batches > 0);
        Assert.AreEqual(undo.Batches, undo.ForwardPasses, "a forward hook on context.Network saw every training batch");
        Assert.IsTrue(undo.ChangedWhileTraining, "the fit changed the weights");
        var after = Scores();
        for (int i = 0; i < before.Count; i++)
            CollectionAssert.AreEqual(before[i], after[i], $"row {i}: the snapshot restored the weights and BatchNorm statistics");
    }

    /// <summary>Counts forward passes with a hook, and puts the weights back at the end of the fit.</summary>
    private sealed class UndoTheFit : LearnerCallback
    {
        private WeightSnapshot? _start;
        private Action? _removeHook;
        private float _firstWeight;

        public int ForwardPasses { get; private set; }

        public int Batches { get; private set; }

        public bool ChangedWhileTraining { get; private set; }

        public override void BeforeFit(FitContext context)
        {
            _start = context.SnapshotWeights();
            _removeHook = context.Network.register_forward_hook((_, _, _) => { ForwardPasses++; return null!; }).remove;
            _firstWeight = FirstWeight(context);
        }

        public override void AfterFit(FitContext context, FitOutcome outcome)
        {
            ChangedWhileTraining = FirstWeight(context) != _firstWeight;
            _removeHook?.Invoke();
            _start!.Restore();
            _start.Dispose();
        }

        public override void AfterBatch(FitContext context, BatchLoss loss) => Batches++;

        private static float FirstWeight(FitContext context) => context.Network.parameters().Last().data<float>()[0];
    }

    [TestMethod]
    public void AnEpochsTrainingLossNeedsNoCallbackToAskForTheBatchLosses()
    {
        var ml = new MLContext(seed: 1);
        var raw = ml.Data.LoadFromEnumerable(s_rows); // 18 rows: three batches of 6 per epoch
        var data = TestData.Preprocessing(ml).Fit(raw).Transform(raw);
        var options = TestData.TinyOptions().Learner;
        options.BatchSize = 6;
        using var learner = FastCnnLearner.Create(ml, data, options);
        var epochs = new EpochsOnly();
        var reader = new ReadsEveryLoss();

        var results = learner.Fit(2, 1e-3, LearningRateSchedule.Constant, [epochs, reader]);

        Assert.AreEqual(2, epochs.TrainLosses.Count);
        CollectionAssert.AreEqual(results.Select(r => r.TrainLoss).ToArray(), epochs.TrainLosses.ToArray());
        for (int epoch = 0; epoch < 2; epoch++)
        {
            var batches = reader.Losses.Where(b => b.Epoch == epoch).ToList();
            Assert.AreEqual(3, batches.Count);
            Assert.IsTrue(batches.All(b => double.IsFinite(b.Value) && b.Value > 0));
            // The loop's definition: Σ loss × rows / rows.
            double sum = 0;
            foreach (var b in batches)
                sum += b.Value * b.Rows;
            Assert.AreEqual(sum / batches.Sum(b => b.Rows), epochs.TrainLosses[epoch], $"epoch {epoch + 1}");
            Assert.AreEqual(batches.Average(b => b.Value), epochs.TrainLosses[epoch], 1e-12, "equal batches: the mean of the batch losses");
        }
        Assert.IsTrue(reader.Kept.All(l => l.IsRead), "the loop reads each loss once (to skip a non-finite batch's step)");
        CollectionAssert.AreEqual(reader.Losses.Select(b => b.Value).ToArray(), reader.Kept.Select(l => l.Value).ToArray(),
            "a read loss keeps its number after its batch");
    }

    [TestMethod]
    public void ABatchLossIsReadOnceAndOnlyDuringItsBatch()
    {
        using var scope = torch.NewDisposeScope();
        var read = new BatchLoss(torch.tensor(2.5f), rows: 4);
        Assert.IsFalse(read.IsRead);
        Assert.AreEqual("not read", read.ToString());
        Assert.AreEqual(2.5, read.Value);
        Assert.IsTrue(read.IsRead);
        read.Close();
        Assert.AreEqual(2.5, read.Value, "kept after the batch");
        Assert.AreEqual(4, read.Rows);
        Assert.IsFalse(new BatchLoss(torch.tensor(float.NaN), rows: 1).IsFinite);

        var unread = new BatchLoss(torch.tensor(1f), rows: 4);
        unread.Close();
        Assert.ThrowsExactly<InvalidOperationException>(() => unread.Value);
    }

    /// <summary>Sees only the epochs' rows: never asks for a batch's loss.</summary>
    private sealed class EpochsOnly : LearnerCallback
    {
        public List<double> TrainLosses { get; } = [];

        public override void AfterEpoch(FitContext context, EpochResult result) => TrainLosses.Add(result.TrainLoss);
    }

    /// <summary>Asks for every batch's loss, and keeps the objects to ask again after the fit.</summary>
    private sealed class ReadsEveryLoss : LearnerCallback
    {
        public List<(int Epoch, double Value, int Rows)> Losses { get; } = [];

        public List<BatchLoss> Kept { get; } = [];

        public override void AfterBatch(FitContext context, BatchLoss loss)
        {
            Losses.Add((context.Epoch, loss.Value, loss.Rows));
            Kept.Add(loss);
        }
    }

    [TestMethod]
    public void GradientAccumulationNeedsAtLeastOneRow() =>
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new GradientAccumulation(0));

    private sealed class StopAfterEpochs(int epochs) : LearnerCallback
    {
        public FitOutcome? Outcome { get; private set; }

        public override void AfterEpoch(FitContext context, EpochResult result)
        {
            if (result.Epoch >= epochs)
                context.RequestStop();
        }

        public override void AfterFit(FitContext context, FitOutcome outcome) => Outcome = outcome;
    }
}
