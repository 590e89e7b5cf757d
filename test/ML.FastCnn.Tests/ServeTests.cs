using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.ML;
using ML.FastCnn.Shared;

namespace ML.FastCnn.Tests;

/// <summary>
/// `serve` on loopback, as a client meets it: 16 concurrent clients get PredictionEngine's
/// probabilities (scored in micro-batches), bad input gets 400 with the reason, a full queue 503.
/// </summary>
[TestClass]
[TestCategory(Categories.Integration)]
public sealed class ServeTests
{
    [TestMethod]
    public async Task SixteenConcurrentClientsGetThePredictionEnginesProbabilitiesAndBadImagesGet400()
    {
        var ml = new MLContext(seed: 1);
        var rows = TestData.FashionMnist("valid", 2);
        var (fastCnn, preprocessing, raw) = TestData.TinyModel(ml, rows);
        var trained = preprocessing.Append(fastCnn);
        var modelPath = Path.Combine(Path.GetTempPath(), $"fastcnn-serve-{Guid.NewGuid():N}.zip");
        ml.Model.Save(trained, raw.Schema, modelPath);
        var model = ml.Model.Load(modelPath, out _);
        using var engine = ml.Model.CreatePredictionEngine<ImageRow, Prediction>(model);
        var expected = rows.ToDictionary(r => r.ImagePath, r => engine.Predict(r).Score);

        int port = LoopbackPort.Free();
        using var server = StartServer(modelPath, port);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        try
        {
            await WaitUntilHealthy(http, server);

            var failures = new List<string>();
            int answered = 0;
            await Task.WhenAll(Enumerable.Range(0, 16).Select(client => Task.Run(async () =>
            {
                for (int request = 0; request < 4; request++)
                {
                    var row = rows[(client * 4 + request) % rows.Count];
                    using var response = await http.PostAsync("/predict", new ByteArrayContent(await File.ReadAllBytesAsync(row.ImagePath)));
                    var body = await response.Content.ReadAsStringAsync();
                    if (response.StatusCode != HttpStatusCode.OK)
                    {
                        lock (failures)
                            failures.Add($"{response.StatusCode}: {body}");
                        continue;
                    }
                    var probabilities = JsonDocument.Parse(body).RootElement.GetProperty("probabilities").EnumerateObject().Select(p => p.Value.GetSingle()).ToArray();
                    for (int k = 0; k < probabilities.Length; k++)
                    {
                        if (Math.Abs(probabilities[k] - expected[row.ImagePath][k]) > 1e-5)
                        {
                            lock (failures)
                                failures.Add($"{Path.GetFileName(row.ImagePath)} class {k}: {probabilities[k]} vs PredictionEngine {expected[row.ImagePath][k]}");
                        }
                    }
                    Interlocked.Increment(ref answered);
                }
            })));
            Assert.AreEqual(0, failures.Count, string.Join('\n', failures.Take(10)));
            Assert.AreEqual(64, answered);
            var health = JsonDocument.Parse(await http.GetStringAsync("/health")).RootElement;
            long batches = health.GetProperty("batches").GetInt64(), images = health.GetProperty("images").GetInt64();
            Assert.IsTrue(Enum.TryParse<ScoringEngine>(health.GetProperty("engine").GetString(), out var scoringEngine) && scoringEngine != ScoringEngine.Auto,
                "health names the engine that scores (a resolved one, not Auto)");
            Assert.AreEqual(64, images);
            Assert.IsTrue(batches < images, $"concurrent requests were scored together ({images} images in {batches} forward passes)");

            using var text = await http.PostAsync("/predict", new StringContent("not an image"));
            Assert.AreEqual(HttpStatusCode.BadRequest, text.StatusCode);
            Assert.AreEqual("{\"error\":\"not a readable image (12 bytes): not an image the decoders read (an unknown format, or a damaged header)\"}", await text.Content.ReadAsStringAsync());
            var png = await File.ReadAllBytesAsync(rows[0].ImagePath);
            using var cut = await http.PostAsync("/predict", new ByteArrayContent(png[..(png.Length / 2)]));
            Assert.AreEqual(HttpStatusCode.BadRequest, cut.StatusCode);
            StringAssert.Contains(await cut.Content.ReadAsStringAsync(), "the PNG data is truncated");
            using var empty = await http.PostAsync("/predict", new ByteArrayContent([]));
            Assert.AreEqual(HttpStatusCode.BadRequest, empty.StatusCode);
            StringAssert.Contains(await empty.Content.ReadAsStringAsync(), "the request has no image");
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            server.WaitForExit();
            (model as IDisposable)?.Dispose();
            File.Delete(modelPath);
        }
    }

