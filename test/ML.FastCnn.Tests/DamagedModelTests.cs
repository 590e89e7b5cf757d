using System.Buffers.Binary;
using System.IO.Compression;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace ML.FastCnn.Tests;

/// <summary>
/// Model files damaged the ways files get damaged — cut short, bytes flipped, the wrong file, saved by
/// a newer version — give one exception that names the file and says what is wrong; weights are
/// checked before libtorch reads them; saving never leaves half a file where a good one was.
/// </summary>
[TestClass]
[TestCategory(Categories.Integration)]
public sealed class DamagedModelTests
{
    private const string WeightsEntry = "FastCnnWeights", HeaderEntry = "Model.key";
    private static string s_folder = null!;
    private static string s_model = null!;

    [ClassInitialize]
    public static void SaveAModel(TestContext _)
    {
        s_folder = Directory.CreateTempSubdirectory("fastcnn-damaged-").FullName;
        var ml = new MLContext(seed: 1);
        var (model, preprocessing, raw) = TestData.TinyModel(ml, TestData.FashionMnist("valid", 2));
        using var trained = model;
        s_model = Path.Combine(s_folder, "model.zip");
        FastCnn.SaveModel(ml, preprocessing.Append(model), raw.Schema, s_model);
    }

    [ClassCleanup]
    public static void Cleanup() => Directory.Delete(s_folder, recursive: true);

