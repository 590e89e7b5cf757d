using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;

namespace ML.FastCnn;

/// <summary>
/// A folder of downloaded pretrained-weights files. <see cref="GetFile"/> returns a file only
/// after checking its SHA-256; a download streams into a temporary file next to the final one
/// (<c>&lt;name&gt;.&lt;guid&gt;.partial</c>), is checked while it streams, and is then moved
/// into place in one step, so the final name only ever holds a complete, verified file — also
/// when several processes download at once. Whatever goes wrong, the temporary file is deleted.
/// </summary>
internal sealed class WeightsCache
{
    /// <summary>Progress is reported each time this many more bytes have arrived, and at the end.</summary>
    public const int ProgressInterval = 1 << 20;

    /// <summary>The environment variable that overrides <see cref="DefaultFolder()"/>.</summary>
    public const string FolderVariable = "FASTCNN_CACHE";

    /// <summary>The environment variable that turns on offline mode (1, true or yes).</summary>
    public const string OfflineVariable = "FASTCNN_OFFLINE";

    /// <summary>Ends the names of files being downloaded.</summary>
    public const string PartialExtension = ".partial";

    private const int BufferSize = 81920;

    private static readonly Lazy<HttpClient> SharedClient = new(CreateDefaultClient);

    private readonly Uri? _mirror;
    private readonly HttpClient _http;
    private readonly Action<string>? _log;
    private readonly IProgress<DownloadProgress>? _progress;

    /// <param name="folder">The cache folder; created when the first file is downloaded.</param>
    /// <param name="offline">Never download: a file that is not in the folder is an error.</param>
    /// <param name="mirror">Replaces torchvision's base URL: the file name is appended to it. Null: each file's own URL.</param>
    /// <param name="httpClient">The client to download with; null: a shared default client (system proxy settings apply).</param>
    /// <param name="log">Receives one line when a download starts and one when it ends.</param>
    /// <param name="progress">Receives download progress (at most once per MiB, and at the end).</param>
    public WeightsCache(string folder, bool offline, Uri? mirror, HttpClient? httpClient, Action<string>? log, IProgress<DownloadProgress>? progress)
    {
        if (string.IsNullOrWhiteSpace(folder))
            throw new ArgumentException("Give the folder that caches pretrained weights (was empty).", nameof(folder));
        if (mirror is not null && (!mirror.IsAbsoluteUri || (mirror.Scheme != Uri.UriSchemeHttp && mirror.Scheme != Uri.UriSchemeHttps)))
            throw new ArgumentException(
                $"The weights mirror must be an absolute http or https URL (was '{mirror}'). To use files from a folder, copy them into the cache folder instead.",
                nameof(mirror));

        Folder = Path.GetFullPath(folder);
        Offline = offline;
        _mirror = mirror is null || mirror.AbsolutePath.EndsWith('/') ? mirror : new Uri(mirror.AbsoluteUri + "/");
        _http = httpClient ?? SharedClient.Value;
        _log = log;
        _progress = progress;
    }

    /// <summary>The cache folder (full path).</summary>
    public string Folder { get; }

    /// <summary>Whether downloads are off.</summary>
    public bool Offline { get; }

    /// <summary>Where <paramref name="file"/> is downloaded from: the mirror (if set) plus the file name, else the file's own URL.</summary>
    public Uri UrlOf(WeightsFile file) => _mirror is null ? file.Url : new Uri(_mirror, Uri.EscapeDataString(file.FileName));

    /// <summary>Where <paramref name="file"/> is kept in the cache folder.</summary>
    public string PathOf(WeightsFile file) => Path.Combine(Folder, file.FileName);

    /// <summary>
    /// The path of <paramref name="file"/> in the cache folder, verified against its SHA-256;
    /// downloaded first if it is missing (unless offline).
    /// </summary>
    /// <exception cref="InvalidDataException">The cached file, or the downloaded one, has another digest.</exception>
    /// <exception cref="InvalidOperationException">The file is missing and the cache is offline.</exception>
    /// <exception cref="HttpRequestException">The server could not be reached or did not send the file.</exception>
    /// <exception cref="IOException">The transfer broke off, or the file could not be written.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public string GetFile(WeightsFile file, CancellationToken cancellationToken) =>
        GetFileAsync(file, cancellationToken).GetAwaiter().GetResult();

