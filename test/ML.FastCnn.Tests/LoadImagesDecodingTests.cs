using Microsoft.ML;
using Microsoft.ML.Data;
using SkiaSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace ML.FastCnn.Tests;

/// <summary>
/// Rows from <c>LoadImages</c>: when the path column names the file itself, the reader passes its bytes on to be decoded
/// on the pipeline's workers, but only after its own decoding gave LoadImages' pixels on the first rows; paths relative
/// to LoadImages' imageFolder are read through LoadImages.
/// </summary>
[TestClass]
public sealed class LoadImagesDecodingTests
{
    private static string s_folder = "";
    private static string[] s_names = [];

    [ClassInitialize]
    public static void WriteImages(TestContext _)
    {
        s_folder = Directory.CreateTempSubdirectory("fastcnn-loadimages").FullName;
        var names = new List<string>();
        var random = new Random(5);
        for (int i = 0; i < 6; i++)
        {
            // RGB, grey and transparent PNGs: the decoders give different colour types, which the comparison converts.
            var (type, alpha) = (i % 3) switch { 0 => (SKColorType.Rgba8888, SKAlphaType.Opaque), 1 => (SKColorType.Gray8, SKAlphaType.Opaque), _ => (SKColorType.Rgba8888, SKAlphaType.Unpremul) };
            using var bitmap = new SKBitmap(new SKImageInfo(12 + i, 9 + 2 * i, type, alpha));
            for (int y = 0; y < bitmap.Height; y++)
                for (int x = 0; x < bitmap.Width; x++)
                    bitmap.SetPixel(x, y, new SKColor((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256), alpha == SKAlphaType.Opaque ? (byte)255 : (byte)random.Next(40, 256)));
            var name = $"image-{i}.png";
            using (var file = File.Create(Path.Combine(s_folder, name)))
                bitmap.Encode(file, SKEncodedImageFormat.Png, 100);
            names.Add(name);
        }
        s_names = [.. names];
    }

    [ClassCleanup]
    public static void DeleteImages() => Directory.Delete(s_folder, recursive: true);

    private sealed class PathRow
    {
        public string ImagePath { get; set; } = "";
        public string OtherPath { get; set; } = "";
    }

    /// <summary>ML.NET's LoadImages over <paramref name="rows"/>' ImagePath column.</summary>
    private static IDataView LoadImages(string? imageFolder, IEnumerable<PathRow> rows)
    {
        var ml = new MLContext(seed: 1);
        return ml.Transforms.LoadImages("Image", imageFolder, inputColumnName: "ImagePath")
            .Fit(ml.Data.LoadFromEnumerable(Array.Empty<PathRow>()))
            .Transform(ml.Data.LoadFromEnumerable(rows));
    }

    /// <summary>Every row read through a reader of <paramref name="pathColumn"/>: RGB pixels rendered at 16 px, and the reader's decoding state after it.</summary>
    private static List<(byte[] Pixels, FileDecoding After)> ReadAll(IDataView data, string pathColumn)
    {
        var column = ImageColumn.Bind(data.Schema, "Image", pathColumn);
        using var cursor = data.GetRowCursor(column.Columns);
        var reader = column.CreateReader(cursor);
        var rows = new List<(byte[], FileDecoding)>();
        while (cursor.MoveNext())
        {
            using var source = reader.Read();
            rows.Add((Rendered(source.Bitmap), reader.Decoding));
        }
        return rows;
    }

    private static byte[] Rendered(SKBitmap bitmap)
    {
        var pixels = new byte[3 * 16 * 16];
        ImageRenderer.Render(bitmap, 16, AugmentationDraw.Identity, pixels);
        return pixels;
    }

    /// <summary>What ML.NET's own decoding of the file gives, rendered the same way.</summary>
    private static byte[] AsLoadImagesDecodes(string path)
    {
        using var image = MLImage.CreateFromFile(path);
        using var source = ImageSource.CopyOf(image);
        return Rendered(source.Bitmap);
    }

