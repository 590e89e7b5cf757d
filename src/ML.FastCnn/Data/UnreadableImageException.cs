namespace ML.FastCnn;

/// <summary>An image in the input could not be read or decoded. The message names the file (or row), the cause and the fix.</summary>
public sealed class UnreadableImageException : IOException
{
    /// <summary>Creates the exception for the image at <paramref name="imagePath"/> (if known) in row <paramref name="row"/> (−1 if unknown), met in training.</summary>
    public UnreadableImageException(string? imagePath, long row, string reason, Exception? inner)
        : this(imagePath, row, reason, inner, scoring: false)
    {
    }

    /// <summary>The same, met in training or (<paramref name="scoring"/>) while scoring, where the advice differs: skipping does not apply.</summary>
    internal UnreadableImageException(string? imagePath, long row, string reason, Exception? inner, bool scoring)
        : this(imagePath, row, reason, inner, scoring
            ? "Fix or replace the file: a row cannot be scored without its image."
            : "Fix or remove the file, or set BadImages = Skip in the learner options (FastCnnOptions.Learner.BadImages) to leave such rows out of training.")
    {
    }

    /// <summary>Met while listing a dataset (a folder, a CSV file): <paramref name="advice"/> names that reader's own option.</summary>
    internal UnreadableImageException(string imagePath, string reason, string advice)
        : this(imagePath, -1, reason, null, advice)
    {
    }

    private UnreadableImageException(string? imagePath, long row, string reason, Exception? inner, string advice)
        : base($"{Describe(imagePath, row, reason)}. {advice}", inner)
    {
        ImagePath = imagePath;
        Row = row;
        Reason = reason.TrimEnd('.');
        Description = Describe(imagePath, row, reason);
    }

    /// <summary>Path of the image, when the input has an image-path column; otherwise null.</summary>
    public string? ImagePath { get; }

    /// <summary>0-based row of the image in the input; −1 when it is not from a row (a folder listing).</summary>
    public long Row { get; }

    /// <summary>The cause alone, e.g. "the file is empty" or "the PNG data is truncated (…)".</summary>
    public string Reason { get; }

    /// <summary>What went wrong (the image and the cause), without the advice on how to fix it.</summary>
    public string Description { get; }

    private static string Describe(string? path, long row, string reason) =>
        $"Cannot read the image {(path is null ? $"in row {row}" : row < 0 ? $"'{path}'" : $"'{path}' (row {row})")}: {reason.TrimEnd('.')}";
}
