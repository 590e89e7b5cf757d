namespace ML.FastCnn;

/// <summary>An image in the input could not be read or decoded. The message names the file (or row) and the fix.</summary>
public sealed class UnreadableImageException : IOException
{
    /// <summary>Creates the exception for the image at <paramref name="imagePath"/> (if known) in row <paramref name="row"/>.</summary>
    public UnreadableImageException(string? imagePath, long row, string reason, Exception? inner)
        : base(Describe(imagePath, row, reason) +
               ". Fix or remove the file, or set FastCnnOptions.BadImages = Skip to leave such rows out of training.", inner)
    {
        ImagePath = imagePath;
        Row = row;
        Description = Describe(imagePath, row, reason);
    }

    /// <summary>Path of the image, when the input has an image-path column; otherwise null.</summary>
    public string? ImagePath { get; }

    /// <summary>0-based row of the image in the input.</summary>
    public long Row { get; }

    /// <summary>What went wrong, without the advice on how to fix it.</summary>
    public string Description { get; }

    private static string Describe(string? path, long row, string reason) =>
        $"Cannot read the image {(path is null ? $"in row {row}" : $"'{path}' (row {row})")}: {reason.TrimEnd('.')}";
}
