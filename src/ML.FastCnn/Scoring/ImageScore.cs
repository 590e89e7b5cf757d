namespace ML.FastCnn;

/// <summary>
/// What <see cref="FastCnn.ScoreEach{TRow}"/> says about one image, as the model's <see cref="Task"/> reads it: a
/// single-label model's class probabilities and most probable class; a multi-label model's probability of every class
/// and the classes above their thresholds; a regression model's value (or values); or why the image could not be scored
/// (<see cref="Error"/>; the other images of the batch are scored all the same).
/// </summary>
public sealed class ImageScore
{
    private static readonly IReadOnlyDictionary<string, float> NoProbabilities = new Dictionary<string, float>();

    private ImageScore(ImageTask task, IReadOnlyDictionary<string, float> probabilities, IReadOnlyList<string> predictedLabels, IReadOnlyList<float> values,
        string? predictedLabel = null, float probability = 0, Exception? error = null)
    {
        Task = task;
        Probabilities = probabilities;
        PredictedLabels = predictedLabels;
        Values = values;
        PredictedLabel = predictedLabel;
        Probability = probability;
        Error = error;
    }

    /// <summary>A single-label image: the most probable class (the first of equals, as ML.NET's <c>PredictedLabel</c>).</summary>
    internal static ImageScore SingleLabel(IReadOnlyList<string> classNames, float[] probabilities)
    {
        var byClass = ByClass(classNames, probabilities);
        int best = ScoringBinding.ArgMax(probabilities);
        return new ImageScore(ImageTask.SingleLabel, byClass, [classNames[best]], [], classNames[best], probabilities[best]);
    }

    /// <summary>A multi-label image: the classes whose probability is above their threshold (the model's <c>PredictedLabels</c>), in class order.</summary>
    internal static ImageScore MultiLabel(IReadOnlyList<string> classNames, float[] probabilities, IReadOnlyList<float> thresholds)
    {
        var byClass = ByClass(classNames, probabilities);
        return new ImageScore(ImageTask.MultiLabel, byClass, [.. MultiLabelTask.Predicted(probabilities, thresholds).Select(k => classNames[k])], []);
    }

    /// <summary>A regression image: its values, one per name in <paramref name="valueNames"/>.</summary>
    internal static ImageScore Regression(IReadOnlyList<string> valueNames, float[] values)
    {
        if (values.Length != valueNames.Count)
            throw new InvalidOperationException($"Expected {valueNames.Count} value(s) per image, found {values.Length}.");
        return new ImageScore(ImageTask.Regression, NoProbabilities, [], values);
    }

    /// <summary>An image that could not be scored by a model of <paramref name="task"/>.</summary>
    internal static ImageScore Failed(ImageTask task, Exception error) => new(task, NoProbabilities, [], [], error: error);

    private static Dictionary<string, float> ByClass(IReadOnlyList<string> classNames, float[] probabilities)
    {
        if (probabilities.Length != classNames.Count)
            throw new InvalidOperationException($"Expected {classNames.Count} scores per image (one per class), found {probabilities.Length}.");
        var byClass = new Dictionary<string, float>(classNames.Count);
        for (int i = 0; i < probabilities.Length; i++)
            byClass[classNames[i]] = probabilities[i];
        return byClass;
    }

    /// <summary>The task of the model that scored the image (<see cref="FastCnnTransformer.Task"/>): which of the other properties are filled in.</summary>
    public ImageTask Task { get; }

    /// <summary>True when the image was scored; false when <see cref="Error"/> says why not.</summary>
    public bool Succeeded => Error is null;

    /// <summary>
    /// A single-label model's most probable class (the first of equals, as ML.NET's <c>PredictedLabel</c>);
    /// <see langword="null"/> for other tasks (see <see cref="PredictedLabels"/>, <see cref="Value"/>) and when the image failed.
    /// </summary>
    public string? PredictedLabel { get; }

    /// <summary>The probability of <see cref="PredictedLabel"/>; 0 for other tasks and when the image failed.</summary>
    public float Probability { get; }

    /// <summary>
    /// Every class's probability, in the model's class order: a softmax over the classes (single-label) or each class's
    /// own sigmoid (multi-label). Empty for regression and when the image failed.
    /// </summary>
    public IReadOnlyDictionary<string, float> Probabilities { get; }

    /// <summary>
    /// The predicted classes, in the model's class order: a multi-label model's classes whose probability is above their
    /// threshold (<see cref="FastCnnTransformer.Thresholds"/>; possibly none), a single-label model's one class. Empty for
    /// regression and when the image failed.
    /// </summary>
    public IReadOnlyList<string> PredictedLabels { get; }

    /// <summary>
    /// A regression model's predicted values, in the targets' units, one per value the model predicts (named by
    /// <see cref="FastCnnTransformer.ClassNames"/>); empty for other tasks and when the image failed.
    /// </summary>
    public IReadOnlyList<float> Values { get; }

    /// <summary>
    /// A regression model's predicted value when it predicts one (a <see cref="float"/> target); <see langword="null"/>
    /// for a vector target (read <see cref="Values"/>), for other tasks and when the image failed.
    /// </summary>
    public float? Value => Task == ImageTask.Regression && Values.Count == 1 ? Values[0] : null;

    /// <summary>
    /// Why the image could not be scored, or <see langword="null"/>. An image that cannot be read or decoded
    /// gives an <see cref="UnreadableImageException"/> (its <see cref="UnreadableImageException.Reason"/> is the cause alone).
    /// </summary>
    public Exception? Error { get; }
}
