using Microsoft.ML;
using ML.FastCnn;

namespace ML.FastCnn.Samples;

/// <summary>
/// Labelled images as the commands read them, for any task: a folder of class sub-folders (single-label), or a CSV
/// (<c>--labels</c>) read by <c>LoadImageCsv</c> — classes for single- and multi-label, numbers for regression — and the
/// steps each task puts before and after FastCnn.
/// </summary>
internal sealed class LabelledData
{
    private LabelledData(ImageTask task, IDataView train, IDataView? validation, int trainCount, int validationCount, IReadOnlyList<string> classNames, string validationSource)
    {
        Task = task;
        Train = train;
        Validation = validation;
        TrainCount = trainCount;
        ValidationCount = validationCount;
        ClassNames = classNames;
        ValidationSource = validationSource;
    }

    public ImageTask Task { get; }

    public IDataView Train { get; }

    public IDataView? Validation { get; }

    public int TrainCount { get; }

    public int ValidationCount { get; }

    /// <summary>The classes met in the labels (folders or CSV); empty for regression.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>The CSV of labels as found (full path), or null for a folder of class sub-folders.</summary>
    public string? LabelsFile { get; private init; }

    /// <summary>Where the validation rows came from: "valid/", "the is_valid rows", "a seeded 20% of the rows"…</summary>
    public string ValidationSource { get; }

    /// <summary>"455 training and 113 validation images of 3 classes (multi-label)".</summary>
    public string Summary => $"{TrainCount} training and {ValidationCount} validation images " + Task switch
    {
        ImageTask.Regression => "with a value each (regression)",
        ImageTask.MultiLabel => $"of {ClassNames.Count} classes (multi-label)",
        _ => $"of {ClassNames.Count} classes",
    };

