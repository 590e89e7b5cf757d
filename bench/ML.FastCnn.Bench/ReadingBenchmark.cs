using System.Diagnostics;
using Microsoft.ML;
using ML.FastCnn;
using SkiaSharp;
using Spectre.Console;

namespace ML.FastCnn.Bench;

/// <summary>
/// Issue 23's feeding item: images from <c>LoadImages</c> decoded on the pipeline's worker threads (the reader passes the
/// file's bytes on once its decoding matched LoadImages') against decoded by ML.NET in the cursor, on the one reading thread
/// (what happens without a path column: <see cref="FastCnnLearner.Options.ImagePathColumnName"/> = null). Measured as the
/// learner's caching pass (read, decode, resize, keep), which is nothing but feeding; alternating, best of two rounds each.
/// </summary>
internal static class ReadingBenchmark
{
    public static void Run(int count, int side, int size)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"fastcnn-bench-reading-{side}");
        var rows = WritePhotos(folder, count, side);
        AnsiConsole.MarkupLineInterpolated($"[bold]bench reading[/] on {BenchMachine.Description}: {count} JPEG files of {side}×{side * 3 / 4} px, cached at {size} px, {Environment.ProcessorCount} cores");
        double onWorkers = 0, inCursor = 0;
        for (int round = 0; round < 2; round++)
        {
            inCursor = Math.Max(inCursor, ImagesPerSecond(rows, size, pathColumn: null));
            onWorkers = Math.Max(onWorkers, ImagesPerSecond(rows, size, pathColumn: "ImagePath"));
        }
        AnsiConsole.MarkupLineInterpolated($"reading: decoded in LoadImages' cursor {inCursor:F1} images/s, on the pipeline's workers {onWorkers:F1} images/s, ratio {onWorkers / inCursor:F2}");
    }

    private static double ImagesPerSecond(List<ImageFolderRow> rows, int size, string? pathColumn)
    {
        var ml = new MLContext(seed: 1);
        var raw = ml.Data.LoadFromEnumerable(rows);
        var data = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: "ImagePath"))
            .Fit(raw).Transform(raw);
        var options = new FastCnnLearner.Options
        {
            Architecture = CnnArchitecture.ResNet18, ImageSize = size, CacheImages = true, ImagePathColumnName = pathColumn,
            Weights = PretrainedWeights.None, Device = ComputeDevice.Cpu,
        };
        var clock = Stopwatch.StartNew();
        using var learner = FastCnnLearner.Create(ml, data, options);
        return rows.Count / clock.Elapsed.TotalSeconds;
    }

    /// <summary>Photo-like JPEGs (smooth colour fields with noise, quality 90) in two classes, written once per size.</summary>
    private static List<ImageFolderRow> WritePhotos(string folder, int count, int side)
    {
        Directory.CreateDirectory(folder);
        var random = new Random(1);
        var rows = new List<ImageFolderRow>(count);
        int width = side, height = side * 3 / 4;
        for (int i = 0; i < count; i++)
        {
            var path = Path.Combine(folder, $"photo-{i:D5}.jpg");
            rows.Add(new ImageFolderRow { ImagePath = path, Label = i % 2 == 0 ? "a" : "b" });
            if (File.Exists(path))
                continue;
            using var bitmap = new SKBitmap(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque);
            var pixels = new byte[bitmap.ByteCount];
            double fx = random.NextDouble() * 0.1, fy = random.NextDouble() * 0.1, phase = random.NextDouble() * 6;
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++)
                {
                    int o = 4 * (y * width + x);
                    double wave = Math.Sin(fx * x + phase) * Math.Cos(fy * y);
                    for (int c = 0; c < 3; c++)
                        pixels[o + c] = (byte)Math.Clamp(128 + 90 * wave * (c + 1) / 3 + random.Next(-20, 21), 0, 255);
                    pixels[o + 3] = 255;
                }
            System.Runtime.InteropServices.Marshal.Copy(pixels, 0, bitmap.GetPixels(), pixels.Length);
            using var file = File.Create(path);
            bitmap.Encode(file, SKEncodedImageFormat.Jpeg, 90);
        }
        return rows;
    }
}
