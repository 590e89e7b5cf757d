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

    /// <summary>
    /// A folder dataset as the commands read it: bad files fail or are left out by <paramref name="badImages"/>
    /// (checked up front when <paramref name="checkImages"/>); files ignored or left out are listed on the console.
    /// </summary>
    public static ImageFolderData LoadFolder(MLContext ml, string folder, BadImagePolicy badImages, double? validationFraction = null, bool checkImages = false)
    {
        var options = new ImageFolderOptions { BadFiles = badImages, CheckImages = checkImages };
        if (validationFraction is { } fraction)
            options.ValidationFraction = fraction;
        var data = ml.Data.LoadImageFolder(CliErrors.ExistingFolder(folder, "Data folder"), options);
        if (data.IgnoredFiles > 0)
            Console.WriteLine($"Ignored {data.IgnoredFiles} file(s) whose extension is not one of {string.Join(", ", options.Extensions)}: {List(data.IgnoredPaths)}");
        if (data.SkippedFiles > 0)
            Console.WriteLine($"Skipped {data.SkippedFiles} bad image file(s): {List(data.SkippedPaths)}");
        return data;
    }

    private static string List(IReadOnlyList<string> paths) => string.Join(", ", paths.Take(10)) + (paths.Count > 10 ? $", … ({paths.Count - 10} more)" : "");

    /// <summary>What every command puts before FastCnn for folder rows: text label → key, image path → MLImage.</summary>
    public static EstimatorChain<ImageLoadingTransformer> Preprocessing(MLContext ml) =>
        ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: "ImagePath"));
}
