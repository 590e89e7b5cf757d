using Microsoft.ML;
using Microsoft.ML.Data;

namespace ML.FastCnn.Tests;

/// <summary>Bad input is refused before training starts, with a message that names the problem and the fix.</summary>
[TestClass]
public sealed class TrainingErrorTests
{
    private static readonly GeneratedImages s_images = GeneratedImages.ForClass("errors");
    private static List<ImageRow> s_rows = null!;

    [ClassInitialize]
    public static void WriteImages(TestContext _)
    {
        s_rows = s_images.Write("train", perClass: 4, seed: 3);
    }

    private static (MLContext Ml, List<string> Log) NewContext()
    {
        var ml = new MLContext(seed: 1);
        return (ml, TestData.CaptureLog(ml));
    }

    private static TException FitFails<TException>(MLContext ml, List<string> log, IDataView data, FastCnnOptions options, params string[] expected)
        where TException : Exception
    {
        var e = Assert.ThrowsExactly<TException>(() => FastCnn.Train(ml, options).Fit(data));
        foreach (var text in expected)
            StringAssert.Contains(e.Message, text);
        Assert.IsFalse(log.Any(l => l.Contains("epoch ", StringComparison.Ordinal)), "training started before the error");
        return e;
    }

    private static IDataView Prepared(MLContext ml, IEnumerable<ImageRow> rows)
    {
        var data = ml.Data.LoadFromEnumerable(rows);
        return TestData.Preprocessing(ml).Fit(data).Transform(data);
    }

    [TestMethod]
    public void MissingImageColumnSaysHowToLoadImages()
    {
        var (ml, log) = NewContext();
        var data = ml.Transforms.Conversion.MapValueToKey("Label").Fit(ml.Data.LoadFromEnumerable(s_rows)).Transform(ml.Data.LoadFromEnumerable(s_rows));
        FitFails<ArgumentOutOfRangeException>(ml, log, data, TestData.TinyOptions(), "Image column 'Image' not found", "LoadImages");
    }

    [TestMethod]
    public void ImageColumnOfTheWrongTypeIsNamed()
    {
        var (ml, log) = NewContext();
        var options = TestData.TinyOptions();
        options.Learner.ImageColumnName = "ImagePath"; // text, not an image
        FitFails<ArgumentOutOfRangeException>(ml, log, Prepared(ml, s_rows), options, "Image column 'ImagePath' has type", "LoadRawImageBytes");
    }

    [TestMethod]
    public void MissingLabelColumnIsNamed()
    {
        var (ml, log) = NewContext();
        var options = TestData.TinyOptions();
        options.Learner.LabelColumnName = "Class";
        FitFails<ArgumentOutOfRangeException>(ml, log, Prepared(ml, s_rows), options, "Label column 'Class' not found", "LabelColumnName");
    }

    [TestMethod]
    public void TextLabelSaysToUseMapValueToKey()
    {
        var (ml, log) = NewContext();
        var raw = ml.Data.LoadFromEnumerable(s_rows);
        var data = ml.Transforms.LoadImages("Image", null, "ImagePath").Fit(raw).Transform(raw);
        FitFails<ArgumentOutOfRangeException>(ml, log, data, TestData.TinyOptions(), "Label column 'Label'", "needs keys for classes", "MapValueToKey(\"Label\")");
    }

    [TestMethod]
    public void ASingleClassIsRefused()
    {
        var (ml, log) = NewContext();
        var oneClass = s_rows.Where(r => r.Label == GeneratedImages.Classes[0]);
        FitFails<ArgumentOutOfRangeException>(ml, log, Prepared(ml, oneClass), TestData.TinyOptions(), "number of classes needs to be 2 or greater");
    }

    [TestMethod]
    public void TwoKeysButOneClassInTheDataIsRefused()
    {
        var (ml, log) = NewContext();
        // The key knows both classes (fitted on all rows), but the training rows hold only one.
        var all = ml.Data.LoadFromEnumerable(s_rows);
        var preprocessing = TestData.Preprocessing(ml).Fit(all);
        var data = preprocessing.Transform(ml.Data.LoadFromEnumerable(s_rows.Where(r => r.Label == GeneratedImages.Classes[1])));
        FitFails<ArgumentOutOfRangeException>(ml, log, data, TestData.TinyOptions(), "Only one class found", "2 or greater");
    }

    [TestMethod]
    public void EmptyTrainingDataIsRefused()
    {
        var (ml, log) = NewContext();
        var all = ml.Data.LoadFromEnumerable(s_rows);
        var preprocessing = TestData.Preprocessing(ml).Fit(all);
        var empty = preprocessing.Transform(ml.Data.LoadFromEnumerable(new List<ImageRow>()));
        FitFails<ArgumentOutOfRangeException>(ml, log, empty, TestData.TinyOptions(), "training data has no usable rows");
    }

    [TestMethod]
    [DataRow("missing")]
    [DataRow("empty")]
    [DataRow("corrupt")]
    public void UnreadableImageFailsNamingItsPath(string kind)
    {
        var (ml, log) = NewContext();
        var bad = BadImage(kind);
        var e = FitFails<UnreadableImageException>(ml, log, Prepared(ml, s_rows.Append(bad)), TestData.TinyOptions(), bad.ImagePath, "Cannot read the image");
        StringAssert.Contains(e.Message, "BadImages = Skip");
        Assert.AreEqual(bad.ImagePath, e.ImagePath);
    }

