using Microsoft.ML;
using Microsoft.ML.Data;
using SkiaSharp;

namespace ML.FastCnn.Tests;

/// <summary>
/// Squish, Crop and Pad (fast.ai v2's <c>Resize(size, method=...)</c>) on non-square images: the pixels each
/// method renders, Crop's random position in training, and the method travelling with a saved model.
/// </summary>
[TestClass]
public sealed class ResizeMethodTests
{
    private const int Size = 32;

    /// <summary>A 96 × 32 image in thirds: red | green | blue (or another order).</summary>
    private static byte[,,] Thirds(int first = 0, int width = 96, int height = 32)
    {
        var rgb = new byte[height, width, 3];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
                rgb[y, x, (first + 3 * x / width) % 3] = 255;
        }
        return rgb;
    }

    private static SKBitmap Bitmap(byte[,,] rgb)
    {
        int height = rgb.GetLength(0), width = rgb.GetLength(1);
        var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
                bitmap.SetPixel(x, y, new SKColor(rgb[y, x, 0], rgb[y, x, 1], rgb[y, x, 2]));
        }
        return bitmap;
    }

    private static byte[] Render(byte[,,] rgb, ResizeMethod method, double position = 0.5)
    {
        using var bitmap = Bitmap(rgb);
        var chw = new byte[3 * Size * Size];
        ImageRenderer.Render(bitmap, Size, AugmentationDraw.Identity with { Resize = method, ResizePosition = position }, chw);
        return chw;
    }

    /// <summary>The colour channel (0 R, 1 G, 2 B) that is bright at (x, y), or −1 when none or several are.</summary>
    private static int Colour(byte[] chw, int x, int y)
    {
        var bright = Enumerable.Range(0, 3).Where(c => chw[c * Size * Size + y * Size + x] > 200).ToArray();
        return bright.Length == 1 ? bright[0] : -1;
    }

    private static int[] ColoursOfRow(byte[] chw, int y) => Enumerable.Range(0, Size).Select(x => Colour(chw, x, y)).Where(c => c >= 0).Distinct().Order().ToArray();

    [TestMethod]
    public void SquishStretchesTheWholeImage()
    {
        var chw = Render(Thirds(), ResizeMethod.Squish);
        Assert.AreEqual(0, Colour(chw, 2, 16));
        Assert.AreEqual(1, Colour(chw, 16, 16));
        Assert.AreEqual(2, Colour(chw, 29, 16));
    }

    [TestMethod]
    public void CropWhenScoringKeepsTheCentreSquareAndDropsTheEnds()
    {
        var chw = Render(Thirds(), ResizeMethod.Crop);
        for (int y = 0; y < Size; y += 5)
            CollectionAssert.AreEqual(new[] { 1 }, ColoursOfRow(chw, y), $"row {y} is the green middle third only");
        // Tall images crop along their height.
        var tall = new byte[96, 32, 3];
        for (int y = 0; y < 96; y++)
        {
            for (int x = 0; x < 32; x++)
                tall[y, x, 3 * y / 96] = 255;
        }
        var tallChw = Render(tall, ResizeMethod.Crop);
        Assert.AreEqual(1, Colour(tallChw, 16, 0));
        Assert.AreEqual(1, Colour(tallChw, 16, 31));
    }

    [TestMethod]
    public void CropPositionRunsAlongTheLongSide()
    {
        CollectionAssert.AreEqual(new[] { 0 }, ColoursOfRow(Render(Thirds(), ResizeMethod.Crop, position: 0), 16));
        CollectionAssert.AreEqual(new[] { 2 }, ColoursOfRow(Render(Thirds(), ResizeMethod.Crop, position: 1), 16));
    }

    [TestMethod]
    public void PadFitsTheWholeImageKeepingItsAspectRatioAndReflectsTheRest()
    {
        // 64 × 32: left half red, right half blue, the top 4 rows white. Fitted in 32 × 32 it fills rows 8–23.
        var rgb = new byte[32, 64, 3];
        for (int y = 0; y < 32; y++)
        {
            for (int x = 0; x < 64; x++)
            {
                for (int c = 0; c < 3; c++)
                    rgb[y, x, c] = (byte)(y < 4 || c == (x < 32 ? 0 : 2) ? 255 : 0);
            }
        }
        var pad = Render(rgb, ResizeMethod.Pad);
        var squish = Render(rgb, ResizeMethod.Squish);

        Assert.AreEqual(-1, Colour(squish, 5, 0), "squished, the white band is at the top");
        Assert.AreEqual(0, Colour(pad, 5, 0), "padded, the top is the image reflected (red), not the white band");
        Assert.AreEqual(-1, Colour(pad, 5, 9), "the white band is half as tall, 8 rows down");
        Assert.IsTrue(Enumerable.Range(0, 3).All(c => pad[c * Size * Size + 9 * Size + 5] > 200), "white");
        Assert.AreEqual(0, Colour(pad, 5, 16));
        Assert.AreEqual(0, Colour(pad, 14, 16));
        Assert.AreEqual(2, Colour(pad, 17, 16), "the halves keep their widths: the image was not stretched");
        Assert.AreEqual(2, Colour(pad, 30, 28), "below the image: the body reflected");
    }

    [TestMethod]
    public void CropInTrainingDrawsItsPositionPerImageAndNeverSquishes()
    {
        using var images = new GeneratedImages("resize");
        string path = Path.Combine(images.Folder, "thirds.png");
        GeneratedImages.Save(path, 96, 32, MLPixelFormat.Rgba32, Thirds());
        var rows = Enumerable.Repeat(new ImageRow { ImagePath = path, Label = "a" }, 8).ToList();

        var training = new List<byte[]>();
        foreach (int seed in new[] { 1, 2 })
        {
            var batch = Render(rows, ResizeMethod.Crop, seed, shuffle: true);
            training.AddRange(Enumerable.Range(0, 8).Select(i => batch.AsSpan(i * 3 * Size * Size, 3 * Size * Size).ToArray()));
        }
        foreach (var chw in training)
            Assert.IsTrue(ColoursOfRow(chw, 16).Length <= 2, "a 32-pixel square of a 96-pixel image never shows all three thirds");
        Assert.IsTrue(training.Select(Convert.ToBase64String).Distinct().Count() >= 8, "positions differ between images and seeds");

        var validation = Render(rows, ResizeMethod.Crop, seed: 1, shuffle: false);
        for (int i = 0; i < 8; i++)
            CollectionAssert.AreEqual(new[] { 1 }, ColoursOfRow(validation.AsSpan(i * 3 * Size * Size, 3 * Size * Size).ToArray(), 16), "validation crops the centre");
    }

    private static byte[] Render(List<ImageRow> rows, ResizeMethod method, int seed, bool shuffle)
    {
        var ml = new MLContext(seed: 1);
        var data = TestData.Preprocessing(ml).Fit(ml.Data.LoadFromEnumerable(rows)).Transform(ml.Data.LoadFromEnumerable(rows));
        var image = ImageColumn.Bind(data.Schema, "Image", "ImagePath");
        var imageData = new ImageData(new DataViewImageRows(data, image, (data.Schema["Label"], new SingleLabelTask(["a", "b", "c"])), rows.Count, shufflePool: 16), Size, rows.Count,
            prefetch: 2, seed, BadImagePolicy.Fail, _ => { }, "test data") { Resize = method };
        using var batch = imageData.Epoch(0, shuffle, augmentation: null, default).Single();
        return batch.Images.data<byte>().ToArray();
    }

    [TestCategory(Categories.Integration)]
    [TestMethod]
    public void AModelTrainedWithCropScoresWithCropAfterSavingAndLoading()
    {
        using var images = new GeneratedImages("resize-model");
        var rows = new List<ImageRow>();
        for (int i = 0; i < 8; i++)
        {
            foreach (var (label, first) in new[] { ("rgb", 0), ("brg", 2) })
            {
                string path = Path.Combine(images.Folder, $"{label}{i}.png");
                GeneratedImages.Save(path, 96 + 8 * i, 32, MLPixelFormat.Rgba32, Thirds(first, 96 + 8 * i));
                rows.Add(new ImageRow { ImagePath = path, Label = label });
            }
        }
        var ml = new MLContext(seed: 1);
        var raw = ml.Data.LoadFromEnumerable(rows);
        var preprocessing = TestData.Preprocessing(ml).Fit(raw);
        var options = TestData.TinyOptions();
        options.Epochs = 1;
        options.Learner.Resize = ResizeMethod.Crop;
        using var model = FastCnn.Train(ml, options).Fit(preprocessing.Transform(raw));
        Assert.AreEqual(ResizeMethod.Crop, model.Resize);
        var input = preprocessing.Transform(raw);
        var before = model.Transform(input).GetColumn<float[]>("Score").ToList();

        string file = Path.Combine(images.Folder, "model.zip");
        ml.Model.Save(preprocessing.Append(model), raw.Schema, file);
        var loaded = (TransformerChain<ITransformer>)ml.Model.Load(file, out _);
        using var loadedFastCnn = loaded.OfType<FastCnnTransformer>().Single();
        Assert.AreEqual(ResizeMethod.Crop, loadedFastCnn.Resize);
        var after = loaded.Transform(raw).GetColumn<float[]>("Score").ToList();
        for (int i = 0; i < before.Count; i++)
            CollectionAssert.AreEqual(before[i], after[i], $"row {i} scores bit for bit as before saving");

        using var squish = loadedFastCnn.WithResize(ResizeMethod.Squish);
        var squished = squish.Transform(input).GetColumn<float[]>("Score").ToList();
        Assert.IsTrue(Enumerable.Range(0, before.Count).Any(i => !before[i].SequenceEqual(squished[i])), "the same network scores differently when squishing");
    }
}