    [TestMethod]
    public async Task AFullQueueAnswers503AndTheRestAreStillScored()
    {
        var ml = new MLContext(seed: 1);
        var rows = TestData.FashionMnist("valid", 1);
        var (fastCnn, preprocessing, raw) = TestData.TinyModel(ml, rows);
        var modelPath = Path.Combine(Path.GetTempPath(), $"fastcnn-serve-{Guid.NewGuid():N}.zip");
        using (fastCnn)
            ml.Model.Save(preprocessing.Append(fastCnn), raw.Schema, modelPath);
        int port = LoopbackPort.Free();
        // One image waits at most, scored one at a time: concurrent requests overflow the queue.
        using var server = StartServer(modelPath, port, "--queue", "1", "--max-batch", "1", "--max-wait-ms", "0");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        try
        {
            await WaitUntilHealthy(http, server);
            var image = await File.ReadAllBytesAsync(rows[0].ImagePath);
            var answers = new List<(HttpStatusCode Status, string Body)>();
            for (int round = 0; round < 5 && !answers.Any(a => a.Status == HttpStatusCode.ServiceUnavailable); round++)
            {
                answers.AddRange(await Task.WhenAll(Enumerable.Range(0, 64).Select(async _ =>
                {
                    using var response = await http.PostAsync("/predict", new ByteArrayContent(image));
                    return (response.StatusCode, await response.Content.ReadAsStringAsync());
                })));
            }
            var busy = answers.Where(a => a.Status == HttpStatusCode.ServiceUnavailable).ToList();
            Assert.IsTrue(busy.Count > 0, "64 concurrent requests against a queue of one: some are refused");
            Assert.AreEqual("{\"error\":\"busy: the queue (--queue 1) is full; retry later\"}", busy[0].Body);
            var other = answers.Where(a => a.Status != HttpStatusCode.ServiceUnavailable).ToList();
            Assert.IsTrue(other.Count > 0 && other.All(a => a.Status == HttpStatusCode.OK && a.Body.Contains("\"probabilities\"", StringComparison.Ordinal)),
                string.Join('\n', other.Where(a => a.Status != HttpStatusCode.OK).Take(5)));
            var health = JsonDocument.Parse(await http.GetStringAsync("/health")).RootElement;
            Assert.AreEqual(other.Count, health.GetProperty("images").GetInt64(), "every accepted request was scored, the refused ones were not");
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            server.WaitForExit();
            File.Delete(modelPath);
        }
    }

    internal static Process StartServer(string model, int port, params string[] options)
    {
        var program = Path.Combine(TestData.RepositoryRoot(), "src", "ML.FastCnn.Samples", "bin", TestData.Configuration, "net10.0", "ML.FastCnn.Samples.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { program, "serve", model, "--port", port.ToString() }.Concat(options.Length > 0 ? options : ["--max-batch", "8", "--max-wait-ms", "20"]))
            start.ArgumentList.Add(argument);
        var process = Process.Start(start)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    internal static async Task WaitUntilHealthy(HttpClient http, Process server)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            Assert.IsFalse(server.HasExited, $"serve exited with {(server.HasExited ? server.ExitCode : 0)}");
            try
            {
                using var health = await http.GetAsync("/health");
                if (health.IsSuccessStatusCode)
                    return;
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            await Task.Delay(250);
        }
        Assert.Fail("serve did not answer /health within 60 s");
    }

    private sealed class Prediction
    {
        public float[] Score { get; set; } = [];
    }
}
