using Microsoft.ML;
using Microsoft.ML.Data;
using ML.FastCnn.Shared;

namespace ML.FastCnn.Tests;

/// <summary>
/// ML.NET apps are long-running processes whose other threads allocate all the time. TorchSharp 0.107
/// lets a garbage collection free a Scalar while libtorch reads it (docs/torchsharp-scalar-lifetimes.md):
/// stock TorchVision + AdamW fails within a few steps under this pressure. Training and scoring through
/// the public API must neither fail nor compute anything different while another thread collects.
/// </summary>
[TestClass]
[TestCategory(Categories.Integration)]
public sealed class GcPressureTests
{
    [TestMethod]
    [DataRow(OptimizerKind.AdamW)]
    [DataRow(OptimizerKind.Sgd)]
    public void TrainingAndScoringUnderGarbageCollectionsFromAnotherThreadGiveTheSameModel(OptimizerKind optimizer)
    {
        var train = TestData.FashionMnist("train", 8);
        var valid = TestData.FashionMnist("valid", 2);

        var quiet = TrainAndScore(optimizer, train, valid);
        long collections;
        (float[][] Scores, uint[] Predictions) underPressure;
        using (var pressure = new GarbageCollectionPressure())
        {
            underPressure = TrainAndScore(optimizer, train, valid);
            collections = pressure.Collections;
        }

        Assert.IsTrue(collections > 100, $"the other thread collected while training ({collections} collections)");
        CollectionAssert.AreEqual(quiet.Predictions, underPressure.Predictions);
        for (int i = 0; i < quiet.Scores.Length; i++)
            CollectionAssert.AreEqual(quiet.Scores[i], underPressure.Scores[i], $"row {i}: same seed, same scores with or without collections");
    }

    // 80 images, batch 16, 6 epochs: 30 optimizer steps (stock TorchSharp fails within 3–17) and 6
    // validations, then batch scoring and 20 single predictions.
    private static (float[][] Scores, uint[] Predictions) TrainAndScore(OptimizerKind optimizer, List<ImageRow> train, List<ImageRow> valid)
    {
        var ml = new MLContext(seed: 1);
        var preprocessing = TestData.Preprocessing(ml).Fit(ml.Data.LoadFromEnumerable(train));
        var options = TestData.TinyOptions(preprocessing.Transform(ml.Data.LoadFromEnumerable(valid)));
        options.Epochs = 6;
        options.Learner.Optimizer = optimizer;
        using var model = FastCnn.Train(ml, options).Fit(preprocessing.Transform(ml.Data.LoadFromEnumerable(train)));

        var scored = model.Transform(preprocessing.Transform(ml.Data.LoadFromEnumerable(valid)));
        var scores = scored.GetColumn<float[]>("Score").ToArray();
        using var engine = ml.Model.CreatePredictionEngine<ImageRow, Prediction>(preprocessing.Append(model));
        var predictions = valid.Select(row => engine.Predict(row).PredictedLabel).ToArray();
        return (scores, predictions);
    }

    private sealed class Prediction
    {
        public uint PredictedLabel { get; set; }
    }
}
