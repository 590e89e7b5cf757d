using System.Globalization;
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
    /// probabilities. With a zero body every image scores the same, so this proves the real 1.3 file loads, not
    /// that its images are seen as before: the seeded fixtures below do that (Fixtures/README.md).
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

    /// <summary>
    /// Fixtures/format-1.N-seeded.zip were written by test/ML.FastCnn.FixtureMaker as format 1.N wrote them (see
    /// Fixtures/README.md): a ResNet18 of one block per stage with seeded non-zero weights, 32 px, three classes.
    /// Their scores of the three committed images were recorded when they were made; the probabilities sit well
    /// inside (0, 1) and differ between the images, so a change to how old models' images are resized, cropped
    /// or normalised, or to how their header, head or weights are read, moves them past the tolerance.
    /// </summary>
    [TestMethod]
    [DataRow(3, ClassifierHead.Linear, ResizeMethod.Squish, DisplayName = "1.3: TorchVision's fc head, squish")]
    [DataRow(4, ClassifierHead.Fastai, ResizeMethod.Squish, DisplayName = "1.4: fast.ai's head, squish")]
    [DataRow(5, ClassifierHead.Linear, ResizeMethod.Squish, DisplayName = "1.5: checksummed weights, squish")]
    [DataRow(6, ClassifierHead.Fastai, ResizeMethod.Crop, DisplayName = "1.6: stored resize method (crop)")]
    public void ASeededOldFormatModelScoresTheCommittedImagesAsWhenItWasMade(int minor, ClassifierHead head, ResizeMethod resize)
    {
        // Absolute, on probabilities: room for libtorch builds and scoring engines (≈1e-6 apart), far below
        // what a preprocessing change does to these models (scores move by 1e-2).
        const float Tolerance = 1e-4f;
        var fixtures = Path.Combine(AppContext.BaseDirectory, "Fixtures");
        var expected = File.ReadAllLines(Path.Combine(fixtures, $"format-1.{minor}-seeded.scores.tsv"))
            .Skip(1).Select(line => line.Split('\t'))
            .Select(f => (Image: Path.Combine(fixtures, "images", f[0]), Scores: f.Skip(1).Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray()))
            .ToList();
        var ml = new MLContext(seed: 1);
        var rows = ml.Data.LoadFromEnumerable(expected.Select(e => new ImageRow { ImagePath = e.Image, Label = "a" }));

        var model = (TransformerChain<ITransformer>)ml.Model.Load(Path.Combine(fixtures, $"format-1.{minor}-seeded.zip"), out _);
        var scores = model.Transform(rows).GetColumn<float[]>("Score").ToList();

        using var fastCnn = model.OfType<FastCnnTransformer>().Single();
        CollectionAssert.AreEqual(new[] { "a", "b", "c" }, fastCnn.ClassNames.ToArray());
        Assert.AreEqual(32, fastCnn.ImageSize);
        Assert.AreEqual(CnnArchitecture.ResNet18, fastCnn.Architecture);
        CollectionAssert.AreEqual(new[] { 1, 1, 1, 1 }, fastCnn.Classifier.Blocks!.ToArray(), "one basic block per stage (stored since 1.2)");
        Assert.AreEqual(head, fastCnn.Classifier.Head);
        Assert.AreEqual(resize, fastCnn.Resize);
        Assert.AreEqual(expected.Count, scores.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            for (int c = 0; c < 3; c++)
                Assert.AreEqual(expected[i].Scores[c], scores[i][c], Tolerance, $"{Path.GetFileName(expected[i].Image)}, class {fastCnn.ClassNames[c]}");
        }
    }
}
