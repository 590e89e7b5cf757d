namespace ML.FastCnn;

/// <summary>How <c>mlContext.Data.LoadImageFolder</c> reads a folder of images (fast.ai <c>ImageDataLoaders.from_folder</c>).</summary>
public sealed class ImageFolderOptions
{
    /// <summary>Name of the training sub-folder, when there is one. Default "train".</summary>
    public string TrainFolderName { get; set; } = "train";

    /// <summary>Name of the validation sub-folder, when there is one. Default "valid".</summary>
    public string ValidationFolderName { get; set; } = "valid";

    /// <summary>
    /// Without a validation folder: the fraction of each class's files set aside for validation,
    /// in [0, 1). 0: no validation set. Default 0.2 (fast.ai <c>valid_pct</c>).
    /// </summary>
    public double ValidationFraction { get; set; } = 0.2;

    /// <summary>Seed of that split. Default 42.</summary>
    public int Seed { get; set; } = 42;

    /// <summary>File extensions taken as images (case-insensitive); other files are ignored and counted. Default: .jpg, .jpeg, .png, .bmp, .gif, .webp.</summary>
    public IReadOnlyList<string> Extensions { get; set; } = [".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp"];

    /// <summary>What to do with empty (zero-byte) image files: fail naming the file, or leave them out and count them. Default Fail.</summary>
    public BadImagePolicy EmptyFiles { get; set; } = BadImagePolicy.Fail;
}
