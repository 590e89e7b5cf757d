using System.Diagnostics;
using System.IO.Compression;
using Microsoft.ML;
using Microsoft.ML.Data;
using ML.FastCnn;
using SkiaSharp;
using TorchSharp;
using Spectre.Console;

namespace ML.FastCnn.Bench;

/// <summary>
/// The default recipe on all of Fashion-MNIST (60,000 training, 10,000 test images) from the IDX
/// files of Debian's <c>dataset-fashion-mnist</c>: test accuracy and wall time.
/// </summary>
internal static class FashionMnistBenchmark
{
    private const string Folder = "/usr/share/datasets/fashion-mnist";
    private static readonly string[] Classes = ["tshirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "boot"];

    /// <summary>A Fashion-MNIST image as PNG bytes, and its class.</summary>
    private sealed class Row
    {
        [VectorType]
        public byte[] Bytes { get; set; } = [];

        public string Label { get; set; } = "";
    }

    public static void Run(int? epochs, int? size, bool watch, string? pytorchWeights, double? budgetMinutes, int? startSize, int limit,
        TrainingPrecision precision = TrainingPrecision.Float32, int seed = 1, string? augmentationName = null)
    {
        var augmentation = TaskBenchmark.AugmentationNamed(augmentationName);
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadFromEnumerable(Read("train", limit));
        var test = ml.Data.LoadFromEnumerable(Read("t10k", limit));
        var keys = ml.Transforms.Conversion.MapValueToKey("Label").Fit(train);
        var table = new EpochTable();
        TrainingLog.Attach(ml);
        var clock = new Stopwatch();
        var timeline = new Timeline(table, clock, Target);
        var options = new FastCnnOptions
        {
            Epochs = epochs,
            TimeBudget = budgetMinutes is { } minutes ? TimeSpan.FromMinutes(minutes) : null,
            StartImageSize = startSize,
            Learner =
            {
                Architecture = CnnArchitecture.ResNet18, ImageSize = size, ImageColumnName = "Bytes",
                Progress = timeline, BatchProgress = table, PhaseProgress = table, Seed = seed, Precision = precision, Augmentation = augmentation, ValidationSet = watch ? keys.Transform(test) : null,
            },
        };
        if (pytorchWeights is not null)
            WriteStartingWeights(ml, keys.Transform(train), options.Learner, pytorchWeights);
        clock.Start();
        ITransformer model = null!;
        table.Run($"Fashion-MNIST, ResNet18 (ImageNet), defaults for {(limit > 0 ? $"the first {limit:N0}" : "60,000")} images{(size is null ? "" : $", {size} px")}{(epochs is null ? "" : $", {epochs} epochs")}{(budgetMinutes is null ? "" : $", budget {budgetMinutes} min")}{(startSize is null ? "" : $", from {startSize} px")}{(augmentationName is null ? "" : $", augmentation {augmentationName}")}, {precision}, seed {seed}, {BenchMachine.Description}",
            () => model = keys.Append(FastCnn.Train(ml, options).Fit(keys.Transform(train))));
        var trainTime = clock.Elapsed;
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(test));
        AnsiConsole.MarkupLineInterpolated($"test accuracy {metrics.MicroAccuracy:P2} after {trainTime.TotalMinutes:F1} min of training ({clock.Elapsed.TotalMinutes:F1} min with the test)");
        if (watch)
            Console.WriteLine(timeline.Reached is { } t ? $"time to {Target:P0}: {t.TotalSeconds:F0} s (epoch {timeline.ReachedAt} of the fit's table)" : $"time to {Target:P0}: not reached");
    }

    private const double Target = 0.91;

    /// <summary>The backbone FastCnn starts from (ImageNet, folded preprocessing) for the PyTorch script of the same recipe.</summary>
    private static void WriteStartingWeights(MLContext ml, IDataView train, FastCnnLearner.Options options, string path)
    {
        using var learner = FastCnnLearner.Create(ml, ml.Data.TakeRows(train, 20), new FastCnnLearner.Options
        {
            Architecture = options.Architecture, ImageSize = 32, ImageColumnName = options.ImageColumnName, Seed = options.Seed,
        });
        learner.SaveWeights(path);
        Console.WriteLine($"Starting weights written to {path}.");
    }

