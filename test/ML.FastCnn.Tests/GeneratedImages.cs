using Microsoft.ML.Data;

namespace ML.FastCnn.Tests;

/// <summary>
/// Writes PNG files of three visually distinct classes to a temporary folder: a red blob, green
/// horizontal stripes, blue vertical stripes — on noisy backgrounds, at random sizes and positions.
/// Every folder lives under one folder per test run, which <see cref="DeleteRunFolder"/> removes when the
/// assembly's tests end (<see cref="TestRun"/>): a test class takes its folder with <see cref="ForClass"/> and needs no clean-up
/// of its own; a single test may still make and dispose one with <c>using var images = new GeneratedImages(…)</c>.
/// </summary>
internal sealed class GeneratedImages : IDisposable
{
    /// <summary>The class names, in the order <see cref="Write"/> writes them.</summary>
    public static readonly string[] Classes = ["blob", "hstripes", "vstripes"];

    private static readonly string RunFolder = Path.Combine(Path.GetTempPath(), "fastcnn-tests", $"run-{Environment.ProcessId}-{Guid.NewGuid():N}");

    /// <summary>A folder of its own (named after <paramref name="name"/>) under this run's folder.</summary>
    public GeneratedImages(string name)
    {
        Folder = Path.Combine(RunFolder, $"{name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Folder);
    }

    /// <summary>A test class's folder: kept for the class's tests, deleted with the run's folder at the end.</summary>
    public static GeneratedImages ForClass(string name) => new(name);

    /// <summary>Removes every folder of this run (also those a failed or cancelled test did not dispose).</summary>
    public static void DeleteRunFolder() => Delete(RunFolder);

    /// <summary>The folder the images are written to.</summary>
    public string Folder { get; }

    /// <summary>Writes <paramref name="perClass"/> images of every class; returns (path, label) rows.</summary>
    public List<ImageRow> Write(string subset, int perClass, int seed, MLPixelFormat format = MLPixelFormat.Rgba32)
    {
        var random = new Random(seed);
        var rows = new List<ImageRow>();
        for (int i = 0; i < perClass; i++)
        {
            for (int c = 0; c < Classes.Length; c++)
            {
                int width = random.Next(24, 48), height = random.Next(24, 48);
                var path = Path.Combine(Folder, $"{subset}-{Classes[c]}-{i}.png");
                Save(path, width, height, format, Draw(c, width, height, random));
                rows.Add(new ImageRow { ImagePath = path, Label = Classes[c] });
            }
        }
        return rows;
    }

    /// <summary>
    /// Writes <paramref name="count"/> images each showing any subset of the three classes at once (each class's pattern in
    /// its own colour channel, every subset about as often); returns (path, labels) rows.
    /// </summary>
    public List<MultiLabelRow> WriteMultiLabel(string subset, int count, int seed)
    {
        var random = new Random(seed);
        var rows = new List<MultiLabelRow>();
        for (int i = 0; i < count; i++)
        {
            int size = random.Next(28, 40);
            var present = Enumerable.Range(0, Classes.Length).Where(_ => random.Next(2) == 1).ToArray();
            var rgb = new byte[size, size, 3];
            foreach (int c in present)
            {
                var pattern = Draw(c, size, size, random);
                for (int y = 0; y < size; y++)
                    for (int x = 0; x < size; x++)
                        rgb[y, x, c] = pattern[y, x, c];
            }
            foreach (int c in Enumerable.Range(0, Classes.Length).Except(present))
                for (int y = 0; y < size; y++)
                    for (int x = 0; x < size; x++)
                        rgb[y, x, c] = (byte)random.Next(0, 60);
            var path = Path.Combine(Folder, $"{subset}-multi-{i}.png");
            Save(path, size, size, MLPixelFormat.Rgba32, rgb);
            rows.Add(new MultiLabelRow { ImagePath = path, Labels = present.Select(c => Classes[c]).ToArray() });
        }
        return rows;
    }

    /// <summary>
    /// Writes <paramref name="count"/> images of a noisy grey square whose brightness is the target, a value in [1, 9]
    /// (brightness 25 + 25·value of 255); returns (path, value) rows.
    /// </summary>
    public List<RegressionRow> WriteRegression(string subset, int count, int seed)
    {
        var random = new Random(seed);
        var rows = new List<RegressionRow>();
        for (int i = 0; i < count; i++)
        {
            float value = 1 + 8 * (float)random.NextDouble();
            int size = random.Next(28, 40);
            var rgb = new byte[size, size, 3];
            for (int y = 0; y < size; y++)
                for (int x = 0; x < size; x++)
                    for (int k = 0; k < 3; k++)
                        rgb[y, x, k] = (byte)Math.Clamp(25 + 25 * value + random.Next(-20, 21), 0, 255);
            var path = Path.Combine(Folder, $"{subset}-value-{i}.png");
            Save(path, size, size, MLPixelFormat.Rgba32, rgb);
            rows.Add(new RegressionRow { ImagePath = path, Label = value });
        }
        return rows;
    }

    /// <summary>RGB pixels of one image of class <paramref name="c"/>.</summary>
    private static byte[,,] Draw(int c, int width, int height, Random random)
    {
        var rgb = new byte[height, width, 3];
        int phase = random.Next(4);
        int cx = random.Next(width / 4, 3 * width / 4), cy = random.Next(height / 4, 3 * height / 4);
        int radius = Math.Min(width, height) / 4;
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                for (int k = 0; k < 3; k++)
                    rgb[y, x, k] = (byte)random.Next(0, 60);
                bool on = c switch
                {
                    0 => (x - cx) * (x - cx) + (y - cy) * (y - cy) <= radius * radius,
                    1 => (y + phase) / 4 % 2 == 0,
                    _ => (x + phase) / 4 % 2 == 0,
                };
                if (on)
                    rgb[y, x, c] = (byte)random.Next(180, 256);
            }
        }
        return rgb;
    }

    /// <summary>Saves RGB pixels as a PNG through MLImage in the given 32-bit pixel order.</summary>
    public static void Save(string path, int width, int height, MLPixelFormat format, byte[,,] rgb)
    {
        var pixels = new byte[width * height * 4];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                int o = (y * width + x) * 4;
                byte r = rgb[y, x, 0], g = rgb[y, x, 1], b = rgb[y, x, 2];
                (pixels[o], pixels[o + 1], pixels[o + 2], pixels[o + 3]) = format == MLPixelFormat.Bgra32 ? (b, g, r, (byte)255) : (r, g, b, (byte)255);
            }
        }
        using var image = MLImage.CreateFromPixels(width, height, format, pixels);
        image.Save(path);
    }

    /// <summary>Deletes this folder now (a class's folder need not: the run's folder goes at the end).</summary>
    public void Dispose() => Delete(Folder);

    private static void Delete(string folder)
    {
        try
        {
            if (Directory.Exists(folder))
                Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: the OS temp folder is cleaned eventually.
        }
    }
}

/// <summary>One input row: an image file and its class name.</summary>
public sealed class ImageRow
{
    /// <summary>Path of the image file.</summary>
    public string ImagePath { get; set; } = "";

    /// <summary>Class name.</summary>
    public string Label { get; set; } = "";
}

/// <summary>One multi-label input row: an image file and the classes it shows.</summary>
public sealed class MultiLabelRow
{
    /// <summary>Path of the image file.</summary>
    public string ImagePath { get; set; } = "";

    /// <summary>The classes the image shows (any subset, possibly none).</summary>
    public string[] Labels { get; set; } = [];
}

/// <summary>One regression input row: an image file and its value.</summary>
public sealed class RegressionRow
{
    /// <summary>Path of the image file.</summary>
    public string ImagePath { get; set; } = "";

    /// <summary>The value to predict.</summary>
    public float Label { get; set; }
}
