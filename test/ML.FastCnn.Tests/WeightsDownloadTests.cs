using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace ML.FastCnn.Tests;

/// <summary>
/// The pretrained-weights cache against a small HTTP server on 127.0.0.1 (no other address is
/// ever contacted): downloads are verified, cached, and leave nothing behind when they fail.
/// </summary>
[TestClass]
public sealed class WeightsDownloadTests
{
    private const int PayloadLength = 300_000;
    private const string FileName = "resnet18-0123abcd.pth";

    private static readonly byte[] s_payload = MakePayload(PayloadLength, seed: 7);
    private static readonly string s_payloadSha256 = Convert.ToHexStringLower(SHA256.HashData(s_payload));

    private readonly List<IDisposable> _disposables = [];
    private string _folder = null!;

    [TestInitialize]
    public void CreateFolder()
    {
        _folder = Path.Combine(Path.GetTempPath(), "fastcnn-weights-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_folder);
    }

    [TestCleanup]
    public void Cleanup()
    {
        foreach (var disposable in Enumerable.Reverse(_disposables))
            disposable.Dispose();
        if (Directory.Exists(_folder))
            Directory.Delete(_folder, recursive: true);
    }

    [TestMethod]
    public void DownloadsVerifiesAndThenUsesTheCache()
    {
        var server = Serve(ServeBytes(s_payload));
        var progress = new ProgressLog();
        var log = new List<string>();
        var cache = NewCache(log: log, progress: progress);
        var file = FileOn(server, s_payloadSha256);

        var path = cache.GetFile(file, CancellationToken.None);

        Assert.AreEqual(Path.Combine(_folder, FileName), path);
        CollectionAssert.AreEqual(s_payload, File.ReadAllBytes(path));
        CollectionAssert.AreEqual(new[] { FileName }, FileNamesInFolder());
        Assert.AreEqual(1, server.Requests);
        Assert.AreEqual($"/models/{FileName}", server.Paths.Single());
        Assert.IsNotEmpty(progress.Reports);
        Assert.AreEqual(new DownloadProgress(FileName, PayloadLength, PayloadLength), progress.Reports[^1]);
        Assert.AreEqual(1.0, progress.Reports[^1].Fraction);
        Assert.HasCount(2, log);
        StringAssert.StartsWith(log[0], $"Downloading {FileName} (0.3 MiB) from {file.Url}");
        StringAssert.StartsWith(log[1], $"Downloaded {FileName} (0.3 MiB) in ");

        var again = cache.GetFile(file, CancellationToken.None);

        Assert.AreEqual(path, again);
        Assert.AreEqual(1, server.Requests, "the second call should use the cached file");
        Assert.HasCount(1, progress.Reports);
        Assert.HasCount(2, log);
    }

    [TestMethod]
    public void ProgressIsReportedEachMiBAndAtTheEnd()
    {
        var payload = MakePayload(5 * WeightsCache.ProgressInterval / 2, seed: 11);
        var server = Serve(ServeBytes(payload));
        var progress = new ProgressLog();
        var cache = NewCache(progress: progress);

        cache.GetFile(FileOn(server, Convert.ToHexStringLower(SHA256.HashData(payload))), CancellationToken.None);

        var received = progress.Reports.Select(r => r.BytesReceived).ToList();
        Assert.HasCount(3, received, string.Join(", ", received));
        Assert.IsTrue(received[0] >= WeightsCache.ProgressInterval && received[1] >= 2 * WeightsCache.ProgressInterval, string.Join(", ", received));
        Assert.AreEqual(payload.Length, received[2]);
        Assert.IsTrue(progress.Reports.All(r => r.TotalBytes == payload.Length && r.FileName == FileName));
    }

    [TestMethod]
    public void AcceptsADigestPrefixLikeTorchVision()
    {
        var server = Serve(ServeBytes(s_payload));
        var cache = NewCache();

        var path = cache.GetFile(FileOn(server, s_payloadSha256[..8].ToUpperInvariant()), CancellationToken.None);

        CollectionAssert.AreEqual(s_payload, File.ReadAllBytes(path));
    }

    [TestMethod]
    public void ChecksumMismatchKeepsNothing()
    {
        var server = Serve(ServeBytes(s_payload));
        var expected = Convert.ToHexStringLower(SHA256.HashData("something else"u8));
        var cache = NewCache();

        var e = Assert.ThrowsExactly<InvalidDataException>(() => cache.GetFile(FileOn(server, expected), CancellationToken.None));

        StringAssert.Contains(e.Message, expected);
        StringAssert.Contains(e.Message, s_payloadSha256);
        StringAssert.Contains(e.Message, FileOn(server, expected).Url.ToString());
        Assert.IsEmpty(FileNamesInFolder());
    }

    [TestMethod]
    public void DigestPrefixMismatchKeepsNothing()
    {
        var server = Serve(ServeBytes(s_payload));
        var wrongPrefix = s_payloadSha256[0] == '0' ? "10000000" : "00000000";
        var cache = NewCache();

        var e = Assert.ThrowsExactly<InvalidDataException>(() => cache.GetFile(FileOn(server, wrongPrefix), CancellationToken.None));

        StringAssert.Contains(e.Message, $"a digest starting with {wrongPrefix}");
        StringAssert.Contains(e.Message, s_payloadSha256);
        Assert.IsEmpty(FileNamesInFolder());
    }

    [TestMethod]
    public void InterruptedTransferKeepsNothing()
    {
        var server = Serve(async context =>
        {
            context.Response.ContentLength64 = PayloadLength;
            await context.Response.OutputStream.WriteAsync(s_payload.AsMemory(0, PayloadLength / 2));
            await context.Response.OutputStream.FlushAsync();
            context.Response.Abort();
        });
        var file = FileOn(server, s_payloadSha256);
        var cache = NewCache();

        var e = Assert.ThrowsExactly<IOException>(() => cache.GetFile(file, CancellationToken.None));

        StringAssert.Contains(e.Message, file.Url.ToString());
        StringAssert.Contains(e.Message, "broke off");
        Assert.IsEmpty(FileNamesInFolder());
    }

    [TestMethod]
    public void NotFoundNamesTheUrl()
    {
        var server = Serve(context =>
        {
            context.Response.StatusCode = 404;
            context.Response.Close();
            return Task.CompletedTask;
        });
        var file = FileOn(server, s_payloadSha256);
        var cache = NewCache();

        var e = Assert.ThrowsExactly<HttpRequestException>(() => cache.GetFile(file, CancellationToken.None));

        Assert.AreEqual(HttpStatusCode.NotFound, e.StatusCode);
        StringAssert.Contains(e.Message, file.Url.ToString());
        StringAssert.Contains(e.Message, "404");
        Assert.IsEmpty(FileNamesInFolder());
    }

    [TestMethod]
    public void PublicDownloadChecksTorchVisionsDigest()
    {
        // A mirror that serves the wrong bytes under torchvision's ResNet18 name: refused, nothing kept.
        var server = Serve(ServeBytes(s_payload));

        var e = Assert.ThrowsExactly<InvalidDataException>(() =>
            FastCnn.DownloadImageNetWeights(CnnArchitecture.ResNet18, _folder, mirror: new Uri(server.BaseUrl, "mirror/")));

        StringAssert.Contains(e.Message, "f37072fd");
        Assert.AreEqual("/mirror/resnet18-f37072fd.pth", server.Paths.Single());
        Assert.IsEmpty(FileNamesInFolder());
    }

    [TestMethod]
    public void MirrorReplacesTheBaseUrl()
    {
        var server = Serve(ServeBytes(s_payload));
        // The file's own URL is on loopback too, at a port nothing listens on: it must not be used.
        var file = new WeightsFile(FileName, new Uri($"http://127.0.0.1:1/models/{FileName}"), s_payloadSha256);
        var cache = NewCache(mirror: new Uri(server.BaseUrl, "mirror/weights"));

        var path = cache.GetFile(file, CancellationToken.None);

        CollectionAssert.AreEqual(s_payload, File.ReadAllBytes(path));
        Assert.AreEqual($"/mirror/weights/{FileName}", server.Paths.Single());
    }

    [TestMethod]
    public void OfflineWithoutTheFileNamesTheFolderAndTheFixes()
    {
        var server = Serve(ServeBytes(s_payload));
        var cache = NewCache(offline: true);

        var e = Assert.ThrowsExactly<InvalidOperationException>(() => cache.GetFile(FileOn(server, s_payloadSha256), CancellationToken.None));

        StringAssert.Contains(e.Message, FileName);
        StringAssert.Contains(e.Message, _folder);
        StringAssert.Contains(e.Message, "offline");
        StringAssert.Contains(e.Message, "PretrainedWeights.None");
        Assert.AreEqual(0, server.Requests);
        Assert.IsEmpty(FileNamesInFolder());
    }

    [TestMethod]
    public void OfflineUsesAValidCachedFile()
    {
        var server = Serve(ServeBytes(s_payload));
        File.WriteAllBytes(Path.Combine(_folder, FileName), s_payload);
        var cache = NewCache(offline: true);

        var path = cache.GetFile(FileOn(server, s_payloadSha256), CancellationToken.None);

        Assert.AreEqual(Path.Combine(_folder, FileName), path);
        Assert.AreEqual(0, server.Requests);
    }

    [TestMethod]
    public void CorruptedCachedFileIsReportedAndKept()
    {
        var server = Serve(ServeBytes(s_payload));
        var path = Path.Combine(_folder, FileName);
        var corrupted = s_payload[..(PayloadLength / 2)];
        File.WriteAllBytes(path, corrupted);
        var actual = Convert.ToHexStringLower(SHA256.HashData(corrupted));
        var cache = NewCache();

        var e = Assert.ThrowsExactly<InvalidDataException>(() => cache.GetFile(FileOn(server, s_payloadSha256), CancellationToken.None));

        StringAssert.Contains(e.Message, path);
        StringAssert.Contains(e.Message, s_payloadSha256);
        StringAssert.Contains(e.Message, actual);
        StringAssert.Contains(e.Message, "Delete it");
        CollectionAssert.AreEqual(corrupted, File.ReadAllBytes(path));
        Assert.AreEqual(0, server.Requests);
    }

    [TestMethod]
    public void CancellationDuringDownloadKeepsNothing()
    {
        using var cancellation = new CancellationTokenSource();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sawPartialFile = false;
        var server = Serve(async context =>
        {
            context.Response.ContentLength64 = PayloadLength;
            await context.Response.OutputStream.WriteAsync(s_payload.AsMemory(0, PayloadLength / 4));
            await context.Response.OutputStream.FlushAsync();
            // Cancel once the client is streaming into its temporary file, then stall.
            var deadline = DateTime.UtcNow.AddSeconds(5);
            while (!(sawPartialFile = Directory.GetFiles(_folder, "*" + WeightsCache.PartialExtension).Length > 0) && DateTime.UtcNow < deadline)
                await Task.Delay(5);
            await cancellation.CancelAsync();
            await release.Task.WaitAsync(TimeSpan.FromSeconds(5));
            context.Response.Abort();
        });
        var file = FileOn(server, s_payloadSha256);
        var cache = NewCache();

        try
        {
            var e = Assert.ThrowsExactly<OperationCanceledException>(() => cache.GetFile(file, cancellation.Token));

            Assert.IsTrue(sawPartialFile, "the download should have been cancelled while streaming");
            Assert.AreEqual(cancellation.Token, e.CancellationToken);
            StringAssert.Contains(e.Message, file.Url.ToString());
            Assert.IsEmpty(FileNamesInFolder());
        }
        finally
        {
            release.TrySetResult();
        }
    }

    [TestMethod]
    public void ImageNetFilesAreTorchVisions()
    {
        (CnnArchitecture, string, string)[] expected =
        [
            (CnnArchitecture.ResNet18, "resnet18-f37072fd.pth", "f37072fd"),
            (CnnArchitecture.ResNet34, "resnet34-b627a593.pth", "b627a593"),
            (CnnArchitecture.ResNet50, "resnet50-0676ba61.pth", "0676ba61"),
            (CnnArchitecture.ResNet101, "resnet101-63fe2227.pth", "63fe2227"),
            (CnnArchitecture.ResNet152, "resnet152-394f9c45.pth", "394f9c45"),
            (CnnArchitecture.ResNeXt50_32x4d, "resnext50_32x4d-7cdf4587.pth", "7cdf4587"),
            (CnnArchitecture.ResNeXt101_32x8d, "resnext101_32x8d-8ba56ff5.pth", "8ba56ff5"),
            (CnnArchitecture.ResNeXt101_64x4d, "resnext101_64x4d-173b62eb.pth", "173b62eb"),
            (CnnArchitecture.WideResNet50_2, "wide_resnet50_2-95faca4d.pth", "95faca4d"),
            (CnnArchitecture.WideResNet101_2, "wide_resnet101_2-32ee1156.pth", "32ee1156"),
            // torchvision's models/mobilenetv2.py, mobilenetv3.py, efficientnet.py: the IMAGENET1K_V1 files. The EfficientNets' names are
            // those since torchvision 0.16.1 (pytorch/vision#8036): the earlier names carried hash prefixes that their files do not have.
            (CnnArchitecture.MobileNetV2, "mobilenet_v2-b0353104.pth", "b0353104"),
            (CnnArchitecture.MobileNetV3Large, "mobilenet_v3_large-8738ca79.pth", "8738ca79"),
            (CnnArchitecture.MobileNetV3Small, "mobilenet_v3_small-047dcff4.pth", "047dcff4"),
            (CnnArchitecture.EfficientNetB0, "efficientnet_b0_rwightman-7f5810bc.pth", "7f5810bc"),
            (CnnArchitecture.EfficientNetB1, "efficientnet_b1_rwightman-bac287d4.pth", "bac287d4"),
            (CnnArchitecture.EfficientNetB2, "efficientnet_b2_rwightman-c35c1473.pth", "c35c1473"),
            (CnnArchitecture.EfficientNetB3, "efficientnet_b3_rwightman-b3899882.pth", "b3899882"),
        ];
        CollectionAssert.AreEquivalent(Enum.GetValues<CnnArchitecture>(), expected.Select(e => e.Item1).ToArray(), "every architecture has its file");
        foreach (var (architecture, name, digest) in expected)
        {
            var file = ImageNetWeightFiles.For(architecture);
            Assert.AreEqual(name, file.FileName);
            Assert.AreEqual(new Uri("https://download.pytorch.org/models/" + name), file.Url);
            Assert.AreEqual(digest, file.Sha256);
        }

        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ImageNetWeightFiles.For((CnnArchitecture)7));
    }

