using Microsoft.ML;

namespace ML.FastCnn.Tests;

/// <summary>Small pipelines and options shared by the tests: tiny ResNet-18s on 32-pixel images.</summary>
internal static class TestData
{
    public static FastCnnOptions TinyOptions(IDataView? validation = null) => new()
    {
        Architecture = ResNetArchitecture.ResNet18,
        ImageSize = 32,
        BatchSize = 16,
        ScoringBatchSize = 8,
        Epochs = 4,
        LearningRate = 2e-3,
        Seed = 1,
        ValidationSet = validation,
    };

    /// <summary>Text label → key, image path → MLImage: what users put before the trainer.</summary>
    public static IEstimator<ITransformer> Preprocessing(MLContext ml) =>
        ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: "ImagePath"));

    /// <summary>Collects MLContext's log lines that come from FastCnn.</summary>
    public static List<string> CaptureLog(MLContext ml)
    {
        var lines = new List<string>();
        ml.Log += (_, e) =>
        {
            if (e.Source.Contains("FastCnn", StringComparison.Ordinal))
            {
                lock (lines)
                    lines.Add(e.Message);
            }
        };
        return lines;
    }
}
