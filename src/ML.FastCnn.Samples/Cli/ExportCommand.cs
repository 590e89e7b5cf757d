using System.CommandLine;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using ML.FastCnn;

namespace ML.FastCnn.Samples;

/// <summary>
/// <c>export &lt;model.zip&gt; &lt;model.onnx&gt;</c>: the network of a model of any task as ONNX (output <c>probabilities</c>, or
/// <c>values</c> for regression); <c>--check</c> compares ONNX Runtime's decisions (or values) with FastCnn's.
/// </summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "a model.zip saved by train" };
        var onnx = new Argument<string>("onnx") { Description = "the .onnx file to write" };
        var check = new Option<string?>("--check") { Description = "a folder of images (valid/<class>/… or <class>/…; for a multi-label or regression model, every image under it): compare ML.NET's ONNX chain with FastCnn on them" };
        var mlnet = new Option<string?>("--mlnet") { Description = "also write an ML.NET model (.zip): LoadImages(ImagePath) → ResizeImages → ExtractPixels → ApplyOnnxModel, which scores without TorchSharp or ML.FastCnn" };
        var resize = new Option<ImageResizingEstimator.ResizingKind?>("--resize") { Description = "how ML.NET's ResizeImages resizes in --mlnet and --check (Fill, IsoCrop, IsoPad); default from the model's resize method: Crop and Squish → IsoCrop, Pad → IsoPad" };
        var command = new Command("export", "Export a saved model's network as ONNX (input 'image' [N,3,S,S] RGB 0-255, output 'probabilities', or 'values' for a regression).");
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
        var model = FastCnn.LoadModel(ml, modelPath, out var inputSchema);
        var fastCnn = CliErrors.FastCnnStep(model);
        var resizing = resizeOption ?? FastCnn.OnnxResizingFor(fastCnn.Resize);
        // The graph ends in a softmax (single-label), a sigmoid per class (multi-label) or the values in the targets' units (regression).
        string output = fastCnn.Task == ImageTask.Regression ? "values" : "probabilities";
        string what = fastCnn.Task switch
        {
            ImageTask.MultiLabel => $"each class's probability (thresholds in the metadata) in the order {string.Join(", ", fastCnn.ClassNames)}",
            ImageTask.Regression => $"{string.Join(", ", fastCnn.ClassNames)}",
            _ => $"the class probabilities in the order {string.Join(", ", fastCnn.ClassNames)}",
        };
        fastCnn.ExportOnnx(onnxPath);
        Console.WriteLine($"wrote {Path.GetFullPath(onnxPath)} ({new FileInfo(onnxPath).Length / 1048576.0:F1} MB): {fastCnn}; input 'image' float32 [N, 3, {fastCnn.ImageSize}, {fastCnn.ImageSize}] RGB 0-255, output '{output}' [N, {fastCnn.ClassNames.Count}]: {what}");
        if (mlnetPath is not null)
        {
            // The chain's input is one text column, ImagePath; fitting it reads no data.
            var empty = ml.Data.LoadFromEnumerable(Array.Empty<ImagePathRow>());
            var chain = FastCnn.OnnxScoringChain(ml, fastCnn, onnxPath, resizing).Fit(empty);
            FastCnn.SaveModel(ml, chain, empty.Schema, mlnetPath);
            Console.WriteLine($"wrote {Path.GetFullPath(mlnetPath)}: ML.NET's {resizing} chain around the ONNX model (input ImagePath, output '{output}': {what})");
        }
        if (folder is null)
            return;

        var paths = CheckImages(ml, folder, fastCnn.Task);
        var rows = ml.Data.LoadFromEnumerable(paths.Select(p => new ImagePathRow { ImagePath = p }).ToList());
        var viaOnnx = FastCnn.OnnxScoringChain(ml, fastCnn, onnxPath, resizing).Fit(rows).Transform(rows).GetColumn<float[]>(output).ToList();
        var viaFastCnn = ImageInput.ScoreFiles(ml, model, inputSchema, paths);
        if (fastCnn.Task == ImageTask.Regression)
        {
            double largest = viaOnnx.Zip(viaFastCnn).Max(p => p.First.Zip(p.Second.Values).Max(v => Math.Abs(v.First - v.Second)));
            Console.WriteLine($"ML.NET's LoadImages → ResizeImages ({resizing}) → ExtractPixels → ApplyOnnxModel and FastCnn differ by up to {largest:G3} on {paths.Count} images");
            return;
        }
        // The same decisions: the most probable class, or the same classes above the thresholds.
        bool Agree(float[] onnx, ImageScore score) => fastCnn.Task == ImageTask.MultiLabel
            ? Enumerable.Range(0, onnx.Length).Where(k => onnx[k] > fastCnn.Thresholds[k]).Select(k => fastCnn.ClassNames[k]).SequenceEqual(score.PredictedLabels)
            : fastCnn.ClassNames[Array.IndexOf(onnx, onnx.Max())] == score.PredictedLabel;
        int agree = viaOnnx.Zip(viaFastCnn).Count(p => Agree(p.First, p.Second));
        Console.WriteLine($"ML.NET's LoadImages → ResizeImages ({resizing}) → ExtractPixels → ApplyOnnxModel agrees with FastCnn on {agree} of {viaOnnx.Count} images ({100.0 * agree / viaOnnx.Count:F1}%)");
    }

    /// <summary>
    /// The images of <c>--check</c>: for a single-label model, valid/ or every image of the folder dataset; for other
    /// tasks (whose folders are not class sub-folders), every image file under the folder — no labels are needed to compare.
    /// </summary>
    private static List<string> CheckImages(MLContext ml, string folder, ImageTask task)
    {
        folder = CliErrors.ExistingFolder(folder, "Data folder");
        if (task == ImageTask.SingleLabel)
        {
            var data = ml.Data.LoadImageFolder(folder, new ImageFolderOptions { ValidationFraction = 0 });
            return [.. (data.Validation ?? data.Train).GetColumn<string>("ImagePath")];
        }
        var extensions = new ImageFolderOptions().Extensions;
        var files = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(f => extensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase)).Order(StringComparer.Ordinal).ToList();
        return files.Count > 0 ? files : throw new CliException($"--check: '{folder}' holds no image files.");
    }

    private sealed class ImagePathRow
    {
        public string ImagePath { get; set; } = "";
    }
}
