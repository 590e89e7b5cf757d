namespace ML.FastCnn;

/// <summary>
/// One row on its way to a batch: its position in the epoch's order, its image (or why it could
/// not be read), and its 0-based class (−1 when scoring).
/// </summary>
/// <param name="Position">The row's position in the epoch's order.</param>
/// <param name="Source">The decoded or encoded image; null when it could not be read.</param>
/// <param name="Label">0-based class; −1 when scoring.</param>
/// <param name="Path">The image's file, when the input names it (for messages).</param>
/// <param name="Error">Why the image could not be read, or null.</param>
internal sealed record LabeledImage(long Position, ImageSource? Source, long Label, string? Path, UnreadableImageException? Error) : IDisposable
{
    public void Dispose() => Source?.Dispose();
}