    [TestCategory(Categories.Integration)]
    [TestMethod]
    public void SkipPolicyLeavesUnreadableImagesOutAndCountsThem()
    {
        var (ml, log) = NewContext();
        var rows = s_rows.Concat(new[] { "missing", "empty", "corrupt" }.Select(BadImage));
        var options = TestData.TinyOptions();
        options.Learner.BadImages = BadImagePolicy.Skip;
        options.Epochs = 1;

        var model = FastCnn.Train(ml, options).Fit(Prepared(ml, rows));

        Assert.AreEqual(GeneratedImages.Classes.Length, model.ClassNames.Count);
        Assert.IsTrue(log.Any(l => l.Contains("Skipped 3 rows", StringComparison.Ordinal)), string.Join('\n', log));
        Assert.IsTrue(log.Any(l => l.Contains("epoch 1:", StringComparison.Ordinal)), string.Join('\n', log));
    }

    [TestMethod]
    [DataRow("Epochs", -1, "must be 0 or more, or null for the data-size default (was -1)")]
    [DataRow("FreezeEpochs", -1, "must be 0 or more, or null for the recipe's default (was -1)")]
    [DataRow("LearningRate", -1, "must be a positive number, or null to run the range test (was -1)")]
    [DataRow("Learner.BatchSize", 0, "must be 1 or more, or null for the data-size default (was 0)")]
    [DataRow("Learner.ImageSize", 8, "must be 16 or more, or null for the images' own size (was 8)")]
    [DataRow("Learner.PrefetchBatches", 0, "must be 1 or more (was 0)")]
    [DataRow("Scoring.BatchSize", 0, "must be 1 or more (was 0)")]
    [DataRow("Scoring.TestTimeAugmentation", -1, "must be 0 or more (was -1)")]
    [DataRow("LearningRateFinder.Iterations", 1, "Iterations must be 2 or more (was 1)")]
    [DataRow("Recipe", 7, "must be FineTune, FineTuneOnStoredActivations or Lesson1 (was 7)")]
    public void OutOfRangeOptionsAreNamedWithTheRuleAndTheirValue(string path, int value, string rule)
    {
        var options = TestData.TinyOptions();
        options.LearningRateFinder = new LearningRateFinderOptions();
        object target = options;
        var names = path.Split('.');
        foreach (var name in names[..^1])
            target = target.GetType().GetProperty(name)!.GetValue(target)!;
        var property = target.GetType().GetProperty(names[^1])!;
        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        property.SetValue(target, type.IsEnum ? Enum.ToObject(type, value) : Convert.ChangeType(value, type));

        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => FastCnn.Train(new MLContext(), options));

        string option = names.Length == 2 && names[0] == "LearningRateFinder" ? "LearningRateFinder" : names[^1];
        Assert.AreEqual(option, e.ParamName);
        Assert.AreEqual($"{rule} (Parameter '{option}')", e.Message);
    }

    [TestMethod]
    public void ANonPositiveTimeBudgetIsRefused()
    {
        var options = TestData.TinyOptions();
        options.TimeBudget = TimeSpan.Zero;

        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => FastCnn.Train(new MLContext(), options));

        Assert.AreEqual("must be positive, or null for the plan's epochs (was 00:00:00) (Parameter 'TimeBudget')", e.Message);
    }

    [TestMethod]
    public void NoEpochsWithRandomWeightsIsRefusedBeforeTraining()
    {
        var (ml, log) = NewContext();
        var options = TestData.TinyOptions();
        options.Epochs = 0; // fine with pretrained weights (the head only); random weights have no frozen phase

        var e = FitFails<ArgumentOutOfRangeException>(ml, log, Prepared(ml, s_rows), options);

        Assert.AreEqual("must be 1 or more with random weights: there is no frozen phase (was 0) (Parameter 'Epochs')", e.Message);
    }

    [TestMethod]
    public void TheLearnerChecksItsOwnOptionsAndTheRangeTestsSettings()
    {
        var ml = new MLContext(seed: 1);
        var data = Prepared(ml, s_rows);
        var options = TestData.TinyOptions().Learner;
        options.ImageSize = 8;
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => FastCnnLearner.Create(ml, data, options));
        Assert.AreEqual("must be 16 or more, or null for the images' own size (was 8) (Parameter 'ImageSize')", e.Message);

        options.ImageSize = 32;
        using var learner = FastCnnLearner.Create(ml, data, options);
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => learner.FindLearningRate(new LearningRateFinderOptions { StartLearningRate = 1, EndLearningRate = 0.1 }));
        Assert.AreEqual("needs 0 < StartLearningRate < EndLearningRate (were 1 and 0.1) (Parameter 'options')", e.Message);
    }

    private static ImageRow BadImage(string kind)
    {
        var path = Path.Combine(s_images.Folder, $"bad-{kind}.png");
        if (kind == "empty")
            File.WriteAllBytes(path, []);
        else if (kind == "corrupt")
            File.WriteAllBytes(path, [0x89, (byte)'P', (byte)'N', (byte)'G', 1, 2, 3, 4, 5, 6, 7, 8]);
        return new ImageRow { ImagePath = path, Label = GeneratedImages.Classes[0] };
    }
}
