// Usage: ML.FastCnn.FixtureMaker <Fixtures folder> [--force]
//   Writes what test/ML.FastCnn.Tests/Fixtures/README.md lists: three small PNGs (images/), and per old
//   format version 1.3–1.6 a model zip written byte for byte as that version wrote it, around a ResNet18 of
//   one block per stage with seeded, non-zero weights, plus the scores this code gives the images
//   (format-1.N-seeded.scores.tsv). Existing files are kept unless --force: a fixture's expected scores are a
//   record of the day it was made and must not be regenerated to make a failing test pass.
// Usage: ML.FastCnn.FixtureMaker --check <Fixtures folder>
//   Rewrites the header of the format-1.3.zip fixture (written by the real format-1.3 code, commit de9b805)
//   with this maker's 1.3 writer and compares the bytes: proof that the maker writes what that version wrote.
using System.Globalization;
using System.IO.Compression;
using Microsoft.ML;
using Microsoft.ML.Data;
using ML.FastCnn;
using ML.FastCnn.FixtureMaker;

[assembly: System.Runtime.CompilerServices.IgnoresAccessChecksTo("Microsoft.ML.Core")]
[assembly: System.Runtime.CompilerServices.IgnoresAccessChecksTo("Microsoft.ML.Data")]

if (args.Length >= 2 && args[0] == "--check")
    return CheckAgainstFormat13(args[1]);
if (args.Length < 1)
{
    Console.Error.WriteLine("Usage: ML.FastCnn.FixtureMaker <Fixtures folder> [--force] | --check <Fixtures folder>");
    return 2;
}

string fixtures = Path.GetFullPath(args[0]);
bool force = args.Contains("--force");
var images = FixtureImages.Write(Path.Combine(fixtures, "images"), force);
foreach (var spec in FixtureSpec.All)
{
    string zip = Path.Combine(fixtures, spec.FileName);
    if (File.Exists(zip) && !force)
    {
        Console.WriteLine($"{spec.FileName}: exists, kept");
        continue;
    }
    var ml = new MLContext(seed: 1);
    var rows = images.Select((path, i) => new FixtureRow { ImagePath = path, Label = spec.ClassNames[i % spec.ClassNames.Length] }).ToList();
    var raw = ml.Data.LoadFromEnumerable(rows);
    var preprocessing = ml.Transforms.Conversion.MapValueToKey("Label")
        .Append(ml.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: "ImagePath")).Fit(raw);
    var fastCnn = new OldFormatFastCnn(spec, SeededWeights.Make(spec));
    var chain = new TransformerChain<ITransformer>([.. preprocessing, fastCnn]);
    ml.Model.Save(chain, raw.Schema, zip);

    // The record: what this code (at the commit in the README) scores the committed images with.
    var loaded = ml.Model.Load(zip, out _);
    var scores = loaded.Transform(raw).GetColumn<float[]>("Score").ToList();
    using (var writer = new StreamWriter(Path.Combine(fixtures, spec.ScoresFileName)))
    {
        writer.WriteLine("image\t" + string.Join('\t', spec.ClassNames));
        for (int i = 0; i < images.Count; i++)
            writer.WriteLine(Path.GetFileName(images[i]) + "\t" + string.Join('\t', scores[i].Select(s => s.ToString("R", CultureInfo.InvariantCulture))));
    }
    (loaded as IDisposable)?.Dispose();
    Console.WriteLine($"{spec.FileName}: {new FileInfo(zip).Length} bytes; scores {string.Join(" | ", scores.Select(s => string.Join(' ', s.Select(v => v.ToString("F4", CultureInfo.InvariantCulture)))))}");
}
return 0;

// The FastCnn entry of format-1.3.zip, rewritten by this maker's 1.3 writer with that fixture's settings, must equal the original.
static int CheckAgainstFormat13(string fixtures)
{
    const string Entry = "TransformerChain/Transform_002/Model.key";
    string original = Path.Combine(fixtures, "format-1.3.zip");
    var spec = FixtureSpec.Format13Original;
    var ml = new MLContext(seed: 1);
    var raw = ml.Data.LoadFromEnumerable(new[] { new FixtureRow { ImagePath = "a.png", Label = "a" }, new FixtureRow { ImagePath = "b.png", Label = "b" } });
    var preprocessing = ml.Transforms.Conversion.MapValueToKey("Label")
        .Append(ml.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: "ImagePath")).Fit(raw);
    string rewritten = Path.Combine(Path.GetTempPath(), $"fixture-check-{Guid.NewGuid():N}.zip");
    try
    {
        // The weights are not part of the compared entry (1.3 stores no checksum): any will do.
        ml.Model.Save(new TransformerChain<ITransformer>([.. preprocessing, new OldFormatFastCnn(spec, [0])]), raw.Schema, rewritten);
        byte[] expected = ReadEntry(original, Entry), actual = ReadEntry(rewritten, Entry);
        if (expected.AsSpan().SequenceEqual(actual))
        {
            Console.WriteLine($"{Entry}: the maker's 1.3 writer matches format-1.3.zip byte for byte ({actual.Length} bytes).");
            return 0;
        }
        int first = Enumerable.Range(0, Math.Min(expected.Length, actual.Length)).FirstOrDefault(i => expected[i] != actual[i], Math.Min(expected.Length, actual.Length));
        Console.Error.WriteLine($"{Entry}: differs at byte {first} (lengths {expected.Length} and {actual.Length}).");
        return 1;
    }
    finally
    {
        File.Delete(rewritten);
    }
}

static byte[] ReadEntry(string zip, string entry)
{
    using var archive = ZipFile.OpenRead(zip);
    using var stream = archive.GetEntry(entry)!.Open();
    using var copy = new MemoryStream();
    stream.CopyTo(copy);
    return copy.ToArray();
}

/// <summary>One input row of a fixture model: an image file and its class name.</summary>
internal sealed class FixtureRow
{
    public string ImagePath { get; set; } = "";

    public string Label { get; set; } = "";
}