    private static string Damaged(string name, byte[] bytes)
    {
        var path = Path.Combine(s_folder, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static string LoadFails(string path)
    {
        var e = Assert.ThrowsExactly<InvalidDataException>(() => FastCnn.LoadModel(new MLContext(), path, out _));
        StringAssert.StartsWith(e.Message, $"Model file '{path}' cannot be loaded: ");
        return e.Message[$"Model file '{path}' cannot be loaded: ".Length..];
    }

    /// <summary>The model with one zip entry of the FastCnn step (its weights or its header) changed, uncompressed.</summary>
    private static byte[] WithEntry(string source, string name, Func<byte[], byte[]> change)
    {
        using var copy = new MemoryStream();
        copy.Write(File.ReadAllBytes(source));
        using (var zip = new ZipArchive(copy, ZipArchiveMode.Update, leaveOpen: true))
        {
            // The FastCnn step's folder is the one holding its weights (chains may nest: Transform_000/Transform_001/…).
            string folder = zip.Entries.Single(e => e.Name == WeightsEntry).FullName[..^WeightsEntry.Length];
            string entry = folder + name;
            var old = zip.GetEntry(entry)!;
            byte[] bytes;
            using (var stream = old.Open())
            using (var buffer = new MemoryStream())
            {
                stream.CopyTo(buffer);
                bytes = buffer.ToArray();
            }
            old.Delete();
            using var replaced = zip.CreateEntry(entry).Open();
            replaced.Write(change(bytes));
        }
        return copy.ToArray();
    }

    [TestMethod]
    public void AMissingFileIsNamed()
    {
        var path = Path.Combine(s_folder, "nowhere.zip");
        var e = Assert.ThrowsExactly<FileNotFoundException>(() => FastCnn.LoadModel(new MLContext(), path, out _));
        Assert.AreEqual($"Model file '{path}' does not exist.", e.Message);
    }

    [TestMethod]
    [DataRow(0.1)]
    [DataRow(0.5)]
    [DataRow(0.99)]
    public void ATruncatedFileIsNotAWholeZip(double kept)
    {
        var bytes = File.ReadAllBytes(s_model);
        var path = Damaged($"cut-{kept}.zip", bytes[..(int)(bytes.Length * kept)]);
        Assert.AreEqual("it is not a whole .zip (End of Central Directory record could not be found): truncated, or not a model file. Copy it again in full, or save the model again.",
            LoadFails(path));
    }

    [TestMethod]
    public void AFileOfAnotherKindIsSaidToBeOne()
    {
        Assert.AreEqual("it is not a whole .zip (End of Central Directory record could not be found): truncated, or not a model file. Copy it again in full, or save the model again.",
            LoadFails(Damaged("text.zip", "this is not a model"u8.ToArray())));

        using var other = new MemoryStream();
        using (var zip = new ZipArchive(other, ZipArchiveMode.Create, leaveOpen: true))
        using (var writer = new StreamWriter(zip.CreateEntry("readme.txt").Open()))
            writer.Write("photos");
        Assert.AreEqual("it is a .zip but not an ML.NET model (Repository doesn't contain entry DataLoaderModel/Model.key). Pass the file mlContext.Model.Save wrote.",
            LoadFails(Damaged("other.zip", other.ToArray())));
    }

    [TestMethod]
    public void DamagedWeightsAreFoundBeforeLibtorchReadsThem()
    {
        var flipped = Damaged("flipped.zip", WithEntry(s_model, WeightsEntry, bytes =>
        {
            bytes[bytes.Length / 2] ^= 0x10; // one bit in the middle of a weight: would load as a different network
            return bytes;
        }));
        StringAssert.Contains(LoadFails(flipped), "the network's weights (entry 'FastCnnWeights') are damaged: their checksum does not match. Save the model again, or copy the file again in full.");

        int length = 0;
        var cut = Damaged("cut-weights.zip", WithEntry(s_model, WeightsEntry, bytes =>
        {
            length = bytes.Length;
            return bytes[..(bytes.Length / 3)];
        }));
        StringAssert.Contains(LoadFails(cut), $"the network's weights (entry 'FastCnnWeights') are damaged: {length / 3} of {length} bytes. Save the model again, or copy the file again in full.");
    }

    [TestMethod]
    public void DamagedWeightsOfAnOlderFormatWithoutChecksumFailCleanly()
    {
        var fixture = Path.Combine(AppContext.BaseDirectory, "Fixtures", "format-1.3.zip");
        var cut = Damaged("old-cut-weights.zip", WithEntry(fixture, WeightsEntry, bytes => bytes[..(bytes.Length / 2)]));
        StringAssert.Contains(LoadFails(cut), "the network's weights (entry 'FastCnnWeights') are damaged: ");
    }

    [TestMethod]
    public void AModelFromANewerVersionSaysToUpdate()
    {
        // The FastCnn step's header: its signature "FASTCNN" (8 bytes), then the version written and the version a reader needs.
        var newer = Damaged("newer.zip", WithEntry(s_model, HeaderEntry, bytes =>
        {
            int at = bytes.AsSpan().IndexOf("FASTCNN"u8) + 8;
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at), 0x00020000);
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at + 4), 0x00020000);
            return bytes;
        }));
        Assert.AreEqual("it was saved by a newer ML.FastCnn than this one (model format 2.0; this one reads up to 1.8). Update ML.FastCnn to load it.", LoadFails(newer));
    }

    [TestMethod]
    public void SavingOverAModelIsWholeOrNothing()
    {
        var ml = new MLContext();
        var path = Path.Combine(s_folder, "keep.zip");
        File.Copy(s_model, path, overwrite: true);
        var before = File.ReadAllBytes(path);
        var schema = ml.Data.LoadFromEnumerable(new[] { new ImageRow() }).Schema;

        Assert.ThrowsExactly<IOException>(() => FastCnn.SaveModel(ml, new FailsToSave(), schema, path));

        CollectionAssert.AreEqual(before, File.ReadAllBytes(path), "the good model is still there");
        Assert.AreEqual(0, Directory.GetFiles(s_folder, "*.tmp").Length, "no temporary file is left");
        FastCnn.LoadModel(ml, path, out _);
    }

    /// <summary>A transformer whose saving fails half-way, as a full disk would.</summary>
    private sealed class FailsToSave : ITransformer
    {
        public bool IsRowToRowMapper => true;

        public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => inputSchema;

        public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => throw new NotSupportedException();

        public IDataView Transform(IDataView input) => input;

        void ICanSaveModel.Save(ModelSaveContext ctx) => throw new IOException("No space left on device");
    }
}
