using Microsoft.ML;
using Microsoft.ML.Data;

namespace ML.FastCnn;

/// <summary>
/// Binds a learner's data: checks the training data (and validation set) against the options, counts
/// the labels without decoding an image, and sets up their batches — every input error is reported
/// here, before a network exists.
/// </summary>
internal static class TrainingInput
{
    private const string TrainingData = "training data";

    /// <summary>
    /// The training and validation data as epochs of batches, with the class names in key order and the
    /// plan (<see cref="TrainingPlan.Create"/>: batch size, image size and cache from the options or the data).
    /// </summary>
    public static (ImageData Train, ImageData? Validation, IReadOnlyList<string> ClassNames, TrainingPlan Plan) Bind(IDataView trainingData,
        FastCnnLearner.Options options, FastCnnOptions? recipe, int seed, Action<string> warn, Action<string> info, CancellationToken cancellation)
    {
        var classNames = ClassNames(trainingData.Schema, options.ImageColumnName, options.LabelColumnName);
        if (options.ValidationSet is { } valid)
        {
            var validClasses = ClassNames(valid.Schema, options.ImageColumnName, options.LabelColumnName);
            if (validClasses.Count != classNames.Count)
                throw new ArgumentOutOfRangeException(nameof(options),
                    $"The validation set's label column '{options.LabelColumnName}' has {validClasses.Count} keys, " +
                    $"the training data's has {classNames.Count}. Map both with the same fitted MapValueToKey transformer.");
        }

        var label = trainingData.Schema[options.LabelColumnName];
        var (rows, classesSeen) = CountLabels(trainingData, label, "training data");
        if (classesSeen < 2)
            throw new ArgumentOutOfRangeException(nameof(trainingData),
                $"Only one class found in the label column '{options.LabelColumnName}' of the training data. " +
                "To build a multiclass classification model, the number of classes needs to be 2 or greater.");
        int validRows = options.ValidationSet is { } v ? CountLabels(v, v.Schema[options.LabelColumnName], "validation set").Rows : 0;
        var sides = new Lazy<List<int>>(() => SidesOf(trainingData, options)); // read once, only when the plan asks
        var plan = TrainingPlan.Create(rows, validRows, () => ImageSizeFor(sides.Value), options, recipe, options.Weights.IsPretrained,
            () => sides.Value.Count == 0 ? null : sides.Value.Order().ElementAt(sides.Value.Count / 2));
        var train = Read(trainingData, rows, options, plan, seed, warn, info, TrainingData, cancellation);
        var validation = options.ValidationSet is { } validationSet
            ? Read(validationSet, validRows, options, plan, seed, warn, info, "validation set", cancellation)
            : null;
        return (train, validation, classNames, plan);
    }

    /// <summary>
    /// The shorter sides of the first readable images (up to 16): their median, rounded up to a multiple of 32
    /// between 64 and 224, is the default image size; their median caps the presize.
    /// </summary>
    private static List<int> SidesOf(IDataView data, FastCnnLearner.Options options)
    {
        var column = ImageColumn.Bind(data.Schema, options.ImageColumnName, options.ImagePathColumnName);
        using var cursor = data.GetRowCursor(column.Columns);
        var reader = column.CreateReader(cursor);
        var sides = new List<int>();
        while (sides.Count < 16 && cursor.MoveNext())
        {
            using var row = reader.ReadRow(cursor.Position, label: -1);
            if (row.Source is { } source && TrySide(source) is { } side)
                sides.Add(side);
        }
        return sides;
    }

    private static int? TrySide(ImageSource source)
    {
        try
        {
            return Math.Min(source.Bitmap.Width, source.Bitmap.Height);
        }
        catch (InvalidDataException)
        {
            return null; // unreadable: found and reported when the batches are read
        }
    }

    /// <summary>The median of <paramref name="sides"/> rounded up to a multiple of 32, clamped to [64, 224]; 224 without any.</summary>
    internal static int ImageSizeFor(IReadOnlyList<int> sides)
    {
        if (sides.Count == 0)
            return 224;
        int median = sides.Order().ElementAt(sides.Count / 2);
        return Math.Clamp((median + 31) / 32 * 32, 64, 224);
    }

    /// <summary>Checks the columns; the label's key values as text, in key order ("1", "2", … when the key has no text values).</summary>
    public static List<string> ClassNames(DataViewSchema schema, string imageColumnName, string labelColumnName)
    {
        InputColumns.CheckImage(schema, imageColumnName);
        int count = InputColumns.CheckLabel(schema, labelColumnName);
        var label = schema[labelColumnName];
        if (label.Annotations.Schema.GetColumnOrNull("KeyValues")?.Type is VectorDataViewType { ItemType: TextDataViewType })
        {
            VBuffer<ReadOnlyMemory<char>> values = default;
            label.GetKeyValues(ref values);
            return values.DenseValues().Select(v => v.ToString()).ToList();
        }
        return Enumerable.Range(1, count).Select(i => i.ToString()).ToList();
    }

    /// <summary>Sets up the data's batches as the plan says; reads all images now when caching.</summary>
    private static ImageData Read(IDataView data, int rows, FastCnnLearner.Options options, TrainingPlan plan, int seed, Action<string> warn,
        Action<string> info, string what, CancellationToken cancellation)
    {
        var image = ImageColumn.Bind(data.Schema, options.ImageColumnName, options.ImagePathColumnName);
        var label = data.Schema[options.LabelColumnName];
        var streamed = new ImageData(new DataViewImageRows(data, image, label, rows, shufflePool: Math.Max(1024, 8 * plan.BatchSize)),
            plan.ImageSize, plan.BatchSize, options.PrefetchBatches, seed, options.BadImages, warn, what)
        {
            Resize = options.Resize,
            Presize = what == TrainingData ? plan.Presize : null, // only the training set is augmented
        };
        return plan.CacheImages ? streamed.Cached(new PhaseMeter($"Caching the {what}", rows, "images", info, options.PhaseProgress), cancellation) : streamed;
    }

    /// <summary>
    /// One pass over the labels only (no image is decoded): the number of labelled rows and of
    /// distinct classes among them. Fails when there are no labelled rows.
    /// </summary>
    public static (int Rows, int Classes) CountLabels(IDataView data, DataViewSchema.Column label, string what)
    {
        using var cursor = data.GetRowCursor([label]);
        var getLabel = cursor.GetGetter<uint>(label);
        var seen = new HashSet<uint>();
        uint key = 0;
        int rows = 0, missing = 0;
        while (cursor.MoveNext())
        {
            getLabel(ref key);
            if (key == 0)
            {
                missing++;
                continue;
            }
            rows++;
            seen.Add(key);
        }
        if (rows == 0)
            throw new ArgumentOutOfRangeException(nameof(data),
                $"The {what} has no usable rows ({missing} rows with a missing label). Check that the data view is not empty and that its labels map to keys.");
        return (rows, seen.Count);
    }
}
