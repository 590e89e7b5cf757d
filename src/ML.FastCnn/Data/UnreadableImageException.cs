namespace ML.FastCnn;

/// <summary>An image in the input could not be read or decoded. The message names the file or row.</summary>
public sealed class UnreadableImageException : IOException
{
    /// <summary>Creates the exception with a message that names the image.</summary>
    public UnreadableImageException(string message, Exception? inner) : base(message, inner) { }
}
