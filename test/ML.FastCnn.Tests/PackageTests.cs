namespace ML.FastCnn.Tests;

/// <summary>
/// The NuGet package works by itself: packed into a temporary feed, a separate application
/// (test/PackageConsumer, copied out of the repository) restores it offline, builds, trains, saves,
/// and a second process loads the model and predicts the same. On Debian 12 this also proves the
/// package's own libstdc++ step (buildTransitive/) runs: without it TorchSharp does not load.
/// </summary>
[TestClass]
[TestCategory(Categories.Integration)]
public sealed class PackageTests
{
    [TestMethod]
    public void AnApplicationThatReferencesOnlyThePackageTrainsSavesLoadsAndPredicts()
    {
        using var images = new GeneratedImages("package");
        var data = Path.Combine(images.Folder, "data");
        foreach (var row in images.Write("train", perClass: 6, seed: 3))
        {
            var target = Path.Combine(data, row.Label, Path.GetFileName(row.ImagePath));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Move(row.ImagePath, target);
        }
        using var package = new TestPackage(images.Folder).Pack();
        Assert.IsTrue(new FileInfo(package.Package).Length < 5 << 20, $"the package carries no copy of ResNet18.onnx ({new FileInfo(package.Package).Length} bytes)");
        // Offline: the temporary feed and the packages the repository's own restore already put in the global folder.
        var app = package.Consumer("app", offline: true);
        var built = TestData.Run("dotnet", "build", app, "-c", "Release", $"-p:FastCnnVersion={package.Version}");
        StringAssert.Contains(built, "Build succeeded");
        StringAssert.Contains(built, "0 Warning(s)", built);

        var program = Path.Combine(app, "bin", "Release", "net10.0", "PackageConsumer.dll");
        var model = Path.Combine(app, "model.zip");
        var trained = Lines(TestData.Run("dotnet", program, "train", data, model));
        Assert.AreEqual(18, trained.Count, string.Join('\n', trained));
        var files = Directory.GetFiles(data, "*.png", SearchOption.AllDirectories).ToDictionary(f => Path.GetFileName(f)!, f => f);
        var predicted = Lines(TestData.Run("dotnet", [program, "predict", model, .. trained.Select(line => files[line.Split(' ')[0]])]));
        CollectionAssert.AreEqual(trained, predicted, "the model loaded in a second process predicts what the trained one did");
        Assert.IsTrue(trained.All(line => GeneratedImages.Classes.Contains(line.Split(' ')[1])), "predictions are class names");
    }

    private static List<string> Lines(string output) => output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
}
