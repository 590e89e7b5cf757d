namespace ML.FastCnn;

/// <summary>
/// One row on its way to a batch: its position in the epoch's order, its image (or why it could
/// not be read), and its 0-based class (−1 when scoring).
/// </summary>
internal sealed class LabeledImage : IDisposable
{
    public LabeledImage(long position, ImageSource? source, long label, string? path, UnreadableImageException? error)
    {
        Position = position;
        Source = source;
        Label = label;
        Path = path;
        Error = error;
    }

    public long Position { get; }

    public ImageSource? Source { get; }

    public long Label { get; }

    /// <summary>The image's file, when the input names it (for messages).</summary>
    public string? Path { get; }

    public UnreadableImageException? Error { get; }

    public void Dispose() => Source?.Dispose();
}