    /// <summary>The asynchronous form of <see cref="GetFile"/>.</summary>
    public async Task<string> GetFileAsync(WeightsFile file, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(file);
        var path = PathOf(file);
        if (File.Exists(path))
        {
            VerifyCached(file, path);
            return path;
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (Offline)
            throw new InvalidOperationException(
                $"The pretrained weights file {file.FileName} is not in the weights cache folder '{Folder}', and offline mode is on, so it is not downloaded. " +
                $"Either copy {file.FileName} (from {UrlOf(file)}) into '{Folder}', " +
                $"or turn off offline mode (unset {OfflineVariable} / the offline option) so it is downloaded, " +
                "or use weights that need no download (PretrainedWeights.None, or the offline ResNet18).");

        return await DownloadAsync(file, path, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The default cache folder: <c>FASTCNN_CACHE</c> if set; else on Windows
    /// <c>%LOCALAPPDATA%\ml-fastcnn\weights</c>; else <c>$XDG_CACHE_HOME/ml-fastcnn/weights</c>
    /// or <c>~/.cache/ml-fastcnn/weights</c>.
    /// </summary>
    public static string DefaultFolder() => DefaultFolder(Environment.GetEnvironmentVariable, OperatingSystem.IsWindows());

    /// <summary><see cref="DefaultFolder()"/> reading the environment through <paramref name="environment"/>.</summary>
    internal static string DefaultFolder(Func<string, string?> environment, bool isWindows)
    {
        var configured = environment(FolderVariable);
        if (!string.IsNullOrWhiteSpace(configured))
            return Path.GetFullPath(configured);

        string root;
        if (isWindows)
        {
            root = NonEmpty(environment("LOCALAPPDATA")) ?? Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData);
        }
        else
        {
            // The XDG spec says to ignore a relative XDG_CACHE_HOME.
            var xdg = NonEmpty(environment("XDG_CACHE_HOME"));
            var home = NonEmpty(environment("HOME")) ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            root = xdg is not null && Path.IsPathFullyQualified(xdg) ? xdg
                : string.IsNullOrEmpty(home) ? ""
                : Path.Combine(home, ".cache");
        }

        if (string.IsNullOrEmpty(root))
            throw new InvalidOperationException(
                $"Cannot find a folder to cache pretrained weights in (no {(isWindows ? "LOCALAPPDATA" : "XDG_CACHE_HOME or HOME")}). " +
                $"Set the environment variable {FolderVariable} to a writable folder.");
        return Path.GetFullPath(Path.Combine(root, "ml-fastcnn", "weights"));
    }

    /// <summary>Whether <c>FASTCNN_OFFLINE</c> is 1, true or yes (any case).</summary>
    public static bool OfflineFromEnvironment() => OfflineFromEnvironment(Environment.GetEnvironmentVariable);

    /// <summary><see cref="OfflineFromEnvironment()"/> reading the environment through <paramref name="environment"/>.</summary>
    internal static bool OfflineFromEnvironment(Func<string, string?> environment) =>
        EnvironmentSwitch.IsOn(environment(OfflineVariable));

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private static void VerifyCached(WeightsFile file, string path)
    {
        string actual;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, BufferSize, FileOptions.SequentialScan))
            actual = Convert.ToHexStringLower(SHA256.HashData(stream));
        if (!file.Matches(actual))
            throw new InvalidDataException(
                $"The cached pretrained weights file '{path}' is damaged or not the expected one: its SHA-256 is {actual}, expected {DescribeExpected(file)}. " +
                "Delete it so it is downloaded again (or copy in the right file).");
    }

