using Microsoft.ML;
using Microsoft.ML.Data;

namespace ML.FastCnn.Tests;

/// <summary>Models saved by earlier versions keep loading and scoring as they did.</summary>
[TestClass]
public sealed class ModelFormatTests
{
    /// <summary>
    /// Fixtures/format-1.3.zip was saved by the version before format 1.4 (commit de9b805): MapValueToKey →
    /// LoadImages → FastCnn, a ResNet18 at 32 px with TorchVision's single <c>fc</c> head for classes a and b,
    /// its body weights zero so the file stays small. That version scored the two images below with these
    /// probabilities.
    /// </summary>
    [TestMethod]
    public void AFormat13ModelLoadsWithItsLinearHeadAndScoresAsBefore()
    {
        var ml = new MLContext(seed: 1);
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "format-1.3.zip");
        var sample = Path.Combine(TestData.RepositoryRoot(), "data", "fashion-mnist-sample", "valid");
        var rows = ml.Data.LoadFromEnumerable(new[]
        {
            new ImageRow { ImagePath = Path.Combine(sample, "bag", "00018.png"), Label = "a" },
            new ImageRow { ImagePath = Path.Combine(sample, "boot", "00000.png"), Label = "b" },
        });

        var model = (TransformerChain<ITransformer>)ml.Model.Load(path, out _);
        var scores = model.Transform(rows).GetColumn<float[]>("Score").ToList();

        using var fastCnn = model.OfType<FastCnnTransformer>().Single();
        CollectionAssert.AreEqual(new[] { "a", "b" }, fastCnn.ClassNames.ToArray());
        Assert.AreEqual(32, fastCnn.ImageSize);
        Assert.AreEqual("ResNet18", fastCnn.NetworkDescription);
        Assert.AreEqual(ResizeMethod.Squish, fastCnn.Resize, "models saved before format 1.6 squish");
        float[] before = [0.48674172f, 0.5132583f];
        foreach (var score in scores)
        {
            Assert.AreEqual(before[0], score[0], 1e-6f);
            Assert.AreEqual(before[1], score[1], 1e-6f);
        }
    }
}