    [TestMethod]
    public void WeightsFileChecksItsDigest()
    {
        var url = new Uri("http://127.0.0.1:1/x.pth");
        var full = new WeightsFile("x.pth", url, s_payloadSha256.ToUpperInvariant());

        Assert.IsTrue(full.Matches(s_payloadSha256));
        Assert.IsTrue(new WeightsFile("x.pth", url, s_payloadSha256[..8]).Matches(s_payloadSha256));
        Assert.IsFalse(new WeightsFile("x.pth", url, s_payloadSha256[1..9]).Matches(s_payloadSha256));
        Assert.ThrowsExactly<ArgumentException>(() => new WeightsFile("x.pth", url, "abc"));
        Assert.ThrowsExactly<ArgumentException>(() => new WeightsFile("x.pth", url, "not-hex!"));
        Assert.ThrowsExactly<ArgumentException>(() => new WeightsFile("x.pth", url, s_payloadSha256 + "0"));
        Assert.ThrowsExactly<ArgumentException>(() => new WeightsFile("../x.pth", url, s_payloadSha256));
    }

    [TestMethod]
    public void DefaultFolderFollowsTheEnvironment()
    {
        static Func<string, string?> Environment(params (string Name, string Value)[] variables) =>
            name => variables.FirstOrDefault(v => v.Name == name).Value;
        var custom = Path.Combine(_folder, "custom");
        var xdg = Path.Combine(_folder, "xdg");
        var home = Path.Combine(_folder, "home");

        Assert.AreEqual(custom, WeightsCache.DefaultFolder(Environment(("FASTCNN_CACHE", custom), ("XDG_CACHE_HOME", xdg)), isWindows: false));
        Assert.AreEqual(custom, WeightsCache.DefaultFolder(Environment(("FASTCNN_CACHE", custom)), isWindows: true));
        Assert.AreEqual(Path.Combine(xdg, "ml-fastcnn", "weights"),
            WeightsCache.DefaultFolder(Environment(("XDG_CACHE_HOME", xdg), ("HOME", home)), isWindows: false));
        Assert.AreEqual(Path.Combine(home, ".cache", "ml-fastcnn", "weights"),
            WeightsCache.DefaultFolder(Environment(("XDG_CACHE_HOME", "relative/ignored"), ("HOME", home)), isWindows: false));
        Assert.AreEqual(Path.Combine(home, "ml-fastcnn", "weights"),
            WeightsCache.DefaultFolder(Environment(("LOCALAPPDATA", home), ("XDG_CACHE_HOME", xdg)), isWindows: true));
        Assert.IsTrue(Path.IsPathFullyQualified(WeightsCache.DefaultFolder()));
    }

