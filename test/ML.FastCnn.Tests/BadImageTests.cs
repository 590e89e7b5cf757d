using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using SkiaSharp;

namespace ML.FastCnn.Tests;

/// <summary>
/// Every kind of bad image file, made here, caught with its file and the real cause: in training
/// (Fail names it, Skip leaves it out and lists it), at prediction (advice that fits prediction), in
/// the folder reader, and on the command line (predict answers for the good files and one error line
/// per bad one).
/// </summary>
[TestClass]
[TestCategory(Categories.Integration)]
public sealed class BadImageTests
{
    private static readonly GeneratedImages s_images = GeneratedImages.ForClass("bad-images");
    private static List<ImageRow> s_rows = null!;
    private static Dictionary<string, (string Path, string Reason)> s_bad = null!;
    private static string s_model = null!;

    // A whole 1×1 GIF (SkiaSharp cannot encode GIF).
    private static readonly byte[] Gif = Convert.FromHexString("47494638396101000100800000FFFFFF00000021F90401000000002C00000000010001000002024401003B");

    [ClassInitialize]
    public static void MakeFiles(TestContext _)
    {
        s_rows = s_images.Write("train", perClass: 6, seed: 5);
        var source = File.ReadAllBytes(s_rows[0].ImagePath);
        using var bitmap = SKBitmap.Decode(source);
        byte[] Encode(SKEncodedImageFormat format) => SKImage.FromBitmap(bitmap).Encode(format, 90).ToArray();
        byte[] png = Encode(SKEncodedImageFormat.Png), jpeg = Encode(SKEncodedImageFormat.Jpeg), webp = Encode(SKEncodedImageFormat.Webp);
        string Write(string name, byte[] bytes)
        {
            var path = Path.Combine(s_images.Folder, name);
            File.WriteAllBytes(path, bytes);
            return path;
        }
        s_bad = new()
        {
            ["truncated png"] = (Write("cut.png", png[..(png.Length * 2 / 3)]), $"the PNG data is truncated ({png.Length * 2 / 3} bytes, no IEND chunk at the end)"),
            ["truncated gif"] = (Write("cut.gif", Gif[..^1]), $"the GIF data is truncated ({Gif.Length - 1} bytes, no trailer at the end)"),
            ["truncated webp"] = (Write("cut.webp", webp[..(webp.Length / 2)]), $"the WebP data is truncated ({webp.Length / 2} of {webp.Length} bytes)"),
            ["truncated jpeg"] = (Write("cut.jpg", jpeg[..(jpeg.Length / 2)]), $"the JPEG data is truncated ({jpeg.Length / 2} bytes, no end-of-image marker)"),
            ["empty"] = (Write("empty.png", []), "the file is empty"),
            ["text"] = (Write("text.png", "not an image at all"u8.ToArray()), "not an image the decoders read (an unknown format, or a damaged header)"),
            ["unsupported"] = (Write("scan.png", [0x49, 0x49, 0x2A, 0x00, 8, 0, 0, 0, 0, 0, 0, 0]), "not an image the decoders read (an unknown format, or a damaged header)"), // a TIFF header
        };

        var ml = new MLContext(seed: 1);
        var (model, preprocessing, raw) = TestData.TinyModel(ml, s_rows);
        using var trained = model;
        s_model = Path.Combine(s_images.Folder, "model.zip");
        ml.Model.Save(preprocessing.Append(model), raw.Schema, s_model);
    }

    public static IEnumerable<object[]> Kinds => new[] { "truncated png", "truncated gif", "truncated webp", "truncated jpeg", "empty", "text", "unsupported" }.Select(k => new object[] { k });

    [TestMethod]
    [DynamicData(nameof(Kinds))]
    public void PredictionNamesTheFileAndTheCause(string kind)
    {
        var (path, reason) = s_bad[kind];
        var ml = new MLContext();
        var model = ml.Model.Load(s_model, out _);
        var rows = ml.Data.LoadFromEnumerable(new[] { new ImageRow { ImagePath = path, Label = GeneratedImages.Classes[0] } });

        var e = Assert.ThrowsExactly<UnreadableImageException>(() => model.Transform(rows).GetColumn<float[]>("Score").ToList());

        Assert.AreEqual(path, e.ImagePath);
        StringAssert.StartsWith(e.Message, $"Cannot read the image '{path}' (row 0): {reason}");
        StringAssert.EndsWith(e.Message, ". Fix or replace the file: a row cannot be scored without its image.");
    }

