using Microsoft.ML.Data;
using ML.FastCnn;

namespace Microsoft.ML;

/// <summary>Catalog entries of ML.FastCnn, beside ML.NET's own multiclass trainers.</summary>
public static class FastCnnCatalog
{
    /// <summary>Creates the FastCnn image-classification trainer with the given options.</summary>
    /// <param name="catalog">The multiclass trainers catalog (<c>mlContext.MulticlassClassification.Trainers</c>).</param>
    /// <param name="options">Training options.</param>
    public static FastCnnEstimator FastCnn(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, FastCnnOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new FastCnnEstimator(MLNetSession.EnvironmentOf(catalog), options);
    }

    /// <summary>Creates the FastCnn image-classification trainer from the most used settings.</summary>
    /// <param name="catalog">The multiclass trainers catalog (<c>mlContext.MulticlassClassification.Trainers</c>).</param>
    /// <param name="labelColumnName">Key-typed label column.</param>
    /// <param name="imageColumnName">Image column (from <c>LoadImages</c> or <c>LoadRawImageBytes</c>).</param>
    /// <param name="architecture">The ImageNet network to fine-tune.</param>
    /// <param name="imageSize">Side in pixels of the square the images are resized to; null: from the images' own size.</param>
    /// <param name="epochs">Passes over the training data; null: from the number of training images.</param>
    public static FastCnnEstimator FastCnn(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string labelColumnName = FastCnnOptions.Defaults.LabelColumnName,
        string imageColumnName = FastCnnOptions.Defaults.ImageColumnName,
        CnnArchitecture architecture = FastCnnOptions.Defaults.Architecture,
        int? imageSize = null,
        int? epochs = null) =>
        catalog.FastCnn(new FastCnnOptions
        {
            Epochs = epochs,
            Learner = { LabelColumnName = labelColumnName, ImageColumnName = imageColumnName, Architecture = architecture, ImageSize = imageSize },
        });

    /// <summary>
    /// Reads a folder of images with one sub-folder per class, with or without <c>train/</c> and
    /// <c>valid/</c> sub-folders (fast.ai's <c>ImageDataLoaders.from_folder</c>). Without
    /// <c>valid/</c>, a seeded fraction of each class is set aside for validation. The rows have
    /// <c>ImagePath</c> and <c>Label</c> columns.
    /// </summary>
    /// <param name="catalog">The data catalog (<c>mlContext.Data</c>).</param>
    /// <param name="folder">The dataset's folder.</param>
    /// <param name="options">Layout, split and file settings; null for the defaults.</param>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="InvalidDataException">Fewer than two classes, a class folder without images, or a validation class the training set lacks.</exception>
    /// <exception cref="UnreadableImageException">An empty (or, with <see cref="ImageFolderOptions.CheckImages"/>, unreadable) image file, with <see cref="ImageFolderOptions.BadFiles"/> = Fail.</exception>
    public static ImageFolderData LoadImageFolder(this DataOperationsCatalog catalog, string folder, ImageFolderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        return ImageFolderReader.Read(catalog, folder, options ?? new ImageFolderOptions());
    }

    /// <summary>
    /// Reads a CSV file that lists images and their labels (fast.ai's <c>ImageDataLoaders.from_csv</c>): a header row,
    /// a column of image paths relative to <paramref name="folder"/>, a label column — one class, classes separated by
    /// spaces, or a number, as <see cref="ImageCsvOptions.Task"/> says — and optionally an <c>is_valid</c> column marking
    /// the validation rows; without it a seeded random fraction is set aside. Fields in double quotes may hold commas
    /// (RFC 4180). The rows have <c>ImagePath</c> and <c>Label</c> columns (see <see cref="ImageCsvData"/>).
    /// </summary>
    /// <param name="catalog">The data catalog (<c>mlContext.Data</c>).</param>
    /// <param name="folder">The folder the image paths are relative to.</param>
    /// <param name="csvPath">The CSV file; a relative path is taken inside <paramref name="folder"/> (fast.ai's <c>csv_fname</c>).</param>
    /// <param name="options">Columns, task, split and file settings; null for the defaults (single-label, first and second column).</param>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">The CSV file does not exist.</exception>
    /// <exception cref="InvalidDataException">
    /// The CSV is empty or malformed, lacks a named column, has no rows, or a row lacks its path or label, has a number that
    /// is not one, or an <c>is_valid</c> value that is not true/false/1/0; the message names the line.
    /// </exception>
    /// <exception cref="UnreadableImageException">A missing or empty (or, with <see cref="ImageCsvOptions.CheckImages"/>, unreadable) image file, with <see cref="ImageCsvOptions.BadFiles"/> = Fail.</exception>
    public static ImageCsvData LoadImageCsv(this DataOperationsCatalog catalog, string folder, string csvPath, ImageCsvOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        ArgumentException.ThrowIfNullOrWhiteSpace(csvPath);
        return ImageCsvReader.Read(catalog, folder, csvPath, options ?? new ImageCsvOptions());
    }
}
