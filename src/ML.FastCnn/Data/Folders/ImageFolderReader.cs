using Microsoft.ML;

namespace ML.FastCnn;

/// <summary>
/// Reads fast.ai's folder layouts: <c>train/&lt;class&gt;/…</c> with <c>valid/&lt;class&gt;/…</c>, or
/// <c>train/&lt;class&gt;/…</c> alone, or <c>&lt;class&gt;/…</c> at the top; images may sit in nested
/// folders inside a class folder. Without a validation folder each class is split by a seeded fraction.
/// </summary>
internal static class ImageFolderReader
{
    public static ImageFolderData Read(DataOperationsCatalog data, string folder, ImageFolderOptions options)
    {
        Check(options);
        var root = new DirectoryInfo(folder);
        if (!root.Exists)
            throw new DirectoryNotFoundException($"Image folder '{root.FullName}' does not exist.");

        var trainRoot = new DirectoryInfo(Path.Combine(root.FullName, options.TrainFolderName));
        var validRoot = new DirectoryInfo(Path.Combine(root.FullName, options.ValidationFolderName));
        var counts = new Counts();
        var train = ReadClasses(trainRoot.Exists ? trainRoot : root, options, counts, exclude: trainRoot.Exists ? null : validRoot.Name);
        var classNames = train.Keys.Order(StringComparer.Ordinal).ToList();
        if (classNames.Count < 2)
            throw new InvalidDataException(
                $"Image folder '{(trainRoot.Exists ? trainRoot : root).FullName}' has {classNames.Count} class folder(s); it needs one sub-folder per class, two or more.");

        List<ImageFolderRow> trainFiles, validFiles;
        if (trainRoot.Exists && validRoot.Exists)
        {
            var valid = ReadClasses(validRoot, options, counts, exclude: null);
            var unknown = valid.Keys.Except(classNames).FirstOrDefault();
            if (unknown is not null)
                throw new InvalidDataException(
                    $"Validation folder '{Path.Combine(validRoot.FullName, unknown)}' is a class the training folder '{trainRoot.FullName}' does not have. Add it to the training folder or remove it.");
            trainFiles = Flatten(train, classNames);
            validFiles = Flatten(valid, classNames);
        }
        else
        {
            (trainFiles, validFiles) = Split(train, classNames, options);
        }

        var trainView = data.LoadFromEnumerable(trainFiles);
        var validView = validFiles.Count > 0 ? data.LoadFromEnumerable(validFiles) : null;
        return new ImageFolderData(trainView, validView, trainFiles, validFiles, classNames,
            [.. counts.Ignored.Order(StringComparer.Ordinal)], [.. counts.Skipped.Order(StringComparer.Ordinal)]);
    }

    private sealed class Counts
    {
        public List<string> Ignored { get; } = [];
        public List<string> Skipped { get; } = [];
    }

    private static void Check(ImageFolderOptions options)
    {
        if (!(options.ValidationFraction is >= 0 and < 1))
            throw new ArgumentOutOfRangeException(nameof(options), $"ImageFolderOptions.ValidationFraction must be in [0, 1) (was {options.ValidationFraction}).");
        if (options.Extensions is not { Count: > 0 })
            throw new ArgumentOutOfRangeException(nameof(options), "ImageFolderOptions.Extensions must name at least one extension, such as \".jpg\".");
        if (string.IsNullOrWhiteSpace(options.TrainFolderName) || string.IsNullOrWhiteSpace(options.ValidationFolderName))
            throw new ArgumentOutOfRangeException(nameof(options), "ImageFolderOptions.TrainFolderName and ValidationFolderName must be folder names.");
    }

    /// <summary>Class name → its image files (sorted), from the sub-folders of <paramref name="parent"/>.</summary>
    private static Dictionary<string, List<string>> ReadClasses(DirectoryInfo parent, ImageFolderOptions options, Counts counts, string? exclude)
    {
        var extensions = options.Extensions.Select(e => e.StartsWith('.') ? e : "." + e).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var classes = new Dictionary<string, List<string>>();
        foreach (var classFolder in parent.GetDirectories().Where(d => d.Name != exclude && !d.Name.StartsWith('.')))
        {
            var files = new List<string>();
            foreach (var file in classFolder.EnumerateFiles("*", SearchOption.AllDirectories))
            {
                if (!extensions.Contains(file.Extension))
                {
                    counts.Ignored.Add(file.FullName);
                    continue;
                }
                if (ImageFileCheck.FindListingProblem(file.FullName, options.CheckImages) is { } problem)
                {
                    if (options.BadFiles == BadImagePolicy.Fail)
                        throw new UnreadableImageException(file.FullName, problem,
                            "Fix or remove the file, or set ImageFolderOptions.BadFiles = Skip to leave it out (listed in ImageFolderData.SkippedPaths).");
                    counts.Skipped.Add(file.FullName);
                    continue;
                }
                files.Add(file.FullName);
            }
            if (files.Count == 0)
                throw new InvalidDataException(
                    $"Class folder '{classFolder.FullName}' has no images (looked for {string.Join(", ", extensions)}). Add images or remove the folder.");
            files.Sort(StringComparer.Ordinal);
            classes[classFolder.Name] = files;
        }
        return classes;
    }

    private static List<ImageFolderRow> Flatten(Dictionary<string, List<string>> classes, IEnumerable<string> classNames) =>
        classNames.Where(classes.ContainsKey).SelectMany(c => classes[c].Select(path => new ImageFolderRow { ImagePath = path, Label = c })).ToList();

    /// <summary>Sets aside a seeded fraction of each class (stratified, so small classes are represented in both).</summary>
    private static (List<ImageFolderRow> Train, List<ImageFolderRow> Valid) Split(Dictionary<string, List<string>> classes, List<string> classNames, ImageFolderOptions options)
    {
        var random = new Random(options.Seed);
        var train = new List<ImageFolderRow>();
        var valid = new List<ImageFolderRow>();
        foreach (var name in classNames)
        {
            var files = classes[name].ToArray();
            random.Shuffle(files);
            int validCount = (int)Math.Round(files.Length * options.ValidationFraction);
            valid.AddRange(files.Take(validCount).Order(StringComparer.Ordinal).Select(p => new ImageFolderRow { ImagePath = p, Label = name }));
            train.AddRange(files.Skip(validCount).Order(StringComparer.Ordinal).Select(p => new ImageFolderRow { ImagePath = p, Label = name }));
        }
        return (train, valid);
    }
}
