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

    /// <summary>
    /// File extensions taken as images (case-insensitive); other files are ignored and listed in
    /// <see cref="ImageFolderData.IgnoredPaths"/>. Default: .jpg, .jpeg, .png, .bmp, .gif, .webp (what
    /// SkiaSharp decodes; .tiff is not among them).
    /// </summary>
    public IReadOnlyList<string> Extensions { get; set; } = [".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp"];

    /// <summary>
    /// What to do with an image file that is empty (or, with <see cref="CheckImages"/>, truncated or not
    /// decodable): fail naming the file, or leave it out and list it in <see cref="ImageFolderData.SkippedPaths"/>. Default Fail.
    /// </summary>
    public BadImagePolicy BadFiles { get; set; } = BadImagePolicy.Fail;

    /// <summary>
    /// Check every image file while listing the folder — that a decoder recognises it and that it is
    /// not truncated (reads each file's header and end) — so bad files are found before training, not
    /// when first read. Default false (empty files are always found).
    /// </summary>
    public bool CheckImages { get; set; }
}
