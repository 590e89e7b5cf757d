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
    /// The training and validation data as epochs of batches, the task (its outputs: the classes in key order, or the values;
    /// fitted to the training targets) and the plan (<see cref="TrainingPlan.Create"/>: batch size, image size and cache from
    /// the options or the data).
    /// </summary>
    public static (ImageData Train, ImageData? Validation, TaskDefinition Task, TrainingPlan Plan) Bind(IDataView trainingData,
        FastCnnLearner.Options options, FastCnnOptions? recipe, int seed, Action<string> warn, Action<string> info, CancellationToken cancellation)
    {
        InputColumns.CheckImage(trainingData.Schema, options.ImageColumnName);
        var task = LabelColumn.Bind(trainingData.Schema, options.LabelColumnName, options.Task, options.YRange, options.RegressionLoss);
        if (options.ValidationSet is { } valid)
        {
            InputColumns.CheckImage(valid.Schema, options.ImageColumnName);
            var validTask = LabelColumn.Bind(valid.Schema, options.LabelColumnName, task.Kind, options.YRange, options.RegressionLoss);
            if (validTask.Outputs != task.Outputs)
                throw new ArgumentOutOfRangeException(nameof(options), task.Kind == ImageTask.Regression
                    ? $"The validation set's label column '{options.LabelColumnName}' has {validTask.Outputs} values per row, the training data's has {task.Outputs}."
                    : $"The validation set's label column '{options.LabelColumnName}' has {validTask.Outputs} keys, " +
                      $"the training data's has {task.Outputs}. Map both with the same fitted MapValueToKey transformer.");
        }

        int rows;
        (rows, task) = task.Scan(trainingData, trainingData.Schema[options.LabelColumnName], TrainingData, training: true);
        int validRows = options.ValidationSet is { } v ? task.Scan(v, v.Schema[options.LabelColumnName], "validation set", training: false).Rows : 0;
        var sides = new Lazy<List<int>>(() => SidesOf(trainingData, options)); // read once, only when the plan asks
        var plan = TrainingPlan.Create(rows, validRows, () => ImageSizeFor(sides.Value, task.Kind), options, recipe, options.Weights.IsPretrained,
            () => sides.Value.Count == 0 ? null : sides.Value.Order().ElementAt(sides.Value.Count / 2), task.Kind);
        var train = Read(trainingData, task, rows, options, plan, seed, warn, info, TrainingData, cancellation);
        var validation = options.ValidationSet is { } validationSet
            ? Read(validationSet, task, validRows, options, plan, seed, warn, info, "validation set", cancellation)
            : null;
        return (train, validation, task, plan);
    }

    /// <summary>
    /// The shorter sides of the first readable images (up to 16): their median, rounded up to a multiple of 32
    /// between 64 (160 for multi-label and regression) and 224, is the default image size; their median caps the presize.
    /// </summary>
    private static List<int> SidesOf(IDataView data, FastCnnLearner.Options options)
    {
        var column = ImageColumn.Bind(data.Schema, options.ImageColumnName, options.ImagePathColumnName);
        using var cursor = data.GetRowCursor(column.Columns);
        var reader = column.CreateReader(cursor);
        var sides = new List<int>();
        while (sides.Count < 16 && cursor.MoveNext())
        {
            using var row = reader.ReadRow(cursor.Position, target: []);
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

    /// <summary>
    /// The median of <paramref name="sides"/> rounded up to a multiple of 32, clamped to [64, 224] — for multi-label and
    /// regression to [<see cref="DetailTaskMinImageSize"/>, 224]; 224 without any.
    /// </summary>
    internal static int ImageSizeFor(IReadOnlyList<int> sides, ImageTask task = ImageTask.SingleLabel)
    {
        if (sides.Count == 0)
            return 224;
        int median = sides.Order().ElementAt(sides.Count / 2);
        return Math.Clamp((median + 31) / 32 * 32, task == ImageTask.SingleLabel ? 64 : DetailTaskMinImageSize, 224);
    }

    /// <summary>
    /// Smaller images are upscaled to this side for multi-label and regression: their answers lie in details (which small
    /// drawings appear, how large one is), which an ImageNet network sees better at a larger scale — on 96-px drawings
    /// 160 px gave +5.6 and +6.3 points of accuracy_multi and +2 of R² over 96 px (docs/benchmarks.md, issue 22), where
    /// upscaling single-label sets gained 1–3 points on the head for 3–10× the time.
    /// </summary>
    internal const int DetailTaskMinImageSize = 160;

    /// <summary>Sets up the data's batches as the plan says; reads all images now when caching.</summary>
    private static ImageData Read(IDataView data, TaskDefinition task, int rows, FastCnnLearner.Options options, TrainingPlan plan, int seed, Action<string> warn,
        Action<string> info, string what, CancellationToken cancellation)
    {
        var image = ImageColumn.Bind(data.Schema, options.ImageColumnName, options.ImagePathColumnName);
        var label = data.Schema[options.LabelColumnName];
        var streamed = new ImageData(new DataViewImageRows(data, image, (label, task), rows, shufflePool: Math.Max(1024, 8 * plan.BatchSize)),
            plan.ImageSize, plan.BatchSize, options.PrefetchBatches, seed, options.BadImages, warn, what)
        {
            Resize = options.Resize,
            Presize = what == TrainingData ? plan.Presize : null, // only the training set is augmented
        };
        return plan.CacheImages ? streamed.Cached(new PhaseMeter($"Caching the {what}", rows, "images", info, options.PhaseProgress), cancellation) : streamed;
    }
}
