namespace ML.FastCnn.Samples;

/// <summary>An image file and its class, as read from a folder per class.</summary>
public sealed class ImageFile
{
    /// <summary>Path of the image.</summary>
    public string ImagePath { get; set; } = "";

    /// <summary>Name of the class (the folder's name).</summary>
    public string Label { get; set; } = "";
}

/// <summary>Finds the sample data that ships with the repository.</summary>
internal static class SampleData
{
    /// <summary>data/fashion-mnist-sample, looked up from the working folder and the program's folder upwards.</summary>
    public static string FindFashionMnistSample()
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
        throw new DirectoryNotFoundException("data/fashion-mnist-sample not found; run from the repository or pass the data folder as the first argument.");
    }

    /// <summary>One row per image in <paramref name="folder"/>/&lt;class&gt;/, sorted by path.</summary>
    public static IEnumerable<ImageFile> ReadFolder(string folder) =>
        Directory.GetDirectories(folder).Order(StringComparer.Ordinal)
            .SelectMany(classFolder => Directory.GetFiles(classFolder, "*.png").Order(StringComparer.Ordinal)
                .Select(path => new ImageFile { ImagePath = path, Label = Path.GetFileName(classFolder) }));
}
