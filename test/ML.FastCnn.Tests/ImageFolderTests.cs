using Microsoft.ML;
using Microsoft.ML.Data;

namespace ML.FastCnn.Tests;

/// <summary>fast.ai's folder layouts read into ML.NET rows.</summary>
[TestClass]
public sealed class ImageFolderTests
{
    private string _root = null!;

    [TestInitialize]
    public void CreateRoot() => _root = Directory.CreateTempSubdirectory("fastcnn-folders").FullName;

    [TestCleanup]
    public void DeleteRoot() => Directory.Delete(_root, recursive: true);

    /// <summary>Writes <paramref name="count"/> small PNGs into <paramref name="relative"/>.</summary>
    private void Images(string relative, int count)
    {
        var folder = Path.Combine(_root, relative);
        Directory.CreateDirectory(folder);
        for (int i = 0; i < count; i++)
            GeneratedImages.Save(Path.Combine(folder, $"{i:D3}.png"), 4, 4, MLPixelFormat.Rgba32, new byte[4, 4, 3]);
    }

    [TestMethod]
    public void TrainAndValidFoldersGiveBothSets()
    {
        Images("train/cats", 3);
        Images("train/dogs", 2);
        Images("valid/cats", 1);
        Images("valid/dogs", 1);

        var data = new MLContext().Data.LoadImageFolder(_root);

        CollectionAssert.AreEqual(new[] { "cats", "dogs" }, data.ClassNames.ToArray());
        Assert.AreEqual(5, data.TrainFiles.Count);
        Assert.AreEqual(2, data.ValidationFiles.Count);
        CollectionAssert.AreEqual(new[] { "cats", "cats", "cats", "dogs", "dogs" }, data.Train.GetColumn<string>("Label").ToArray());
        Assert.IsTrue(data.Validation!.GetColumn<string>("ImagePath").All(p => p.Contains($"{Path.DirectorySeparatorChar}valid{Path.DirectorySeparatorChar}")));
    }

    [TestMethod]
    public void WithoutAValidFolderEachClassIsSplitBySeed()
    {
        Images("train/cats", 8);
        Images("train/dogs", 8);

        var data = new MLContext().Data.LoadImageFolder(_root, new ImageFolderOptions { ValidationFraction = 0.25, Seed = 1 });
        var again = new MLContext().Data.LoadImageFolder(_root, new ImageFolderOptions { ValidationFraction = 0.25, Seed = 1 });
        var other = new MLContext().Data.LoadImageFolder(_root, new ImageFolderOptions { ValidationFraction = 0.25, Seed = 2 });

        Assert.AreEqual(12, data.TrainFiles.Count);
        Assert.AreEqual(2, data.ValidationFiles.Count(f => f.Label == "cats"));
        Assert.AreEqual(2, data.ValidationFiles.Count(f => f.Label == "dogs"));
        Assert.IsFalse(data.TrainFiles.Select(f => f.ImagePath).Intersect(data.ValidationFiles.Select(f => f.ImagePath)).Any());
        CollectionAssert.AreEqual(data.ValidationFiles.Select(f => f.ImagePath).ToArray(), again.ValidationFiles.Select(f => f.ImagePath).ToArray());
        CollectionAssert.AreNotEqual(data.ValidationFiles.Select(f => f.ImagePath).ToArray(), other.ValidationFiles.Select(f => f.ImagePath).ToArray());
    }

    [TestMethod]
    public void ClassFoldersAtTheTopAndNestedImagesAreFound()
    {
        Images("cats/2019", 2);
        Images("cats", 2);
        Images("dogs/a/b", 4);
        File.WriteAllText(Path.Combine(_root, "dogs", "notes.txt"), "not an image");

        var data = new MLContext().Data.LoadImageFolder(_root, new ImageFolderOptions { ValidationFraction = 0 });

        Assert.AreEqual(8, data.TrainFiles.Count);
        Assert.IsNull(data.Validation);
        Assert.AreEqual(1, data.IgnoredFiles);
        Assert.AreEqual(4, data.TrainFiles.Count(f => f.Label == "dogs"));
    }

    [TestMethod]
    public void AnEmptyClassFolderIsNamed()
    {
        Images("train/cats", 2);
        Directory.CreateDirectory(Path.Combine(_root, "train", "dogs"));

        var e = Assert.ThrowsExactly<InvalidDataException>(() => new MLContext().Data.LoadImageFolder(_root));

        StringAssert.Contains(e.Message, Path.Combine(_root, "train", "dogs"));
        StringAssert.Contains(e.Message, "has no images");
    }

    [TestMethod]
    public void AValidationClassMissingFromTrainingIsNamed()
    {
        Images("train/cats", 2);
        Images("train/dogs", 2);
        Images("valid/birds", 1);

        var e = Assert.ThrowsExactly<InvalidDataException>(() => new MLContext().Data.LoadImageFolder(_root));

        StringAssert.Contains(e.Message, "birds");
    }

    [TestMethod]
    public void OneClassOrNoFolderIsRefused()
    {
        Images("train/cats", 2);
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => new MLContext().Data.LoadImageFolder(_root)).Message, "two or more");
        Assert.ThrowsExactly<DirectoryNotFoundException>(() => new MLContext().Data.LoadImageFolder(Path.Combine(_root, "nowhere")));
    }

    [TestMethod]
    public void EmptyFilesFailOrAreSkippedByPolicy()
    {
        Images("train/cats", 2);
        Images("train/dogs", 2);
        var empty = Path.Combine(_root, "train", "dogs", "empty.jpg");
        File.WriteAllBytes(empty, []);

        var e = Assert.ThrowsExactly<UnreadableImageException>(() => new MLContext().Data.LoadImageFolder(_root));
        var skipped = new MLContext().Data.LoadImageFolder(_root, new ImageFolderOptions { BadFiles = BadImagePolicy.Skip, ValidationFraction = 0 });

        StringAssert.Contains(e.Message, empty);
        StringAssert.Contains(e.Message, "ImageFolderOptions.BadFiles = Skip");
        Assert.AreEqual(1, skipped.SkippedFiles);
        Assert.AreEqual(4, skipped.TrainFiles.Count);
    }

    [TestMethod]
    public void TheRowsFeedTheTrainer()
    {
        var images = new GeneratedImages("folder-train");
        try
        {
            foreach (var row in images.Write("x", perClass: 4, seed: 3))
            {
                var target = Path.Combine(_root, "train", row.Label, Path.GetFileName(row.ImagePath));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(row.ImagePath, target);
            }
            var ml = new MLContext(seed: 1);
            var data = ml.Data.LoadImageFolder(_root, new ImageFolderOptions { ValidationFraction = 0.25 });
            var options = TestData.TinyOptions();
            options.Epochs = 1;

            using var model = TestData.Preprocessing(ml).Append(FastCnn.Train(ml, options)).Fit(data.Train).LastTransformer;

            CollectionAssert.AreEqual(GeneratedImages.Classes.Order(StringComparer.Ordinal).ToArray(), model.ClassNames.ToArray());
        }
        finally
        {
            images.Dispose();
        }
    }
}