    /// <summary>What goes before FastCnn: labels to keys (one class, or a vector of classes; regression keeps its numbers), image path to MLImage.</summary>
    public static IEstimator<ITransformer> Preprocessing(MLContext ml, ImageTask task)
    {
        var images = ml.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: "ImagePath");
        return task == ImageTask.Regression ? images : ml.Transforms.Conversion.MapValueToKey("Label").Append(images);
    }

    /// <summary>What goes after FastCnn: the predicted keys back to class names (PredictedClass, or PredictedClasses for multi-label); nothing for regression.</summary>
    public static IEstimator<ITransformer>? Postprocessing(MLContext ml, ImageTask task) => task switch
    {
        ImageTask.Regression => null,
        ImageTask.MultiLabel => ml.Transforms.Conversion.MapKeyToValue("PredictedClasses", "PredictedLabels"),
        _ => ml.Transforms.Conversion.MapKeyToValue("PredictedClass", "PredictedLabel"),
    };

    /// <summary>
    /// Training data: a folder dataset (valid/ or a random 20% for validation), or the CSV's rows (is_valid or a seeded 20%).
    /// </summary>
    public static LabelledData ForTraining(MLContext ml, DataSource source, BadImagePolicy badImages) =>
        source.LabelsCsv is null ? Folder(ml, source, badImages, validationFraction: null, checkImages: false) : Csv(ml, source, badImages, evaluation: false);

    /// <summary>
    /// Data to evaluate a model of <see cref="DataSource.Task"/> on: <see cref="Validation"/> holds the rows to score —
    /// valid/ or every image of a folder; the CSV's is_valid rows when it has that column, else all its rows.
    /// </summary>
    public static LabelledData ForEvaluation(MLContext ml, DataSource source, BadImagePolicy badImages)
    {
        if (source.LabelsCsv is null)
        {
            // Scoring cannot leave a row out: with skip, bad files are found while listing the folder.
            var data = Folder(ml, source, badImages, validationFraction: 0, checkImages: badImages == BadImagePolicy.Skip);
            return data.Validation is null
                ? new LabelledData(data.Task, data.Train, data.Train, 0, data.TrainCount, data.ClassNames, "every image")
                : data;
        }
        return Csv(ml, source, badImages, evaluation: true);
    }

    private static LabelledData Folder(MLContext ml, DataSource source, BadImagePolicy badImages, double? validationFraction, bool checkImages)
    {
        if (source.Task is ImageTask.MultiLabel or ImageTask.Regression)
        {
            // The whole layout, since this is where a user who has only class folders learns what the CSV looks like.
            const string layout = " The CSV follows fast.ai's from_csv layout: a header line, the image paths relative to the folder in the first column, the labels, and optionally an is_valid column (true/false) marking the validation rows.";
            throw new CliException(source.Task == ImageTask.Regression
                ? "A regression model learns numbers, which a folder of class sub-folders does not hold: pass --labels <csv> with a 'value' column (a number per image)." + layout
                : "A multi-label model learns several classes per image, which a folder of class sub-folders does not hold: pass --labels <csv> with a 'labels' column (the classes, space-separated)." + layout);
        }
        if (source.LabelColumn is not null)
            throw new CliException("--label-column names a column of the --labels CSV; pass --labels <csv> too, or leave --label-column out for a folder of class sub-folders.");
        var data = SampleData.LoadFolder(ml, source.Folder, badImages, validationFraction, checkImages);
        string from = data.Validation is null ? "none" : Directory.Exists(Path.Combine(source.Folder, "valid")) ? "valid/" : "a random part of the images";
        return new LabelledData(ImageTask.SingleLabel, data.Train, data.Validation, data.TrainFiles.Count, data.ValidationFiles.Count, data.ClassNames, from);
    }

    private static LabelledData Csv(MLContext ml, DataSource source, BadImagePolicy badImages, bool evaluation)
    {
        var folder = CliErrors.ExistingFolder(source.Folder, "Data folder");
        var csv = CsvPath(folder, source.LabelsCsv!);
        var header = CsvHeader.Read(csv);
        var task = source.Task == ImageTask.Auto ? GuessTask(csv, header, source.LabelColumn) : source.Task;
        string labelColumn = LabelColumn(csv, header, task, source.LabelColumn);
        double validationFraction = evaluation ? 0 : 0.2;
        if (task == ImageTask.Auto)
        {
            // Classes: one per row is single-label, any other count (none included) multi-label.
            var asMulti = ml.Data.LoadImageCsv(folder, csv, new ImageCsvOptions
            {
                Task = ImageTask.MultiLabel, PathColumn = header[0], LabelColumn = labelColumn, BadFiles = badImages, ValidationFraction = validationFraction,
            });
            task = asMulti.TrainRows.Concat(asMulti.ValidationRows).All(r => r.Labels.Count == 1) ? ImageTask.SingleLabel : ImageTask.MultiLabel;
        }
        var options = new ImageCsvOptions
        {
            Task = task,
            PathColumn = header[0],
            LabelColumn = labelColumn,
            BadFiles = badImages,
            CheckImages = evaluation && badImages == BadImagePolicy.Skip,
            ValidationFraction = validationFraction,
        };
        bool marked = header.Contains(ValidColumn);
        var data = ml.Data.LoadImageCsv(folder, csv, options);
        if (data.SkippedFiles > 0)
            Console.WriteLine($"Skipped {data.SkippedFiles} bad image file(s): {string.Join(", ", data.SkippedPaths.Take(10))}{(data.SkippedFiles > 10 ? ", …" : "")}");
        if (evaluation)
        {
            if (!marked)
                return new LabelledData(task, data.Train, data.Train, 0, data.TrainRows.Count, data.ClassNames, "every row of the CSV") { LabelsFile = csv };
            return data.Validation is null
                ? throw new CliException($"No row of '{csv}' is marked in its is_valid column: mark the rows to evaluate on (true or 1), or drop the column to evaluate on every row.")
                : new LabelledData(task, data.Validation, data.Validation, data.TrainRows.Count, data.ValidationRows.Count, data.ClassNames, "the is_valid rows") { LabelsFile = csv };
        }
        return new LabelledData(task, data.Train, data.Validation, data.TrainRows.Count, data.ValidationRows.Count, data.ClassNames,
            marked ? "the is_valid rows" : data.Validation is null ? "none" : "a seeded 20% of the rows") { LabelsFile = csv };
    }

    /// <summary>The CSV as given (from the working folder), else inside the data folder (fast.ai's csv_fname).</summary>
    private static string CsvPath(string folder, string csv)
    {
        if (File.Exists(csv))
            return Path.GetFullPath(csv);
        var inside = Path.Combine(folder, csv);
        return File.Exists(inside) ? inside : throw new CliException($"--labels: '{csv}' does not exist (looked in the working folder and in the data folder '{folder}').");
    }

    /// <summary>--task auto with a CSV: regression when the labels are a 'value' column, else classes (single- or multi-label, decided from the rows).</summary>
    private static ImageTask GuessTask(string csv, IReadOnlyList<string> header, string? labelColumn)
    {
        if (labelColumn is not null)
            return labelColumn == ValueColumn ? ImageTask.Regression : ImageTask.Auto;
        bool values = header.Contains(ValueColumn), labels = header.Contains(LabelsColumn);
        if (values && labels)
            throw new CliException($"'{csv}' has both a '{LabelsColumn}' and a '{ValueColumn}' column: pass --task regression to learn the values, or --task multilabel (or singlelabel) to learn the classes.");
        return values ? ImageTask.Regression : ImageTask.Auto;
    }

    private const string ValueColumn = "value";
    private const string LabelsColumn = "labels";
    private const string ValidColumn = "is_valid";

    /// <summary>The label column for <paramref name="task"/>, or an error that says which column the CSV lacks and how to name another.</summary>
    private static string LabelColumn(string csv, IReadOnlyList<string> header, ImageTask task, string? chosen)
    {
        string columns = string.Join(", ", header);
        if (chosen is not null)
            return header.Contains(chosen) ? chosen : throw new CliException($"--label-column {chosen}: '{csv}' has no such column (its columns: {columns}).");
        if (task == ImageTask.Regression)
        {
            return header.Contains(ValueColumn) ? ValueColumn : throw new CliException(
                $"A regression reads its numbers from a '{ValueColumn}' column, which '{csv}' does not have (its columns: {columns}). Name the column of numbers with --label-column, or add a '{ValueColumn}' column.");
        }
        if (header.Contains(LabelsColumn))
            return LabelsColumn;
        // fast.ai's label_col=1, unless that column is one of the others this layout knows.
        if (header.Count >= 2 && header[1] is not (ValidColumn or ValueColumn))
            return header[1];
        throw new CliException(
            $"'{csv}' has no '{LabelsColumn}' column of classes (its columns: {columns}). Add one (the classes of each image, space-separated), or name the column with --label-column{(header.Contains(ValueColumn) ? "; for the numbers in 'value', pass --task regression" : "")}.");
    }
}
