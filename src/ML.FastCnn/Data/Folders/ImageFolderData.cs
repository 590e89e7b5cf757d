using Microsoft.ML;

namespace ML.FastCnn;

/// <summary>
/// A folder dataset as ML.NET data: rows of <see cref="ImageFolderRow"/> (<c>ImagePath</c>, <c>Label</c>)
/// for training and, when there is one, validation. Load the images with <c>LoadImages</c> (or
/// <c>LoadRawImageBytes</c>) and map the labels with <c>MapValueToKey</c>.
/// </summary>
public sealed class ImageFolderData
{
    internal ImageFolderData(IDataView train, IDataView? validation, IReadOnlyList<ImageFolderRow> trainFiles, IReadOnlyList<ImageFolderRow> validationFiles,
        IReadOnlyList<string> classNames, IReadOnlyList<string> ignoredPaths, IReadOnlyList<string> skippedPaths)
    {
        Train = train;
        Validation = validation;
        TrainFiles = trainFiles;
        ValidationFiles = validationFiles;
        ClassNames = classNames;
        IgnoredPaths = ignoredPaths;
        SkippedPaths = skippedPaths;
    }

    /// <summary>The training rows.</summary>
    public IDataView Train { get; }

    /// <summary>The validation rows, or null when the folder has none and no fraction was set aside.</summary>
    public IDataView? Validation { get; }

    /// <summary>The training files, in a fixed order.</summary>
    public IReadOnlyList<ImageFolderRow> TrainFiles { get; }

    /// <summary>The validation files, in a fixed order.</summary>
    public IReadOnlyList<ImageFolderRow> ValidationFiles { get; }

    /// <summary>The classes (folder names), sorted.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>How many files were ignored because their extension is not one of <see cref="ImageFolderOptions.Extensions"/>.</summary>
    public int IgnoredFiles => IgnoredPaths.Count;

    /// <summary>The files ignored by extension (e.g. <c>.tiff</c>, which the decoders cannot read, or <c>.txt</c>), sorted.</summary>
    public IReadOnlyList<string> IgnoredPaths { get; }

    /// <summary>How many bad image files were left out (with <see cref="ImageFolderOptions.BadFiles"/> = Skip).</summary>
    public int SkippedFiles => SkippedPaths.Count;

    /// <summary>The bad image files left out, sorted.</summary>
    public IReadOnlyList<string> SkippedPaths { get; }
}
