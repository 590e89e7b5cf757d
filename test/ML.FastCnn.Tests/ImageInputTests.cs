using Microsoft.ML;
using Microsoft.ML.Data;
using SkiaSharp;
using TorchSharp;

namespace ML.FastCnn.Tests;

/// <summary>Images of any size and pixel format become the same RGB input; both image column types score alike.</summary>
[TestClass]
public sealed class ImageInputTests
{
    private static byte[] ResizedPixels(MLImage image, int size)
    {
        using var tensor = ImageTensorConverter.ToResizedBytes(image, size);
        CollectionAssert.AreEqual(new long[] { 3, size, size }, tensor.shape);
        return tensor.data<byte>().ToArray();
    }

    [TestMethod]
    public void Bgra32AndRgba32OfTheSameColoursGiveTheSameRgbInput()
    {
        // One red and one blue pixel, in both 32-bit orders.
        byte[] rgba = [255, 0, 0, 255, 0, 0, 255, 255];
        byte[] bgra = [0, 0, 255, 255, 255, 0, 0, 255];
        using var a = MLImage.CreateFromPixels(2, 1, MLPixelFormat.Rgba32, rgba);
        using var b = MLImage.CreateFromPixels(2, 1, MLPixelFormat.Bgra32, bgra);

        var fromRgba = ResizedPixels(a, 16);
        var fromBgra = ResizedPixels(b, 16);

        CollectionAssert.AreEqual(fromRgba, fromBgra);
        Assert.AreEqual(255, fromRgba[0]);           // R of the top-left (red) pixel
        Assert.AreEqual(0, fromRgba[2 * 16 * 16]);   // B of the top-left pixel
        Assert.AreEqual(255, fromRgba[2 * 16 * 16 + 15]); // B of the top-right (blue) pixel
    }

    [TestMethod]
    public void EnlargingIsMitchellBicubicNotBilinearNorNearestNeighbour()
    {
        // Black | white, 2 × 1, enlarged to 16 × 16 by the renderer (Skia's high quality filter, as ML.NET's
        // ResizeImages): every pixel is the Mitchell–Netravali cubic (B = C = 1/3) of the mirrored source,
        // computed here independently. Bilinear would give 0 at x = 3 and 255 at x = 12; nearest, a hard edge.
        using var image = MLImage.CreateFromPixels(2, 1, MLPixelFormat.Rgba32, [0, 0, 0, 255, 255, 255, 255, 255]);

        var row = ResizedPixels(image, 16)[..16];

        static double Mitchell(double x)
        {
            const double B = 1.0 / 3, C = 1.0 / 3;
            x = Math.Abs(x);
            return x < 1 ? ((12 - 9 * B - 6 * C) * x * x * x + (-18 + 12 * B + 6 * C) * x * x + (6 - 2 * B)) / 6
                : x < 2 ? ((-B - 6 * C) * x * x * x + (6 * B + 30 * C) * x * x + (-12 * B - 48 * C) * x + (8 * B + 24 * C)) / 6
                : 0;
        }
        int[] mirrored = [0, 255, 255, 0]; // the 2-pixel row tiled with mirroring, period 4
        var expected = Enumerable.Range(0, 16).Select(x =>
        {
            double source = (x + 0.5) * 2 / 16 - 0.5;
            int first = (int)Math.Floor(source) - 1;
            double value = Enumerable.Range(first, 4).Sum(j => mirrored[((j % 4) + 4) % 4] * Mitchell(source - j));
            return (byte)Math.Round(Math.Clamp(value, 0, 255));
        }).ToArray();
        for (int x = 0; x < 16; x++)
            Assert.AreEqual((double)expected[x], row[x], 1.0, $"x = {x}: {string.Join(",", row)} against {string.Join(",", expected)}");
        Assert.IsGreaterThan(0, (int)row[3], "bilinear would still be black here");
    }

    [TestMethod]
    public void ShrinkingAveragesFinePatterns()
    {
        // A 64-pixel checkerboard shrunk to 16: antialiasing averages it to mid-grey.
        var pixels = new byte[64 * 64 * 4];
        for (int i = 0; i < 64 * 64; i++)
        {
            byte v = (byte)((i % 64 + i / 64) % 2 == 0 ? 0 : 255);
            pixels.AsSpan(i * 4, 3).Fill(v);
            pixels[i * 4 + 3] = 255;
        }
        using var image = MLImage.CreateFromPixels(64, 64, MLPixelFormat.Rgba32, pixels);

        var resized = ResizedPixels(image, 16);

        Assert.IsTrue(resized.All(v => v is > 100 and < 155), $"min {resized.Min()}, max {resized.Max()}");
    }

    [TestMethod]
    public void GreyscaleAndTransparentPngFilesLoadAsRgb()
    {
        var folder = Directory.CreateTempSubdirectory("fastcnn-formats").FullName;
        try
        {
            var grey = Path.Combine(folder, "grey.png");
            using (var bitmap = new SKBitmap(new SKImageInfo(20, 10, SKColorType.Gray8, SKAlphaType.Opaque)))
            {
                bitmap.Erase(new SKColor(200, 200, 200));
                using var file = File.Create(grey);
                bitmap.Encode(file, SKEncodedImageFormat.Png, 100);
            }
            var transparent = Path.Combine(folder, "rgba.png");
            using (var bitmap = new SKBitmap(new SKImageInfo(10, 30, SKColorType.Rgba8888, SKAlphaType.Unpremul)))
            {
                bitmap.Erase(new SKColor(10, 200, 30, 128));
                using var file = File.Create(transparent);
                bitmap.Encode(file, SKEncodedImageFormat.Png, 100);
            }

            using var greyImage = MLImage.CreateFromFile(grey);
            using var transparentImage = MLImage.CreateFromFile(transparent);
            var g = ResizedPixels(greyImage, 16);
            var t = ResizedPixels(transparentImage, 16);

            Assert.IsTrue(g.All(v => v == 200), "grey becomes three equal channels");
            Assert.AreEqual(10, t[0], 1);
            Assert.AreEqual(200, t[16 * 16], 1);
            Assert.AreEqual(30, t[2 * 16 * 16], 1);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}

/// <summary>The catalog entry trains from encoded bytes (<c>LoadRawImageBytes</c>) as well as from MLImages.</summary>
[TestClass]
public sealed class CatalogTests
{
    [TestMethod]
    public void CatalogTrainerTrainsFromEncodedImageBytes()
    {
        using var images = new GeneratedImages("catalog");
        var ml = new MLContext(seed: 2);
        var data = ml.Data.LoadFromEnumerable(images.Write("train", perClass: 6, seed: 4));
        var options = TestData.TinyOptions();
        options.Epochs = 1;
        options.Learner.ImageColumnName = "Bytes";

        var model = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.LoadRawImageBytes("Bytes", null, "ImagePath"))
            .Append(ml.MulticlassClassification.Trainers.FastCnn(options))
            .Fit(data);
        var scores = model.Transform(data).GetColumn<float[]>("Score").ToList();

        Assert.AreEqual(18, scores.Count);
        Assert.IsTrue(scores.All(s => s.Length == 3 && Math.Abs(s.Sum() - 1) < 1e-4));
        CollectionAssert.AreEqual(GeneratedImages.Classes, model.LastTransformer.ClassNames.ToArray());
    }
}
