namespace ML.FastCnn;

/// <summary>
/// A pretrained-weights file to download: its name in the cache folder, where it comes from, and
/// its SHA-256 hex digest — the full 64 digits, or a prefix of them such as the 8 that
/// torchvision puts in its file names (torchvision's <c>check_hash</c> accepts a file whose
/// digest starts with that prefix, and so does <see cref="Matches"/>).
/// </summary>
internal sealed record WeightsFile
{
    /// <summary>The shortest digest prefix accepted: torchvision's file names carry 8 hex digits.</summary>
    public const int MinimumDigestLength = 8;

    public WeightsFile(string fileName, Uri url, string sha256)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (string.IsNullOrWhiteSpace(fileName) || Path.GetFileName(fileName) != fileName || fileName is "." or "..")
            throw new ArgumentException($"A weights file name must be a plain file name without folders (was '{fileName}').", nameof(fileName));
        if (!url.IsAbsoluteUri)
            throw new ArgumentException($"The URL of {fileName} must be absolute (was '{url}').", nameof(url));
        if (sha256 is null || sha256.Length is < MinimumDigestLength or > 64 || !sha256.All(char.IsAsciiHexDigit))
            throw new ArgumentException(
                $"The SHA-256 digest of {fileName} must be {MinimumDigestLength} to 64 hex digits (was '{sha256}').", nameof(sha256));

        FileName = fileName;
        Url = url;
        Sha256 = sha256.ToLowerInvariant();
    }

    /// <summary>The file's name in the cache folder (and the last segment of its URL).</summary>
    public string FileName { get; }

    /// <summary>Where the file is downloaded from when no mirror is set.</summary>
    public Uri Url { get; }

    /// <summary>The expected SHA-256 digest in lower-case hex: a prefix, or all 64 digits.</summary>
    public string Sha256 { get; }

    /// <summary>Whether <paramref name="actualSha256"/> (a full hex digest) is the expected one.</summary>
    public bool Matches(string actualSha256) => actualSha256.StartsWith(Sha256, StringComparison.OrdinalIgnoreCase);
}
