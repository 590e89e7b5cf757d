using Microsoft.ML;
using Microsoft.ML.Data;

namespace ML.FastCnn.Tests;

/// <summary>
/// What docs/reliability.md promises about threads and seeds: a loaded model scores from many threads at once
/// with the single-threaded results; fits on several threads each get their own seed's model; the
/// same seed gives the same model in another process.
/// </summary>
[TestClass]
[TestCategory(Categories.Integration)]
public sealed class ConcurrencyTests
{
    private static List<ImageRow> Train => TestData.FashionMnist("train", 3);

    private static (ITransformer Model, MLContext Ml) Fit(int seed)
    {
        var ml = new MLContext(seed: 1);
        var raw = ml.Data.LoadFromEnumerable(Train);
        var preprocessing = TestData.Preprocessing(ml).Fit(raw);
        var options = TestData.TinyOptions();
        options.Epochs = 2;
        options.Learner.BatchSize = 8;
        options.Learner.Seed = seed;
        return (preprocessing.Append(FastCnn.Train(ml, options).Fit(preprocessing.Transform(raw))), ml);
    }

    private static float[][] Scores(MLContext ml, ITransformer model) =>
        model.Transform(ml.Data.LoadFromEnumerable(Train)).GetColumn<float[]>("Score").ToArray();

    [TestMethod]
    public void OneLoadedModelScoredFromSixteenThreadsGivesTheSingleThreadedResults()
    {
        var (trained, ml) = Fit(seed: 1);
        var path = Path.Combine(Path.GetTempPath(), $"fastcnn-threads-{Guid.NewGuid():N}.zip");
        ml.Model.Save(trained, ml.Data.LoadFromEnumerable(Train).Schema, path);
        try
        {
            var model = ml.Model.Load(path, out _);
            var rows = Train;
            var batch = Scores(ml, model);
            float[][] Single()
            {
                // One engine per thread (ML.NET's engines are not thread-safe), sharing the model.
                using var engine = ml.Model.CreatePredictionEngine<ImageRow, Prediction>(model, new PredictionEngineOptions { OwnsTransformer = false });
                return rows.Select(row => engine.Predict(row).Score).ToArray();
            }
            var single = Single();

            // Even threads read their own cursor over the whole set; odd threads use their own PredictionEngine.
            var results = new float[16][][];
            Parallel.For(0, 16, new ParallelOptions { MaxDegreeOfParallelism = 16 }, i => results[i] = i % 2 == 0 ? Scores(ml, model) : Single());

            for (int i = 0; i < 16; i++)
            {
                var expected = i % 2 == 0 ? batch : single;
                for (int r = 0; r < rows.Count; r++)
                    CollectionAssert.AreEqual(expected[r], results[i][r], $"thread {i}, row {r}");
            }
            (model as IDisposable)?.Dispose();
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void TwoFitsAtOnceEachGiveTheModelTheirSeedGivesAlone()
    {
        float[][] Alone(int seed)
        {
            var (model, ml) = Fit(seed);
            return Scores(ml, model);
        }
        var (one, two) = (Alone(1), Alone(2));

        var atOnce = new float[2][][];
        Parallel.For(0, 2, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i => atOnce[i] = Alone(i + 1));

        for (int r = 0; r < one.Length; r++)
        {
            CollectionAssert.AreEqual(one[r], atOnce[0][r], $"seed 1, row {r}: fitting beside another fit changed the model");
            CollectionAssert.AreEqual(two[r], atOnce[1][r], $"seed 2, row {r}: fitting beside another fit changed the model");
        }
        CollectionAssert.AreNotEqual(one[0], two[0], "different seeds give different models");
    }

    [TestMethod]
    public void TheSameSeedGivesTheSamePredictionsInAnotherProcess()
    {
        var images = Train.Select(r => r.ImagePath).ToList();
        var first = Task.Run(() => TestData.RunProbe("train", images.Prepend("5")));
        var second = Task.Run(() => TestData.RunProbe("train", images.Prepend("5")));
        CollectionAssert.AreEqual(first.Result, second.Result, "two processes, same seed, same data: the same scores, bit for bit");
        Assert.AreEqual(images.Count, first.Result.Count);
    }

    private sealed class Prediction
    {
        public float[] Score { get; set; } = [];
    }
}
