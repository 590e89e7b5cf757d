using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using Onnx;
using static TorchSharp.torch;

namespace ML.FastCnn.Tests;

/// <summary>
/// ExportOnnx's contract, checked with ONNX Runtime through ML.NET's own ApplyOnnxModel: the same
/// probabilities as FastCnn on the same input tensors, the same classes through ML.NET's image chain,
/// and the metadata a runtime needs.
/// </summary>
[TestClass]
[TestCategory(Categories.Integration)]
public sealed class OnnxExportTests
{
    private const int Size = 32;

    [TestMethod]
    [DataRow(ClassifierHead.Fastai)]
    [DataRow(ClassifierHead.Linear)]
    public void OnnxRuntimeScoresTheExportedModelAsFastCnnDoes(ClassifierHead head)
    {
        var ml = new MLContext(seed: 1);
        var rows = TestData.FashionMnist("valid", 4);
        var (model, preprocessing, raw) = TestData.TinyModel(ml, rows, epochs: 2, head);
        using var disposeModel = model;
        var path = Path.Combine(Path.GetTempPath(), $"fastcnn-{Guid.NewGuid():N}.onnx");
        model.ExportOnnx(path);
        try
        {
            // 1. The same input tensors: FastCnn's rendering of each image, through both.
            var inputs = rows.Select(r =>
            {
                using var image = MLImage.CreateFromFile(r.ImagePath);
                using var bytes = ImageTensorConverter.ToResizedBytes(image, Size);
                return bytes.data<byte>().Select(b => (float)b).ToArray();
            }).ToList();
            float[][] expected;
            using (var scope = NewDisposeScope())
            {
                var batch = tensor(inputs.SelectMany(v => v.Select(f => (byte)f)).ToArray(), [inputs.Count, 3, Size, Size]);
                expected = model.Classifier.Predict(batch, ScoringEngine.Reference);
            }
            var onnx = ml.Transforms.ApplyOnnxModel("probabilities", "image", path);
            var tensors = ml.Data.LoadFromEnumerable(inputs.Select(v => new TensorRow { Image = v }));
            var actual = onnx.Fit(tensors).Transform(tensors).GetColumn<float[]>("probabilities").ToList();
            for (int i = 0; i < expected.Length; i++)
                for (int k = 0; k < expected[i].Length; k++)
                    Assert.AreEqual(expected[i][k], actual[i][k], 1e-4, $"{head} head, image {i}, class {k}");

            // 2. ML.NET's own chain from the files (FastCnn.OnnxScoringChain): LoadImages → ResizeImages → ExtractPixels → ApplyOnnxModel.
            var chain = FastCnn.OnnxScoringChain(ml, model, path);
            var scored = chain.Fit(raw).Transform(raw);
            // The pixels ML.NET resizes are the ones FastCnn renders (the same Skia filter), up to rounding.
            var pixels = scored.GetColumn<float[]>("image").ToList();
            float largest = pixels.Zip(inputs).Max(p => p.First.Zip(p.Second).Max(v => Math.Abs(v.First - v.Second)));
            Assert.IsTrue(largest <= 2, $"ML.NET's ResizeImages and FastCnn's renderer differ by up to {largest} of 255");
            var viaMLNet = scored.GetColumn<float[]>("probabilities").Select(ArgMax).ToList();
            var viaFastCnn = model.Transform(preprocessing.Transform(raw)).GetColumn<uint>("PredictedLabel").Select(k => (int)k - 1).ToList();
            int agree = viaMLNet.Zip(viaFastCnn).Count(p => p.First == p.Second);
            Assert.IsTrue(agree >= viaMLNet.Count - 1, $"{agree} of {viaMLNet.Count} top-1 classes agree");

            // 3. What a runtime needs to know.
            var proto = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
            var metadata = proto.MetadataProps.ToDictionary(p => p.Key, p => p.Value);
            CollectionAssert.AreEqual(model.ClassNames.ToArray(), JsonSerializer.Deserialize<string[]>(metadata["classes"]));
            Assert.AreEqual("32", metadata["image_size"]);
            Assert.IsFalse(proto.Graph.Node.Any(n => n.OpType is "BatchNormalization" or "Dropout"), "BatchNorm folded, no dropout");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void TheExportedMLNetModelScoresInAProcessWithoutTorchSharpOrFastCnn()
    {
        var ml = new MLContext(seed: 1);
        var rows = TestData.FashionMnist("valid", 2);
        var (trained, preprocessing, raw) = TestData.TinyModel(ml, rows);
        var folder = Directory.CreateTempSubdirectory("fastcnn-export-").FullName;
        try
        {
            var modelPath = Path.Combine(folder, "model.zip");
            using (trained)
                ml.Model.Save(preprocessing.Append(trained), raw.Schema, modelPath);
            string onnx = Path.Combine(folder, "model.onnx"), mlnet = Path.Combine(folder, "model-onnx.zip");
            var (code, output) = TestData.Cli("export", modelPath, onnx, "--mlnet", mlnet, "--check", Path.Combine(TestData.RepositoryRoot(), "data", "fashion-mnist-sample"));
            Assert.AreEqual(0, code, output);
            StringAssert.Contains(output, "agrees with FastCnn on ");
            StringAssert.Contains(output, "ResizeImages (IsoCrop)", "a Squish model's chain: IsoCrop, exact for square images (ML.NET's Fill resamples nearest-neighbour)");

            var consumer = Path.Combine(TestData.RepositoryRoot(), "test", "ML.FastCnn.OnnxConsumer", "bin", TestData.Configuration, "net10.0");
            Assert.IsFalse(Directory.GetFiles(consumer).Any(f => Path.GetFileName(f).StartsWith("TorchSharp", StringComparison.Ordinal) || Path.GetFileName(f) == "ML.FastCnn.dll"),
                "the consumer application carries no TorchSharp and no ML.FastCnn");
            var lines = TestData.RunProgram(Path.Combine(consumer, "ML.FastCnn.OnnxConsumer.dll"), rows.Select(r => r.ImagePath).Prepend(mlnet));

            // The same chain in this process (ONNX Runtime through ML.NET): the same bits.
            var chain = ml.Transforms.LoadImages("Picture", imageFolder: null, inputColumnName: "ImagePath")
                .Append(ml.Transforms.ResizeImages("Picture", Size, Size, resizing: ImageResizingEstimator.ResizingKind.IsoCrop))
                .Append(ml.Transforms.ExtractPixels("image", "Picture", interleavePixelColors: false, outputAsFloatArray: true))
                .Append(ml.Transforms.ApplyOnnxModel("probabilities", "image", onnx));
            var expected = chain.Fit(raw).Transform(raw).GetColumn<float[]>("probabilities")
                .Select(p => string.Join(' ', p.Select(v => BitConverter.SingleToInt32Bits(v).ToString("x8")))).ToList();
            CollectionAssert.AreEqual(expected, lines);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    public void TheOnnxChainResizesAsCloseToTheModelAsMLNetCan()
    {
        Assert.AreEqual(ImageResizingEstimator.ResizingKind.IsoCrop, FastCnn.OnnxResizingFor(ResizeMethod.Crop), "same filter, centred");
        Assert.AreEqual(ImageResizingEstimator.ResizingKind.IsoPad, FastCnn.OnnxResizingFor(ResizeMethod.Pad));
        Assert.AreEqual(ImageResizingEstimator.ResizingKind.IsoCrop, FastCnn.OnnxResizingFor(ResizeMethod.Squish), "not Fill: it resamples nearest-neighbour");
    }

    private static int ArgMax(float[] values) => Array.IndexOf(values, values.Max());

    private sealed class TensorRow
    {
        [VectorType(3, Size, Size)]
        [ColumnName("image")]
        public float[] Image { get; set; } = [];
    }
}