    [TestMethod]
    [DynamicData(nameof(Kinds))]
    public void TrainingFailsNamingTheFileOrSkipsAndListsIt(string kind)
    {
        var (path, reason) = s_bad[kind];
        var ml = new MLContext(seed: 1);
        var log = TestData.CaptureLog(ml);
        var rows = s_rows.Append(new ImageRow { ImagePath = path, Label = GeneratedImages.Classes[1] }).ToList();
        var raw = ml.Data.LoadFromEnumerable(rows);
        var data = TestData.Preprocessing(ml).Fit(raw).Transform(raw);
        var options = TestData.TinyOptions();
        options.Epochs = 1;

        var e = Assert.ThrowsExactly<UnreadableImageException>(() => FastCnn.Train(ml, options).Fit(data));
        StringAssert.StartsWith(e.Message, $"Cannot read the image '{path}' (row {rows.Count - 1}): {reason}");
        StringAssert.Contains(e.Message, "set BadImages = Skip in the learner options");

        options.Learner.BadImages = BadImagePolicy.Skip;
        using var model = FastCnn.Train(ml, options).Fit(data);
        Assert.IsTrue(log.Any(l => l.Contains($"Skipped: Cannot read the image '{path}'", StringComparison.Ordinal)), string.Join('\n', log));
    }

    [TestMethod]
    public void TheFolderReaderListsIgnoredFilesAndFindsBadOnesWhenAskedTo()
    {
        var root = Path.Combine(s_images.Folder, "folder");
        foreach (var row in s_rows)
        {
            var target = Path.Combine(root, row.Label, Path.GetFileName(row.ImagePath));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(row.ImagePath, target, overwrite: true);
        }
        var tiff = Path.Combine(root, "blob", "scan.tiff");
        File.Copy(s_bad["unsupported"].Path, tiff, overwrite: true);
        var cut = Path.Combine(root, "blob", "cut.png");
        File.Copy(s_bad["truncated png"].Path, cut, overwrite: true);
        var ml = new MLContext();

        var listed = ml.Data.LoadImageFolder(root, new ImageFolderOptions { ValidationFraction = 0 });
        CollectionAssert.AreEqual(new[] { tiff }, listed.IgnoredPaths.ToArray(), ".tiff is not read, and said so");
        Assert.IsTrue(listed.TrainFiles.Any(f => f.ImagePath == cut), "without CheckImages the truncated file is found when first read");

        var e = Assert.ThrowsExactly<UnreadableImageException>(() => ml.Data.LoadImageFolder(root, new ImageFolderOptions { ValidationFraction = 0, CheckImages = true }));
        Assert.AreEqual($"Cannot read the image '{cut}': {s_bad["truncated png"].Reason}", e.Description, "no row number for a folder listing");

        var skipped = ml.Data.LoadImageFolder(root, new ImageFolderOptions { ValidationFraction = 0, CheckImages = true, BadFiles = BadImagePolicy.Skip });
        CollectionAssert.AreEqual(new[] { cut }, skipped.SkippedPaths.ToArray());
        Assert.IsFalse(skipped.TrainFiles.Any(f => f.ImagePath == cut));
    }

    [TestMethod]
    public void PredictPrintsEveryGoodResultAndOneErrorLinePerBadFile()
    {
        var good = s_rows.Take(2).Select(r => r.ImagePath).ToList();
        var bad = new[] { s_bad["text"].Path, s_bad["truncated png"].Path, Path.Combine(s_images.Folder, "missing.png") };
        string[] files = [good[0], bad[0], good[1], bad[1], bad[2]];

        var (code, output) = TestData.Cli(["predict", s_model, .. files]);
        Assert.AreEqual(1, code, output);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        foreach (var path in good)
        {
            var line = lines.Single(l => l.StartsWith(path + "\t", StringComparison.Ordinal)).Split('\t');
            Assert.IsTrue(GeneratedImages.Classes.Contains(line[1]), string.Join('\n', lines));
        }
        Assert.IsTrue(lines.Contains($"error: {bad[0]}: {s_bad["text"].Reason}"), output);
        Assert.IsTrue(lines.Contains($"error: {bad[1]}: {s_bad["truncated png"].Reason}"), output);
        Assert.IsTrue(lines.Contains($"error: {bad[2]}: the file does not exist"), output);

        var (jsonCode, json, _) = TestData.CliStreams(["predict", s_model, .. files, "--format", "json"]);
        Assert.AreEqual(1, jsonCode);
        var results = JsonDocument.Parse(json).RootElement.EnumerateArray().ToList();
        CollectionAssert.AreEqual(files, results.Select(r => r.GetProperty("path").GetString()).ToArray());
        Assert.AreEqual(2, results.Count(r => r.TryGetProperty("label", out _)));
        Assert.AreEqual(s_bad["truncated png"].Reason, results[3].GetProperty("error").GetString());

        var (csvCode, csv, _) = TestData.CliStreams(["predict", s_model, .. files, "--format", "csv"]);
        Assert.AreEqual(1, csvCode);
        var csvLines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.AreEqual("path,label,probability,error", csvLines[0]);
        Assert.AreEqual(files.Length + 1, csvLines.Length, csv);
    }
}