    /// <summary>Forwards epochs to the table and notes when the validation accuracy first reaches the target.</summary>
    private sealed class Timeline(IProgress<EpochResult> table, Stopwatch clock, double target) : IProgress<EpochResult>
    {
        private int _epochs;

        public TimeSpan? Reached { get; private set; }

        public int ReachedAt { get; private set; }

        public void Report(EpochResult value)
        {
            table.Report(value);
            _epochs++;
            if (Reached is null && value.Accuracy >= target)
            {
                Reached = clock.Elapsed;
                ReachedAt = _epochs;
            }
        }
    }

    private static List<Row> Read(string prefix, int limit)
    {
        var (images, labels, count, rows, cols) = Idx(prefix, limit);
        var result = new List<Row>(count);
        for (int i = 0; i < count; i++)
        {
            using var bitmap = new SKBitmap(new SKImageInfo(cols, rows, SKColorType.Gray8, SKAlphaType.Opaque));
            System.Runtime.InteropServices.Marshal.Copy(images, 16 + i * rows * cols, bitmap.GetPixels(), rows * cols);
            using var png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
            result.Add(new Row { Bytes = png.ToArray(), Label = Classes[labels[8 + i]] });
        }
        return result;
    }

    /// <summary>
    /// The first <paramref name="limit"/> images of <paramref name="prefix"/> (train or t10k) as float tensors [N, 3, size, size]
    /// (grey in three channels, bilinear resize, ImageNet-style per-channel standardisation with Fashion-MNIST's mean and
    /// spread) and their labels [N] — for benchmarks that train a network directly, without the library's pipeline.
    /// </summary>
    internal static (torch.Tensor Images, torch.Tensor Labels) Tensors(string prefix, int limit, int size)
    {
        var (images, labels, count, rows, cols) = Idx(prefix, limit);
        using var scope = torch.NewDisposeScope();
        using var scale = (1 / 255.0).ToScalar();
        using var mean = 0.286.ToScalar();
        using var spread = 0.353.ToScalar();
        var pixels = torch.tensor(images.AsSpan(16, count * rows * cols).ToArray(), [count, 1, rows, cols]).to_type(torch.ScalarType.Float32).mul_(scale);
        var resized = torch.nn.functional.interpolate(pixels, [size, size], mode: torch.InterpolationMode.Bilinear, align_corners: false);
        var x = resized.sub_(mean).div_(spread).expand(count, 3, size, size).contiguous();
        var y = torch.tensor(labels.AsSpan(8, count).ToArray().Select(b => (long)b).ToArray());
        return (x.MoveToOuterDisposeScope(), y.MoveToOuterDisposeScope());
    }

    /// <summary>The IDX files of <paramref name="prefix"/>: pixel and label bytes with their headers, the first <paramref name="limit"/> images (0: all), and the image side.</summary>
    private static (byte[] Images, byte[] Labels, int Count, int Rows, int Cols) Idx(string prefix, int limit)
    {
        if (!Directory.Exists(Folder))
            throw new CliException($"{Folder} not found: install the data with `apt-get install dataset-fashion-mnist`.");
        var images = Decompress($"{prefix}-images-idx3-ubyte.gz");
        var labels = Decompress($"{prefix}-labels-idx1-ubyte.gz");
        int count = ReadInt(labels, 4);
        return (images, labels, limit > 0 ? Math.Min(count, limit) : count, ReadInt(images, 8), ReadInt(images, 12));
    }

    private static byte[] Decompress(string name)
    {
        using var input = new GZipStream(File.OpenRead(Path.Combine(Folder, name)), CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }

    private static int ReadInt(byte[] data, int offset) => System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(offset));
}
