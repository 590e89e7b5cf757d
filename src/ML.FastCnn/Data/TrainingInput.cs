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
    /// <summary>The training and validation data as epochs of batches, with the class names in key order.</summary>
    public static (ImageData Train, ImageData? Validation, IReadOnlyList<string> ClassNames) Bind(IDataView trainingData,
        FastCnnLearner.Options options, int seed, Action<string> warn, CancellationToken cancellation)
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

        var train = Read(trainingData, options, seed, warn, "training data", out int classesSeen, cancellation);
        if (classesSeen < 2)
            throw new ArgumentOutOfRangeException(nameof(trainingData),
                $"Only one class found in the label column '{options.LabelColumnName}' of the training data. " +
                "To build a multiclass classification model, the number of classes needs to be 2 or greater.");
        var validation = options.ValidationSet is { } v ? Read(v, options, seed, warn, "validation set", out _, cancellation) : null;
        return (train, validation, classNames);
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

    /// <summary>Counts the labels (one pass, no decoding) and sets up the data's batches; reads all images now when caching.</summary>
    private static ImageData Read(IDataView data, FastCnnLearner.Options options, int seed, Action<string> warn, string what, out int classes,
        CancellationToken cancellation)
    {
        var image = ImageColumn.Bind(data.Schema, options.ImageColumnName, options.ImagePathColumnName);
        var label = data.Schema[options.LabelColumnName];
        (int rows, classes) = CountLabels(data, label, what);
        var streamed = new ImageData(new DataViewImageRows(data, image, label, rows, shufflePool: Math.Max(1024, 8 * options.BatchSize)),
            options.ImageSize, options.BatchSize, options.PrefetchBatches, seed, options.BadImages, warn, what);
        return options.CacheImages ? streamed.Cached(cancellation) : streamed;
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
