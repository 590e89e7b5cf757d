using Microsoft.ML;

namespace ML.FastCnn;

/// <summary>
/// A CSV dataset as ML.NET data: an <c>ImagePath</c> column (full paths) and a <c>Label</c> column — text with
/// <see cref="ImageTask.SingleLabel"/>, a text vector with <see cref="ImageTask.MultiLabel"/> (map either with
/// <c>MapValueToKey("Label")</c>), a Single with <see cref="ImageTask.Regression"/> — for training and, when there is
/// one, validation. Load the images with <c>LoadImages</c> (or <c>LoadRawImageBytes</c>).
/// </summary>
public sealed class ImageCsvData
{
    internal ImageCsvData(ImageTask task, IDataView train, IDataView? validation, IReadOnlyList<ImageCsvRow> trainRows, IReadOnlyList<ImageCsvRow> validationRows,
        IReadOnlyList<string> classNames, IReadOnlyList<string> skippedPaths)
    {
        Task = task;
        Train = train;
        Validation = validation;
        TrainRows = trainRows;
        ValidationRows = validationRows;
        ClassNames = classNames;
        SkippedPaths = skippedPaths;
    }

    /// <summary>What the labels are: <see cref="ImageCsvOptions.Task"/>.</summary>
    public ImageTask Task { get; }

    /// <summary>The training rows.</summary>
    public IDataView Train { get; }

    /// <summary>The validation rows, or null when no row is marked valid and no fraction was set aside.</summary>
    public IDataView? Validation { get; }

    /// <summary>The training rows, in the CSV's order.</summary>
    public IReadOnlyList<ImageCsvRow> TrainRows { get; }

    /// <summary>The validation rows, in the CSV's order.</summary>
    public IReadOnlyList<ImageCsvRow> ValidationRows { get; }

    /// <summary>The classes met in the label column (training and validation rows), sorted; empty for <see cref="ImageTask.Regression"/>.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>How many rows were left out because their image file is bad (with <see cref="ImageCsvOptions.BadFiles"/> = Skip).</summary>
    public int SkippedFiles => SkippedPaths.Count;

    /// <summary>The bad image files left out, sorted.</summary>
    public IReadOnlyList<string> SkippedPaths { get; }
}
