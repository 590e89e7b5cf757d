using Microsoft.ML;

namespace ML.FastCnn.Tests;

/// <summary>A label that cannot train the task asked for is refused before training, with a message that says what to change.</summary>
[TestClass]
public sealed class TaskErrorTests
{
    private static readonly MLContext s_ml = new(seed: 1);

    private sealed class TextRow
    {
        public string ImagePath { get; set; } = "";

        public string Label { get; set; } = "";

        public string[] Labels { get; set; } = [];

        public float Value { get; set; }
    }

    /// <summary>The error of fitting on a label column prepared as <paramref name="label"/> makes it (before any image is read).</summary>
    private static string ErrorFor(Func<IEstimator<ITransformer>> label, ImageTask task, string labelColumn = "Label")
    {
        var data = s_ml.Data.LoadFromEnumerable(new[] { new TextRow { ImagePath = "a.png", Label = "cat", Labels = ["cat", "dog"], Value = 1 } });
        var pipeline = label().Append(s_ml.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: "ImagePath"));
        var prepared = pipeline.Fit(data).Transform(data);
        var options = TestData.TinyOptions();
        options.Learner.Task = task;
        options.Learner.LabelColumnName = labelColumn;
        var estimator = FastCnn.Train(s_ml, options);
        return Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => estimator.Fit(prepared)).Message;
    }

    [TestMethod]
    public void AVectorLabelForASingleLabelTaskSaysToAskForMultiLabel()
    {
        var message = ErrorFor(() => s_ml.Transforms.Conversion.MapValueToKey("Label", "Labels"), ImageTask.SingleLabel);
        StringAssert.Contains(message, "Set Task to MultiLabel");
    }

    [TestMethod]
    public void OneKeyPerImageForAMultiLabelTaskSaysHowToMakeAVector()
    {
        var message = ErrorFor(() => s_ml.Transforms.Conversion.MapValueToKey("Label"), ImageTask.MultiLabel);
        StringAssert.Contains(message, "string[]");
    }

    [TestMethod]
    public void ClassesForARegressionSayThatItNeedsNumbers()
    {
        var message = ErrorFor(() => s_ml.Transforms.Conversion.MapValueToKey("Label"), ImageTask.Regression);
        StringAssert.Contains(message, "needs numbers");
    }

    [TestMethod]
    public void ATextLabelSaysToMapItToKeysOrConvertItToNumbers()
    {
        var message = ErrorFor(() => s_ml.Transforms.CopyColumns("Copy", "Label"), ImageTask.Auto);
        StringAssert.Contains(message, "MapValueToKey(\"Label\")");
        StringAssert.Contains(message, "ConvertType(\"Label\"");
    }

    [TestMethod]
    public void NumbersForAClassifierSayToMapThemToKeys()
    {
        var message = ErrorFor(() => s_ml.Transforms.CopyColumns("Copy", "Value"), ImageTask.SingleLabel, labelColumn: "Value");
        StringAssert.Contains(message, "MapValueToKey(\"Value\")");
    }
}
