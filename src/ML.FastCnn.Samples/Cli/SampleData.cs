using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;

namespace ML.FastCnn.Samples;

/// <summary>Finds the sample data that ships with the repository, and the preprocessing the commands share.</summary>
internal static class SampleData
{
    /// <summary>data/fashion-mnist-sample, looked up from the working folder and from the program's folder upwards.</summary>
    public static string FashionMnistFolder()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "data", "fashion-mnist-sample");
                if (Directory.Exists(candidate))
                    return candidate;
            }
        }
        throw new CliException("data/fashion-mnist-sample not found: run from the repository, or use `train <folder>` with your own data.");
    }

    /// <summary>What every command puts before FastCnn for folder rows: text label → key, image path → MLImage.</summary>
    public static EstimatorChain<ImageLoadingTransformer> Preprocessing(MLContext ml) =>
        ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: "ImagePath"));
}
