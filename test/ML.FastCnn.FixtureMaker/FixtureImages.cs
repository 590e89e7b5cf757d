using Microsoft.ML.Data;

namespace ML.FastCnn.FixtureMaker;

/// <summary>
/// Three small seeded PNGs the fixtures are scored on: one at the model's 32 px (no resampling), one wider
/// and larger (shrunk; squish, crop and pad differ), one smaller and taller (enlarged, bicubic).
/// Smooth colour gradients with a disc and seeded noise, so every channel and position matters.
/// </summary>
internal static class FixtureImages
{
    private static readonly (string Name, int Width, int Height)[] Images = [("square-32x32.png", 32, 32), ("wide-48x30.png", 48, 30), ("tall-20x28.png", 20, 28)];

    /// <summary>Writes the images that are missing (all with <paramref name="force"/>); returns their paths.</summary>
    public static List<string> Write(string folder, bool force)
    {
        Directory.CreateDirectory(folder);
        var paths = new List<string>();
        var random = new Random(2026);
        foreach (var (name, width, height) in Images)
        {
            string path = Path.Combine(folder, name);
            var pixels = Draw(width, height, random);
            if (force || !File.Exists(path))
            {
                using var image = MLImage.CreateFromPixels(width, height, MLPixelFormat.Rgba32, pixels);
                image.Save(path);
            }
            paths.Add(path);
        }
        return paths;
    }

    private static byte[] Draw(int width, int height, Random random)
    {
        var pixels = new byte[width * height * 4];
        double cx = width * (0.3 + 0.4 * random.NextDouble()), cy = height * (0.3 + 0.4 * random.NextDouble()), radius = Math.Min(width, height) / 4.0;
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                int o = (y * width + x) * 4;
                bool disc = (x - cx) * (x - cx) + (y - cy) * (y - cy) <= radius * radius;
                double r = 255.0 * x / (width - 1), g = 255.0 * y / (height - 1), b = disc ? 230 : 40;
                pixels[o] = Clamp(r + random.Next(-20, 21));
                pixels[o + 1] = Clamp(g + random.Next(-20, 21));
                pixels[o + 2] = Clamp(b + random.Next(-20, 21));
                pixels[o + 3] = 255;
            }
        }
        return pixels;
    }

    private static byte Clamp(double value) => (byte)Math.Clamp(Math.Round(value), 0, 255);
}
