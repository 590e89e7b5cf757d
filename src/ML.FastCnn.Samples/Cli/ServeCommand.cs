using System.CommandLine;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.ML;
using Microsoft.ML.Data;
using ML.FastCnn;

namespace ML.FastCnn.Samples;

/// <summary>
/// <c>serve &lt;model.zip&gt;</c>: an HTTP endpoint (ASP.NET Core minimal API) — <c>POST /predict</c>
/// with an image (raw body or a multipart file) → <c>{ "label", "probabilities" }</c> (single-label), <c>{ "labels",
/// "probabilities" }</c> (multi-label: the classes above their thresholds, every class's probability) or <c>{ "value" }</c>
/// (regression; <c>{ "values" }</c> for several); <c>GET /health</c>.
/// Concurrent requests are scored in micro-batches (<see cref="MicroBatcher"/>).
/// </summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "a model.zip saved by train" };
        var port = new Option<int>("--port") { Description = "TCP port", DefaultValueFactory = _ => 5000 };
        var host = new Option<string>("--host") { Description = "address to listen on (0.0.0.0 for every interface)", DefaultValueFactory = _ => "127.0.0.1" };
        var maxBatch = new Option<int>("--max-batch") { Description = "most images scored together", DefaultValueFactory = _ => 32 };
        var maxWait = new Option<int>("--max-wait-ms") { Description = "longest wait for more images after the first, in ms", DefaultValueFactory = _ => 5 };
        var queue = new Option<int>("--queue") { Description = "images waiting at most; more are refused with 503", DefaultValueFactory = _ => 256 };
        var command = new Command("serve", "Serve a saved model over HTTP: POST /predict (image bytes or multipart) → JSON; GET /health.");
        command.Add(model);
        foreach (var option in new Option[] { port, host, maxBatch, maxWait, queue })
            command.Add(option);
        command.SetAction(r => CliErrors.Run(() => Run(r.GetRequiredValue(model), r.GetRequiredValue(host), r.GetValue(port),
            r.GetValue(maxBatch), r.GetValue(maxWait), r.GetValue(queue))));
        return command;
    }

    private static void Run(string modelPath, string host, int port, int maxBatch, int maxWaitMs, int capacity)
    {
        var (app, batcher, description) = Build(modelPath, host, port, maxBatch, maxWaitMs, capacity);
        Console.WriteLine($"Serving {description} on http://{host}:{port} (POST /predict, GET /health); batches of up to {maxBatch}, waiting up to {maxWaitMs} ms, queue {capacity}. Ctrl+C stops.");
        app.Run();
        batcher.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    /// <summary>The web application (not started) and its batcher; the serving benchmark (bench/ML.FastCnn.Bench, <c>serve</c>) starts it in-process.</summary>
    public static (WebApplication App, MicroBatcher Batcher, string Model) Build(string modelPath, string host, int port, int maxBatch, int maxWaitMs, int capacity)
    {
        if (maxBatch < 1 || maxWaitMs < 0 || capacity < 1)
            throw new CliException("--max-batch and --queue must be 1 or more, --max-wait-ms 0 or more.");
        var ml = CliContext.Create();
        var fastCnn = CliErrors.FastCnnStep(FastCnn.LoadModel(ml, modelPath, out _));
        var classes = fastCnn.ClassNames;
        var engine = fastCnn.ScoringEngine; // starts and checks the engine now, not on the first request

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls($"http://{host}:{port}");
        var app = builder.Build();
        var batcher = new MicroBatcher(ml, fastCnn, maxBatch, TimeSpan.FromMilliseconds(maxWaitMs), capacity);

        app.MapGet("/health", () => Results.Json(new { status = "ok", model = fastCnn.ToString(), task = fastCnn.Task.ToString(), engine = engine.ToString(), classes, batches = batcher.Batches, images = batcher.Images }));
        app.MapPost("/predict", async (HttpRequest request) =>
        {
            byte[] bytes;
            using (var body = new MemoryStream())
            {
                // Any other content type (curl --data-binary says x-www-form-urlencoded) is the image itself.
                if (request.ContentType?.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase) == true)
                {
                    var file = (await request.ReadFormAsync()).Files.FirstOrDefault();
                    if (file is null)
                        return BadRequest("the multipart form has no file: send the image as a file field, or as the raw request body");
                    await file.CopyToAsync(body);
                }
                else
                {
                    await request.Body.CopyToAsync(body);
                }
                bytes = body.ToArray();
            }
            if (bytes.Length == 0)
                return BadRequest("the request has no image: send the image's bytes as the body (or a multipart file)");
            // Decoders fill in a truncated PNG, JPEG, GIF or WebP without complaint: check the bytes first.
            if (ImageFileCheck.FindProblem(bytes) is { } problem)
                return BadRequest($"not a readable image ({bytes.Length} bytes): {problem}");
            MLImage image;
            try
            {
                image = MLImage.CreateFromStream(new MemoryStream(bytes));
            }
            catch (ArgumentException)
            {
                return BadRequest($"not a readable image ({bytes.Length} bytes): not an image the decoders read (an unknown format, or a damaged header)");
            }
            if (!batcher.TryEnqueue(image, out var scoring))
            {
                image.Dispose();
                return Results.Json(new { error = $"busy: the queue (--queue {capacity}) is full; retry later" }, statusCode: StatusCodes.Status503ServiceUnavailable);
            }
            var score = await scoring;
            if (score.Error is UnreadableImageException e)
                return BadRequest($"not a readable image ({bytes.Length} bytes): {e.Reason}");
            if (score.Error is { } other)
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(other); // not the client's fault: 500
            return Results.Json(Answer(score));
        });

        return (app, batcher, fastCnn.ToString());
    }

    /// <summary>The answer for one image, per task: the class and every probability; the classes above their thresholds and every probability; the value (or values).</summary>
    internal static object Answer(ImageScore score) => score.Task switch
    {
        ImageTask.MultiLabel => new { labels = score.PredictedLabels, probabilities = score.Probabilities },
        ImageTask.Regression when score.Value is { } value => new { value },
        ImageTask.Regression => new { values = score.Values },
        _ => new { label = score.PredictedLabel, probabilities = score.Probabilities },
    };

    private static IResult BadRequest(string reason) => Results.Json(new { error = reason }, statusCode: StatusCodes.Status400BadRequest);
}
