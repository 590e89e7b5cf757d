using System.Diagnostics;

namespace ML.FastCnn.Bench;

/// <summary>
/// Issue 12's serving measurement: the same model served in-process twice on loopback — micro-batching
/// (up to 32 images, 5 ms wait) and one request per forward pass (max batch 1) — each hit by the same
/// concurrent clients posting the sample's validation images. Requests/s and p50/p99 latency.
/// </summary>
internal static class ServeBenchmark
{
    public static void Run(string modelPath, int clients, int requests)
    {
        var images = Directory.GetFiles(Path.Combine(SampleData.FashionMnistFolder(), "valid"), "*.png", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToArray();
        Console.WriteLine($"{clients} concurrent clients, {requests} requests in all, Fashion-MNIST sample PNGs, {BenchMachine.Description}");
        foreach (var (name, maxBatch) in new[] { ("one request per forward pass", 1), ("micro-batches (≤ 32, 5 ms)", 32), ("one request per forward pass", 1), ("micro-batches (≤ 32, 5 ms)", 32) })
        {
            var (perSecond, p50, p99) = Measure(modelPath, maxBatch, clients, requests, images).GetAwaiter().GetResult();
            Console.WriteLine($"{name,-30} {perSecond,8:F1} requests/s   p50 {p50,7:F1} ms   p99 {p99,7:F1} ms");
        }
    }

    private static async Task<(double PerSecond, double P50, double P99)> Measure(string modelPath, int maxBatch, int clients, int requests, byte[][] images)
    {
        int port = LoopbackPort.Free();
        var (app, batcher, _) = ServeCommand.Build(modelPath, "127.0.0.1", port, maxBatch, maxWaitMs: 5, capacity: 1024);
        await app.StartAsync();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            for (int i = 0; i < 16; i++) // warm-up
                (await http.PostAsync("/predict", new ByteArrayContent(images[i % images.Length]))).EnsureSuccessStatusCode();
            var latencies = new List<double>();
            int next = -1;
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
            {
                for (int i; (i = Interlocked.Increment(ref next)) < requests;)
                {
                    var start = Stopwatch.GetTimestamp();
                    using var response = await http.PostAsync("/predict", new ByteArrayContent(images[i % images.Length]));
                    response.EnsureSuccessStatusCode();
                    lock (latencies)
                        latencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                }
            })));
            double seconds = clock.Elapsed.TotalSeconds;
            latencies.Sort();
            return (requests / seconds, latencies[latencies.Count / 2], latencies[(int)(latencies.Count * 0.99)]);
        }
        finally
        {
            await app.StopAsync();
            await batcher.DisposeAsync();
        }
    }
}
