using Microsoft.ML;
using Microsoft.ML.Data;

namespace ML.FastCnn.Tests;

/// <summary>
/// fast.ai's SaveModelCallback and a resumed fit: a fit interrupted after two of four epochs and
/// resumed from its checkpoint by a fresh learner ends, on the CPU with a seed, with exactly the model
/// of the fit that was never interrupted.
/// </summary>
[TestClass]
[TestCategory(Categories.Integration)]
public sealed class CheckpointTests
{
    private sealed class StopAfter(int epochs) : LearnerCallback
    {
        public override void AfterEpoch(FitContext context, EpochResult result)
        {
            if (result.Epoch == epochs)
                context.RequestStop();
        }
    }

    [TestMethod]
    public void AFitResumedFromItsCheckpointEndsWithTheUninterruptedModel()
    {
        var ml = new MLContext(seed: 1);
        var raw = ml.Data.LoadFromEnumerable(TestData.FashionMnist("train", 3));
        var data = TestData.Preprocessing(ml).Fit(raw).Transform(raw);
        var options = TestData.TinyOptions().Learner;
        options.BatchSize = 8;
        options.Augmentation = Augmentation.SideOn; // resumed draws must match too
        var folder = Directory.CreateTempSubdirectory("fastcnn-checkpoint-").FullName;
        var checkpoint = Path.Combine(folder, "fit.ckpt");
        try
        {
            float[][] Fit(Func<FastCnnLearner, IReadOnlyList<EpochResult>> fit, out IReadOnlyList<EpochResult> results)
            {
                using var learner = FastCnnLearner.Create(ml, data, options);
                results = fit(learner);
                using var model = learner.ToTransformer();
                return model.Transform(data).GetColumn<float[]>("Score").ToArray();
            }

            var whole = Fit(l => l.Fit(4, 2e-3, LearningRateSchedule.OneCycle()), out _);
            var interrupted = Fit(l => l.Fit(4, 2e-3, LearningRateSchedule.OneCycle(), [new ModelCheckpoint(checkpoint), new StopAfter(2)]), out var first);
            Assert.AreEqual(2, first.Count);
            Assert.IsTrue(File.Exists(checkpoint));
            Assert.AreEqual(0, Directory.GetFiles(folder, "*.tmp").Length, "written through a temporary file, none left");
            var resumed = Fit(l => l.Fit(4, 2e-3, LearningRateSchedule.OneCycle(), resumeFrom: checkpoint), out var rest);

            CollectionAssert.AreEqual(new[] { 3, 4 }, rest.Select(r => r.Epoch).ToArray(), "the resumed fit goes on at epoch 3");
            for (int i = 0; i < whole.Length; i++)
                CollectionAssert.AreEqual(whole[i], resumed[i], $"row {i}: resumed = uninterrupted, bit for bit");
            Assert.IsFalse(whole.Zip(interrupted).All(p => p.First.SequenceEqual(p.Second)), "the interrupted model alone is not the final one");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    public void AResumeThatDoesNotMatchItsCheckpointIsRefusedWithTheReason()
    {
        var ml = new MLContext(seed: 1);
        var raw = ml.Data.LoadFromEnumerable(TestData.FashionMnist("train", 2));
        var data = TestData.Preprocessing(ml).Fit(raw).Transform(raw);
        var options = TestData.TinyOptions().Learner;
        options.BatchSize = 8;
        var folder = Directory.CreateTempSubdirectory("fastcnn-checkpoint-").FullName;
        var checkpoint = Path.Combine(folder, "fit.ckpt");
        try
        {
            using var learner = FastCnnLearner.Create(ml, data, options);
            learner.Fit(2, 2e-3, LearningRateSchedule.OneCycle(), [new ModelCheckpoint(checkpoint), new StopAfter(1)]);

            var shape = Assert.ThrowsExactly<ArgumentException>(() => learner.Fit(3, 2e-3, LearningRateSchedule.OneCycle(), resumeFrom: checkpoint));
            StringAssert.StartsWith(shape.Message, "The checkpoint is from a fit of 2 epochs of 2 batches, this one has 3 of 2: resume with the same epochs, learning rates and schedule, on the same data and batch size.");

            var bytes = File.ReadAllBytes(checkpoint);
            File.WriteAllBytes(checkpoint, bytes[..(bytes.Length / 2)]);
            var cut = Assert.ThrowsExactly<InvalidDataException>(() => learner.Fit(2, 2e-3, LearningRateSchedule.OneCycle(), resumeFrom: checkpoint));
            Assert.AreEqual($"Checkpoint '{checkpoint}' cannot be read: it is cut short. Write it again (ModelCheckpoint) or resume from another one.", cut.Message);

            File.WriteAllText(checkpoint, "something else");
            var other = Assert.ThrowsExactly<InvalidDataException>(() => learner.Fit(2, 2e-3, LearningRateSchedule.OneCycle(), resumeFrom: checkpoint));
            StringAssert.StartsWith(other.Message, $"Checkpoint '{checkpoint}' cannot be read: ");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
