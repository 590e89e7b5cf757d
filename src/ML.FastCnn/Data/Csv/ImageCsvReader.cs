using System.Globalization;
using Microsoft.ML;

namespace ML.FastCnn;

/// <summary>
/// Reads fast.ai's CSV layout (<c>ImageDataLoaders.from_csv</c>): a header, a column of image paths relative to the
/// image folder, a label column, and optionally a column marking the validation rows; without it a seeded random
/// fraction of the rows is set aside.
/// </summary>
internal static class ImageCsvReader
{
    public static ImageCsvData Read(DataOperationsCatalog data, string folder, string csvPath, ImageCsvOptions options)
    {
        Check(options);
        var root = new DirectoryInfo(folder);
        if (!root.Exists)
            throw new DirectoryNotFoundException($"Image folder '{root.FullName}' does not exist.");
        // As fast.ai's csv_fname: a relative CSV path is inside the image folder.
        var csvFile = Path.GetFullPath(Path.Combine(root.FullName, csvPath));
        if (!File.Exists(csvFile))
            throw new FileNotFoundException($"CSV file '{csvFile}' does not exist (a relative csvPath is taken inside the image folder '{root.FullName}').", csvFile);

        var table = CsvTable.Read(csvFile);
        var columns = Columns.Find(table, options);
        if (table.Records.Count == 0)
            throw new InvalidDataException($"CSV file '{csvFile}' has no rows after its header; it needs one row per image.");

        var rows = new List<(ImageCsvRow Row, bool? IsValid)>();
        var skipped = new List<string>();
        foreach (var record in table.Records)
        {
            var row = ReadRow(table, record, columns, root, options);
            var isValid = columns.Valid is int valid ? ParseIsValid(table, record, valid) : (bool?)null;
            if (ImageFileCheck.FindListingProblem(row.ImagePath, options.CheckImages) is { } problem)
            {
                if (options.BadFiles == BadImagePolicy.Fail)
                    throw new UnreadableImageException(row.ImagePath, $"{problem} (line {record.Line} of CSV file '{csvFile}')",
                        "Fix the path or the file, or set ImageCsvOptions.BadFiles = Skip to leave such rows out (listed in ImageCsvData.SkippedPaths).");
                skipped.Add(row.ImagePath);
                continue;
            }
            rows.Add((row, isValid));
        }
        if (rows.Count == 0)
            throw new InvalidDataException($"Every row of CSV file '{csvFile}' names a bad image file ({skipped.Count} skipped); there is nothing to read.");

        var classNames = ClassNames(rows.Select(r => r.Row), options.Task);
        if (options.Task == ImageTask.SingleLabel && classNames.Count < 2)
            throw new InvalidDataException(
                $"The label column '{table.Header[columns.Label]}' of CSV file '{csvFile}' has {classNames.Count} class(es); single-label classification needs two or more. " +
                "Set ImageCsvOptions.LabelColumn to the column of classes, or Task to Regression for numbers.");
        if (options.Task == ImageTask.MultiLabel && classNames.Count == 0)
            throw new InvalidDataException(
                $"No row of CSV file '{csvFile}' has a label in column '{table.Header[columns.Label].Trim()}'. Set ImageCsvOptions.LabelColumn to the column of labels.");

        var (train, validation) = columns.Valid is null ? Split(rows.Select(r => r.Row).ToList(), options) : (Marked(rows, false), Marked(rows, true));
        return new ImageCsvData(options.Task, View(data, train, options.Task), validation.Count > 0 ? View(data, validation, options.Task) : null,
            train, validation, classNames, [.. skipped.Order(StringComparer.Ordinal)]);
    }

    private static void Check(ImageCsvOptions options)
    {
        Checks.UserArg(options.Task is ImageTask.SingleLabel or ImageTask.MultiLabel or ImageTask.Regression, nameof(options.Task),
            $"must be SingleLabel, MultiLabel or Regression (was {options.Task}): a CSV's text does not say whether a label is a class, a list of classes or a number");
        Checks.UserArg(options.ValidationFraction is >= 0 and < 1, nameof(options.ValidationFraction), $"must be in [0, 1) (was {options.ValidationFraction})");
        Checks.UserArg(options.LabelDelimiter != ',' && options.LabelDelimiter != '"', nameof(options.LabelDelimiter),
            $"must not be ',' or '\"' (was '{options.LabelDelimiter}'): they delimit and quote the CSV's fields. Separate the labels with spaces or ';'");
        Checks.UserArg(options.PathSuffix is not null, nameof(options.PathSuffix), "must be text (\"\" for none)");
    }

    /// <summary>Where the path, label and valid columns are in the header.</summary>
    private sealed record Columns(int Path, int Label, int? Valid)
    {
        public static Columns Find(CsvTable table, ImageCsvOptions options)
        {
            var names = table.Header.Select(n => n.Trim()).ToList();
            int path = IndexOf(table, names, options.PathColumn, nameof(ImageCsvOptions.PathColumn), defaultIndex: 0);
            int label = IndexOf(table, names, options.LabelColumn, nameof(ImageCsvOptions.LabelColumn), defaultIndex: 1);
            if (path == label)
                throw new InvalidDataException(
                    $"The path column and the label column of CSV file '{table.Path}' are both '{names[path]}'. Set ImageCsvOptions.PathColumn and LabelColumn to two different columns.");

            int? valid = null;
            if (!string.IsNullOrEmpty(options.ValidColumn))
            {
                int found = names.IndexOf(options.ValidColumn);
                // The default name is looked for, a chosen name is required: a typo would otherwise fall back to a random split unnoticed.
                if (found < 0 && options.ValidColumn != ImageCsvOptions.DefaultValidColumn)
                    throw MissingColumn(table, names, options.ValidColumn, nameof(ImageCsvOptions.ValidColumn));
                valid = found < 0 ? null : found;
            }
            return new Columns(path, label, valid);
        }

