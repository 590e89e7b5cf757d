using System.CommandLine;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using ML.FastCnn;

namespace ML.FastCnn.Samples;

/// <summary><c>export &lt;model.zip&gt; &lt;model.onnx&gt;</c>: the network as ONNX; <c>--check</c> compares ONNX Runtime's classes with FastCnn's.</summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "a model.zip saved by train" };
        var onnx = new Argument<string>("onnx") { Description = "the .onnx file to write" };
        var check = new Option<string?>("--check") { Description = "a folder of images (valid/<class>/… or <class>/…): compare ML.NET's ONNX chain with FastCnn on them" };
        var mlnet = new Option<string?>("--mlnet") { Description = "also write an ML.NET model (.zip): LoadImages(ImagePath) → ResizeImages → ExtractPixels → ApplyOnnxModel, which scores without TorchSharp or ML.FastCnn" };
        var resize = new Option<ImageResizingEstimator.ResizingKind?>("--resize") { Description = "how ML.NET's ResizeImages resizes in --mlnet and --check (Fill, IsoCrop, IsoPad); default from the model's resize method: Crop and Squish → IsoCrop, Pad → IsoPad" };
        var command = new Command("export", "Export a saved model's network as ONNX (input 'image' [N,3,S,S] RGB 0-255, output 'probabilities').");
        command.Add(model);
        command.Add(onnx);
        command.Add(check);
        command.Add(mlnet);
        command.Add(resize);
        command.SetAction(result => CliErrors.Run(() => Run(result.GetRequiredValue(model), result.GetRequiredValue(onnx), result.GetValue(check), result.GetValue(mlnet), result.GetValue(resize))));
        return command;
    }

    private static void Run(string modelPath, string onnxPath, string? folder, string? mlnetPath, ImageResizingEstimator.ResizingKind? resizeOption)
    {
        var ml = CliContext.Create();
        var model = FastCnn.LoadModel(ml, modelPath, out _);
        var fastCnn = CliErrors.FastCnnStep(model);
        var resizing = resizeOption ?? FastCnn.OnnxResizingFor(fastCnn.Resize);
        fastCnn.ExportOnnx(onnxPath);
        Console.WriteLine($"wrote {Path.GetFullPath(onnxPath)} ({new FileInfo(onnxPath).Length / 1048576.0:F1} MB): {fastCnn}; input 'image' float32 [N, 3, {fastCnn.ImageSize}, {fastCnn.ImageSize}] RGB 0-255, output 'probabilities' [N, {fastCnn.ClassNames.Count}]");
        if (mlnetPath is not null)
        {
            // The chain's input is one text column, ImagePath; fitting it reads no data.
            var empty = ml.Data.LoadFromEnumerable(Array.Empty<ImagePathRow>());
            var chain = FastCnn.OnnxScoringChain(ml, fastCnn, onnxPath, resizing).Fit(empty);
            FastCnn.SaveModel(ml, chain, empty.Schema, mlnetPath);
            Console.WriteLine($"wrote {Path.GetFullPath(mlnetPath)}: ML.NET's {resizing} chain around the ONNX model (input ImagePath, output 'probabilities' in the order {string.Join(", ", fastCnn.ClassNames)})");
        }
        if (folder is null)
            return;

        var data = ml.Data.LoadImageFolder(CliErrors.ExistingFolder(folder, "Data folder"), new ImageFolderOptions { ValidationFraction = 0 });
        var rows = data.Validation ?? data.Train;
        var viaOnnx = FastCnn.OnnxScoringChain(ml, fastCnn, onnxPath, resizing).Fit(rows).Transform(rows).GetColumn<float[]>("probabilities").Select(p => Array.IndexOf(p, p.Max())).ToList();
        var viaFastCnn = model.Transform(rows).GetColumn<uint>(fastCnn.PredictedLabelColumnName).Select(k => (int)k - 1).ToList();
        int agree = viaOnnx.Zip(viaFastCnn).Count(p => p.First == p.Second);
        Console.WriteLine($"ML.NET's LoadImages → ResizeImages ({resizing}) → ExtractPixels → ApplyOnnxModel agrees with FastCnn on {agree} of {viaOnnx.Count} images ({100.0 * agree / viaOnnx.Count:F1}%)");
    }

    private sealed class ImagePathRow
    {
        public string ImagePath { get; set; } = "";
    }
}
