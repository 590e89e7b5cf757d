using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace ML.FastCnn.Bench;

/// <summary>
/// ML.NET's own transfer learning, the baseline FastCnn is measured against: frozen ResNet18 features
/// (ONNX Runtime, 224 px, <c>DnnFeaturizeImage</c>) and a linear model (<c>LbfgsMaximumEntropy</c>).
/// </summary>
internal static class MLNetBaseline
{
    /// <summary>Image path → 512 ResNet18 features in column "Features".</summary>
    public static IEstimator<ITransformer> Featurizer(MLContext ml) =>
        ml.Transforms.LoadImages("Image", null, "ImagePath")
            .Append(ml.Transforms.ResizeImages("Image", 224, 224))
            .Append(ml.Transforms.ExtractPixels("Pixels", "Image"))
            .Append(ml.Transforms.DnnFeaturizeImage("Features", m => m.ModelSelector.ResNet18(ml, m.OutputColumn, m.InputColumn), "Pixels"));

    /// <summary>Trains on <paramref name="train"/> (ImagePath, text Label) and returns the validation accuracy and the wall time of both.</summary>
    public static (double Accuracy, TimeSpan Time) Run(MLContext ml, IDataView train, IDataView valid)
    {
        var clock = Stopwatch.StartNew();
        var model = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(Featurizer(ml))
            .Append(ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy("Label", "Features"))
            .Fit(train);
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(valid));
        return (metrics.MicroAccuracy, clock.Elapsed);
    }
}