        private static int IndexOf(CsvTable table, List<string> names, string? name, string option, int defaultIndex)
        {
            if (name is null)
            {
                return defaultIndex < names.Count ? defaultIndex : throw new InvalidDataException(
                    $"CSV file '{table.Path}' has {names.Count} column(s) ({string.Join(", ", names)}); it needs a column of image paths and a label column.");
            }
            int index = names.IndexOf(name);
            return index >= 0 ? index : throw MissingColumn(table, names, name, option);
        }

        private static InvalidDataException MissingColumn(CsvTable table, List<string> names, string name, string option) => new(
            $"CSV file '{table.Path}' has no column '{name}' (its columns: {string.Join(", ", names)}). Set ImageCsvOptions.{option} to one of them.");
    }

    private static ImageCsvRow ReadRow(CsvTable table, CsvRecord record, Columns columns, DirectoryInfo root, ImageCsvOptions options)
    {
        string pathCell = record.Fields[columns.Path].Trim(), labelCell = record.Fields[columns.Label].Trim();
        if (pathCell.Length == 0)
            throw new InvalidDataException($"Line {record.Line} of CSV file '{table.Path}' has no image path in column '{table.Header[columns.Path].Trim()}'.");
        var path = Path.GetFullPath(Path.Combine(root.FullName, pathCell + options.PathSuffix));
        string labelColumn = table.Header[columns.Label].Trim();
        return options.Task switch
        {
            ImageTask.MultiLabel => new ImageCsvRow(path, labelCell.Split(options.LabelDelimiter, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), null, record.Line),
            ImageTask.Regression => new ImageCsvRow(path, [], ParseNumber(table, record, labelColumn, labelCell), record.Line),
            _ => labelCell.Length > 0 ? new ImageCsvRow(path, [labelCell], null, record.Line) : throw new InvalidDataException(
                $"Line {record.Line} of CSV file '{table.Path}' has no label in column '{labelColumn}'; every row needs one class. " +
                "For images with any number of classes (none included), set ImageCsvOptions.Task = MultiLabel."),
        };
    }

    private static float ParseNumber(CsvTable table, CsvRecord record, string column, string cell) =>
        float.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out float value) && float.IsFinite(value) ? value : throw new InvalidDataException(
            $"Line {record.Line} of CSV file '{table.Path}' has '{cell}' in column '{column}', which is not a number. Write numbers with a '.' decimal point and no thousands separator (e.g. 1234.5).");

    private static bool ParseIsValid(CsvTable table, CsvRecord record, int column)
    {
        string cell = record.Fields[column].Trim();
        if (cell == "1" || cell.Equals("true", StringComparison.OrdinalIgnoreCase))
            return true;
        if (cell == "0" || cell.Equals("false", StringComparison.OrdinalIgnoreCase))
            return false;
        throw new InvalidDataException(
            $"Line {record.Line} of CSV file '{table.Path}' has '{cell}' in column '{table.Header[column].Trim()}', which marks validation rows; write true, false, 1 or 0.");
    }

    private static List<string> ClassNames(IEnumerable<ImageCsvRow> rows, ImageTask task) =>
        task == ImageTask.Regression ? [] : rows.SelectMany(r => r.Labels).Distinct().Order(StringComparer.Ordinal).ToList();

    private static List<ImageCsvRow> Marked(List<(ImageCsvRow Row, bool? IsValid)> rows, bool valid) =>
        rows.Where(r => r.IsValid == valid).Select(r => r.Row).ToList();

    /// <summary>Sets aside a seeded random fraction of the rows (fast.ai's RandomSplitter: not stratified); both sides keep the CSV's order.</summary>
    private static (List<ImageCsvRow> Train, List<ImageCsvRow> Validation) Split(List<ImageCsvRow> rows, ImageCsvOptions options)
    {
        var order = Enumerable.Range(0, rows.Count).ToArray();
        new Random(options.Seed).Shuffle(order);
        var validation = order.Take((int)Math.Round(rows.Count * options.ValidationFraction)).ToHashSet();
        return (rows.Where((_, i) => !validation.Contains(i)).ToList(), rows.Where((_, i) => validation.Contains(i)).ToList());
    }

    private static IDataView View(DataOperationsCatalog data, List<ImageCsvRow> rows, ImageTask task) => task switch
    {
        ImageTask.MultiLabel => data.LoadFromEnumerable(rows.Select(r => new MultiLabelCsvViewRow { ImagePath = r.ImagePath, Label = [.. r.Labels] }).ToList()),
        ImageTask.Regression => data.LoadFromEnumerable(rows.Select(r => new RegressionCsvViewRow { ImagePath = r.ImagePath, Label = r.Value!.Value }).ToList()),
        _ => data.LoadFromEnumerable(rows.Select(r => new SingleLabelCsvViewRow { ImagePath = r.ImagePath, Label = r.Labels[0] }).ToList()),
    };
}
