using Microsoft.ML;
using Microsoft.ML.Transforms.Image;

namespace ML.FastCnn;

// ML.NET's own image chain around a network exported with FastCnnTransformer.ExportOnnx: scoring without TorchSharp.
public static partial class FastCnn
{
    /// <summary>
    /// ML.NET's image chain into a model written by <see cref="FastCnnTransformer.ExportOnnx(string)"/>:
    /// <c>LoadImages</c> (from the paths in <paramref name="imagePathColumnName"/>) → <c>ResizeImages</c> to
    /// <see cref="FastCnnTransformer.ImageSize"/> → <c>ExtractPixels</c> (RGB planes, 0–255) → <c>ApplyOnnxModel</c>,
    /// whose output column <c>probabilities</c> holds the class probabilities in <see cref="FastCnnTransformer.ClassNames"/>
    /// order (regression: <c>values</c>, the predicted values). It scores with ONNX Runtime only, so a model saved from it needs neither TorchSharp nor ML.FastCnn.
    /// Fitting it reads no data.
    /// </summary>
    /// <param name="mlContext">The ML.NET context.</param>
    /// <param name="model">The model that was exported (its image size and resize method).</param>
    /// <param name="onnxPath">The exported .onnx file.</param>
    /// <param name="resizing">How <c>ResizeImages</c> resizes; <see langword="null"/>: <see cref="OnnxResizingFor"/> the model's <see cref="FastCnnTransformer.Resize"/>.</param>
    /// <param name="imagePathColumnName">The input column of image file paths.</param>
    public static IEstimator<ITransformer> OnnxScoringChain(MLContext mlContext, FastCnnTransformer model, string onnxPath,
        ImageResizingEstimator.ResizingKind? resizing = null, string imagePathColumnName = "ImagePath")
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrWhiteSpace(onnxPath);
        ArgumentException.ThrowIfNullOrWhiteSpace(imagePathColumnName);
        int size = model.ImageSize;
        // "Picture" and "image": internal columns; "image" is the exported network's input name.
        return mlContext.Transforms.LoadImages("Picture", imageFolder: null, inputColumnName: imagePathColumnName)
            .Append(mlContext.Transforms.ResizeImages("Picture", size, size, resizing: resizing ?? OnnxResizingFor(model.Resize)))
            .Append(mlContext.Transforms.ExtractPixels("image", "Picture", interleavePixelColors: false, outputAsFloatArray: true))
            .Append(mlContext.Transforms.ApplyOnnxModel(OnnxExporter.OutputName(model.Task), "image", Path.GetFullPath(onnxPath)));
    }

    /// <summary>
    /// The <c>ResizeImages</c> kind closest to a FastCnn resize method. Crop → <c>IsoCrop</c> matches (same filter,
    /// centred). Pad → <c>IsoPad</c>: ML.NET pads with black where FastCnn reflects the image, so the edges differ.
    /// Squish → <c>IsoCrop</c>: exact for square images (same filter); ML.NET's only squishing kind, <c>Fill</c>,
    /// resamples nearest-neighbour, which changed the class of 16% of the Fashion-MNIST sample's images.
    /// </summary>
    /// <param name="method">The model's <see cref="FastCnnTransformer.Resize"/>.</param>
    public static ImageResizingEstimator.ResizingKind OnnxResizingFor(ResizeMethod method) => method switch
    {
        ResizeMethod.Pad => ImageResizingEstimator.ResizingKind.IsoPad,
        _ => ImageResizingEstimator.ResizingKind.IsoCrop,
    };
}
