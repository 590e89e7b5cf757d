namespace ML.FastCnn;

/// <summary>
/// One row on its way to a batch: its position in the epoch's order, its image (or why it could
/// not be read), and its target (a 0-based class, a multi-hot vector or values; empty when scoring).
/// </summary>
/// <param name="Position">The row's position in the epoch's order.</param>
/// <param name="Source">The decoded or encoded image; null when it could not be read.</param>
/// <param name="Target">What the network should predict for it (see <see cref="TaskDefinition"/>); empty when scoring.</param>
/// <param name="Path">The image's file, when the input names it (for messages).</param>
/// <param name="Error">Why the image could not be read, or null.</param>
internal sealed record LabeledImage(long Position, ImageSource? Source, float[] Target, string? Path, UnreadableImageException? Error) : IDisposable
{
    public void Dispose() => Source?.Dispose();
}
