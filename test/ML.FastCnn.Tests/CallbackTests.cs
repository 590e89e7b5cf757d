using Microsoft.ML;
using Microsoft.ML.Data;

namespace ML.FastCnn.Tests;

/// <summary>The public callback seam as users meet it: the checkpoint callback in docs/training.md, on the options and per fit.</summary>
[TestClass]
public sealed class CallbackTests
{
    private static GeneratedImages s_images = null!;
    private static List<ImageRow> s_rows = null!;

    [ClassInitialize]
    public static void WriteImages(TestContext _)
    {
        s_images = new GeneratedImages("callbacks");
        s_rows = s_images.Write("train", perClass: 6, seed: 8);
    }

    [ClassCleanup]
    public static void Cleanup() => s_images.Dispose();

    /// <summary>The sample in docs/training.md: a loadable model.zip after every epoch.</summary>
    private sealed class SaveModelEveryEpoch(MLContext ml, ITransformer preprocessing, DataViewSchema inputSchema, string folder) : LearnerCallback
    {
        public override void AfterEpoch(FitContext context, EpochResult result)
        {
            using var model = context.Learner.ToTransformer();
            ml.Model.Save(preprocessing.Append(model), inputSchema, Path.Combine(folder, $"epoch-{result.Epoch}.zip"));
        }
    }

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