    private async Task<string> DownloadAsync(WeightsFile file, string path, CancellationToken cancellationToken)
    {
        var url = UrlOf(file);
        Directory.CreateDirectory(Folder);
        var temporary = Path.Combine(Folder, $"{file.FileName}.{Guid.NewGuid():N}{PartialExtension}");
        var clock = Stopwatch.StartNew();
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            using var response = await SendAsync(request, url, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
                throw new HttpRequestException(
                    HttpRequestError.Unknown,
                    $"Downloading {url} failed: the server answered {(int)response.StatusCode} {response.ReasonPhrase}. " +
                    $"Check the URL{(_mirror is null ? "" : " of the mirror")} and the network, or copy {file.FileName} into '{Folder}'.",
                    statusCode: response.StatusCode);

            var total = response.Content.Headers.ContentLength;
            _log?.Invoke($"Downloading {file.FileName} ({FormatSize(total)}) from {url} to '{Folder}'.");

            string actual;
            long received;
            using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            {
                using (var output = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferSize, FileOptions.Asynchronous))
                {
                    received = await CopyAsync(response, output, hash, file.FileName, url, total, cancellationToken).ConfigureAwait(false);
                    await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                }
                actual = Convert.ToHexStringLower(hash.GetHashAndReset());
            }

            if (total is { } expectedLength && received != expectedLength)
                throw new IOException($"The download of {url} broke off after {received:N0} of {expectedLength:N0} bytes. Try again.");
            if (!file.Matches(actual))
                throw new InvalidDataException(
                    $"The file downloaded from {url} is not the expected {file.FileName}: its SHA-256 is {actual}, expected {DescribeExpected(file)}. " +
                    $"It was not kept. Try again{(_mirror is null ? "" : ", and check that the mirror serves the original file")}.");

            var result = MoveIntoPlace(file, temporary, path);
            _log?.Invoke($"Downloaded {file.FileName} ({FormatSize(received)}) in {clock.Elapsed.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture)} s.");
            return result;
        }
        catch (OperationCanceledException exception) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException($"The download of {url} was cancelled; nothing was kept.", exception, cancellationToken);
        }
        finally
        {
            TryDelete(temporary); // already gone after a successful move
        }
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, Uri url, CancellationToken cancellationToken)
    {
        try
        {
            return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException exception)
        {
            throw new HttpRequestException(exception.HttpRequestError,
                $"Could not download {url}: {exception.Message} Check the network{(_mirror is null ? "" : " and the mirror")}, or copy the file into '{Folder}'.",
                exception, exception.StatusCode);
        }
        catch (OperationCanceledException exception) when (!cancellationToken.IsCancellationRequested)
        {
            throw new HttpRequestException(HttpRequestError.Unknown,
                $"Could not download {url}: the server did not answer within {_http.Timeout.TotalSeconds:F0} s. Check the network, or copy the file into '{Folder}'.",
                exception);
        }
    }

    private async Task<long> CopyAsync(HttpResponseMessage response, Stream output, IncrementalHash hash, string fileName, Uri url, long? total,
        CancellationToken cancellationToken)
    {
        var buffer = new byte[BufferSize];
        long received = 0, reported = 0;
        using var input = await Receive(() => response.Content.ReadAsStreamAsync(cancellationToken)).ConfigureAwait(false);
        while (true)
        {
            var count = await Receive(() => input.ReadAsync(buffer, cancellationToken).AsTask()).ConfigureAwait(false);
            if (count == 0)
                break;
            hash.AppendData(buffer, 0, count);
            await output.WriteAsync(buffer.AsMemory(0, count), cancellationToken).ConfigureAwait(false);
            received += count;
            if (received - reported >= ProgressInterval)
            {
                reported = received;
                _progress?.Report(new DownloadProgress(fileName, received, total));
            }
        }

        _progress?.Report(new DownloadProgress(fileName, received, total));
        return received;

        // Network errors while reading the body (the connection dropped, fewer bytes than
        // Content-Length) become an IOException that names the URL; disk errors pass unchanged.
        async Task<T> Receive<T>(Func<Task<T>> read)
        {
            try
            {
                return await read().ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is IOException or HttpRequestException && !cancellationToken.IsCancellationRequested)
            {
                throw new IOException(
                    $"The download of {url} broke off after {received:N0}{(total is { } t ? $" of {t:N0}" : "")} bytes: {exception.Message} Try again.",
                    exception);
            }
        }
    }

    private string MoveIntoPlace(WeightsFile file, string temporary, string path)
    {
        try
        {
            File.Move(temporary, path, overwrite: false);
            return path;
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process finished the same download first; its move was atomic too, so the
            // file is complete. Keep it (after the usual check) and drop ours.
            _log?.Invoke($"{file.FileName} appeared in '{Folder}' while downloading (another process); using that copy.");
            VerifyCached(file, path);
            return path;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static string DescribeExpected(WeightsFile file) =>
        file.Sha256.Length == 64 ? file.Sha256 : $"a digest starting with {file.Sha256}";

    private static string FormatSize(long? bytes) =>
        bytes is { } b ? (b / 1048576.0).ToString("F1", CultureInfo.InvariantCulture) + " MiB" : "size unknown";

    private static HttpClient CreateDefaultClient()
    {
        var client = new HttpClient();
        client.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("ML.FastCnn", typeof(WeightsCache).Assembly.GetName().Version?.ToString() ?? "0"));
        return client;
    }
}
