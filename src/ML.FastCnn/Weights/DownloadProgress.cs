namespace ML.FastCnn;

/// <summary>
/// How far the download of a pretrained-weights file has got. Reported at most once per MiB
/// received and once more when the file is complete.
/// </summary>
/// <param name="FileName">The file being downloaded, e.g. <c>resnet34-b627a593.pth</c>.</param>
/// <param name="BytesReceived">Bytes received so far.</param>
/// <param name="TotalBytes">The size of the file, or <see langword="null"/> if the server did not say.</param>
public sealed record DownloadProgress(string FileName, long BytesReceived, long? TotalBytes)
{
    /// <summary>The fraction received, between 0 and 1, or <see langword="null"/> if the size is unknown.</summary>
    public double? Fraction => TotalBytes is > 0 and var total ? Math.Min(1, (double)BytesReceived / total) : null;
}