    [TestMethod]
    public void FilesAreDecodedByTheReaderOnlyAfterTheFirstRowsMatchedLoadImages()
    {
        var paths = s_names.Select(n => Path.Combine(s_folder, n)).ToArray();
        var data = LoadImages(imageFolder: null, paths.Select(p => new PathRow { ImagePath = p }));

        var rows = ReadAll(data, "ImagePath");

        for (int i = 0; i < paths.Length; i++)
            CollectionAssert.AreEqual(AsLoadImagesDecodes(paths[i]), rows[i].Pixels, $"row {i} ({s_names[i]})");
        var states = rows.Select(r => r.After).ToArray();
        Assert.IsTrue(states.Take(ImageColumn.Reader.RowsCompared - 1).All(s => s == FileDecoding.Unproven), string.Join(", ", states));
        Assert.IsTrue(states.Skip(ImageColumn.Reader.RowsCompared - 1).All(s => s == FileDecoding.Proven), string.Join(", ", states));
    }

    [TestMethod]
    public void APathColumnNamingOtherFilesThanLoadImagesReadIsNotTrusted()
    {
        var paths = s_names.Select(n => Path.Combine(s_folder, n)).ToArray();
        var data = LoadImages(imageFolder: null, paths.Select((p, i) => new PathRow { ImagePath = p, OtherPath = paths[(i + 1) % paths.Length] }));

        var rows = ReadAll(data, "OtherPath");

        for (int i = 0; i < paths.Length; i++)
            CollectionAssert.AreEqual(AsLoadImagesDecodes(paths[i]), rows[i].Pixels, $"row {i}: LoadImages' image, not the path column's file");
        Assert.IsTrue(rows.All(r => r.After == FileDecoding.Off));
    }

    [TestCategory(Categories.Integration)]
    [TestMethod]
    public void PathsRelativeToLoadImagesImageFolderTrainAndScore()
    {
        // ML.NET's documented pattern: LoadImages(imageFolder: …) over relative names. The reader used to look for the relative
        // name in the working directory and refuse every row ("the file does not exist").
        var ml = new MLContext(seed: 1);
        using var images = new GeneratedImages("image-folder");
        var rows = images.Write("train", perClass: 4, seed: 3);
        foreach (var row in rows)
            row.ImagePath = Path.GetRelativePath(images.Folder, row.ImagePath);
        Assert.IsFalse(File.Exists(rows[0].ImagePath), "the names do not resolve from the working directory");
        var options = TestData.TinyOptions();
        options.Epochs = 1;
        var raw = ml.Data.LoadFromEnumerable(rows);

        var model = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.LoadImages("Image", imageFolder: images.Folder, inputColumnName: "ImagePath"))
            .Append(FastCnn.Train(ml, options))
            .Fit(raw);
        using var network = model.LastTransformer;
        var scores = model.Transform(raw).GetColumn<float[]>("Score").ToList();

        Assert.HasCount(rows.Count, scores);
        Assert.IsTrue(scores.All(s => s.Length == GeneratedImages.Classes.Length && Math.Abs(s.Sum() - 1) < 1e-4));
    }

    [TestMethod]
    public void AMissingFileUnderLoadImagesImageFolderIsNamed()
    {
        var data = LoadImages(s_folder, [new PathRow { ImagePath = s_names[0] }, new PathRow { ImagePath = "nowhere.png" }]);

        var e = Assert.ThrowsExactly<UnreadableImageException>(() => ReadAll(data, "ImagePath"));

        Assert.AreEqual("nowhere.png", e.ImagePath);
        Assert.AreEqual(1, e.Row);
        StringAssert.Contains(e.Message, Path.Combine(s_folder, "nowhere.png"), "LoadImages' own words name the file it looked for");
    }

    [TestMethod]
    public void StagingLeavesCpuBatchesAsTheyAreAndMovesOthersToTheirDevice()
    {
        using var pixels = tensor(new byte[] { 1, 2, 3, 4 }, [1, 2, 2]);
        Assert.AreSame(pixels, ImageBatchPipeline.Stage(pixels, CPU));
        Assert.AreSame(pixels, ImageBatchPipeline.Stage(pixels, null));

        // The meta device (shapes without memory) stands in for a GPU here: the host batch is handed over and freed.
        var host = tensor(new byte[] { 1, 2, 3, 4 }, [1, 2, 2]);
        using var staged = ImageBatchPipeline.Stage(host, new Device(DeviceType.META));
        Assert.AreEqual(DeviceType.META, staged.device_type);
        CollectionAssert.AreEqual(new long[] { 1, 2, 2 }, staged.shape);
        Assert.IsTrue(host.IsInvalid, "the host copy is disposed once staged");
    }
}