    [TestMethod]
    public void OfflineModeFromTheEnvironment()
    {
        foreach (var value in new[] { "1", "true", "TRUE", "Yes", " yes " })
            Assert.IsTrue(WeightsCache.OfflineFromEnvironment(name => name == "FASTCNN_OFFLINE" ? value : null), value);
        foreach (var value in new[] { null, "", "0", "false", "no", "offline" })
            Assert.IsFalse(WeightsCache.OfflineFromEnvironment(name => name == "FASTCNN_OFFLINE" ? value : null), value ?? "(unset)");
    }

    private WeightsCache NewCache(bool offline = false, Uri? mirror = null, List<string>? log = null, IProgress<DownloadProgress>? progress = null)
    {
        // No proxy: the requests go straight to the loopback server.
        var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };
        _disposables.Add(client);
        return new WeightsCache(_folder, offline, mirror, client, log is null ? null : log.Add, progress);
    }

    private static WeightsFile FileOn(LoopbackServer server, string sha256) => new(FileName, new Uri(server.BaseUrl, $"models/{FileName}"), sha256);

    private LoopbackServer Serve(Func<HttpListenerContext, Task> handler)
    {
        var server = new LoopbackServer(handler);
        _disposables.Add(server);
        return server;
    }

    private static Func<HttpListenerContext, Task> ServeBytes(byte[] bytes) => async context =>
    {
        context.Response.ContentLength64 = bytes.Length;
        await context.Response.OutputStream.WriteAsync(bytes);
        context.Response.Close();
    };

    private string[] FileNamesInFolder() => Directory.GetFiles(_folder).Select(Path.GetFileName).Order().ToArray()!;

    private static byte[] MakePayload(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>Records progress synchronously (<see cref="Progress{T}"/> would post it to the thread pool).</summary>
    private sealed class ProgressLog : IProgress<DownloadProgress>
    {
        public List<DownloadProgress> Reports { get; } = [];

        public void Report(DownloadProgress value)
        {
            lock (Reports)
                Reports.Add(value);
        }
    }

    /// <summary>An HTTP server on 127.0.0.1 and a free port; counts requests and runs a handler for each.</summary>
    private sealed class LoopbackServer : IDisposable
    {
        private readonly HttpListener _listener;
        private readonly Func<HttpListenerContext, Task> _handler;
        private readonly ConcurrentQueue<string> _paths = new();

        public LoopbackServer(Func<HttpListenerContext, Task> handler)
        {
            _handler = handler;
            for (var attempt = 1; ; attempt++)
            {
                var port = FreePort();
                var listener = new HttpListener();
                listener.Prefixes.Add($"http://127.0.0.1:{port}/");
                try
                {
                    listener.Start();
                    _listener = listener;
                    BaseUrl = new Uri($"http://127.0.0.1:{port}/");
                    break;
                }
                catch (HttpListenerException) when (attempt < 5)
                {
                    listener.Close(); // the port was taken in between; try another
                }
            }

            _ = Task.Run(AcceptAsync);
        }

        public Uri BaseUrl { get; }

        public int Requests => _paths.Count;

        public IReadOnlyList<string> Paths => [.. _paths];

        public void Dispose() => _listener.Close();

        private async Task AcceptAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return; // stopped
                }

                _paths.Enqueue(context.Request.Url!.AbsolutePath);
                _ = Task.Run(async () =>
                {
                    try
                    {
                        await _handler(context);
                    }
                    catch (Exception)
                    {
                        try
                        {
                            context.Response.Abort();
                        }
                        catch (Exception)
                        {
                            // the listener is already closed
                        }
                    }
                });
            }
        }

        private static int FreePort()
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            try
            {
                return ((IPEndPoint)probe.LocalEndpoint).Port;
            }
            finally
            {
                probe.Stop();
            }
        }
    }
}
