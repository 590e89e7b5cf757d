using Microsoft.ML;

namespace ML.FastCnn;

/// <summary>
/// A folder dataset as ML.NET data: rows of <see cref="ImageFile"/> (<c>ImagePath</c>, <c>Label</c>)
/// for training and, when there is one, validation. Load the images with <c>LoadImages</c> (or
/// <c>LoadRawImageBytes</c>) and map the labels with <c>MapValueToKey</c>.
/// </summary>
public sealed class ImageFolderData
{
    internal ImageFolderData(IDataView train, IDataView? validation, IReadOnlyList<ImageFile> trainFiles, IReadOnlyList<ImageFile> validationFiles,
        IReadOnlyList<string> classNames, int ignoredFiles, int skippedFiles)
    {
        Train = train;
        Validation = validation;
        TrainFiles = trainFiles;
        ValidationFiles = validationFiles;
        ClassNames = classNames;
        IgnoredFiles = ignoredFiles;
        SkippedFiles = skippedFiles;
    }

    /// <summary>The training rows.</summary>
    public IDataView Train { get; }

    /// <summary>The validation rows, or null when the folder has none and no fraction was set aside.</summary>
    public IDataView? Validation { get; }

    /// <summary>The training files, in a fixed order.</summary>
    public IReadOnlyList<ImageFile> TrainFiles { get; }

    /// <summary>The validation files, in a fixed order.</summary>
    public IReadOnlyList<ImageFile> ValidationFiles { get; }

    /// <summary>The classes (folder names), sorted.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Files ignored because their extension is not an image extension.</summary>
    public int IgnoredFiles { get; }

    /// <summary>Empty image files left out (with <see cref="ImageFolderOptions.EmptyFiles"/> = Skip).</summary>
    public int SkippedFiles { get; }
}
