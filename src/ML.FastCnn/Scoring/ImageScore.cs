namespace ML.FastCnn;

/// <summary>
/// What <see cref="FastCnn.ScoreEach{TRow}"/> says about one image: its class probabilities and most probable
/// class, or why it could not be scored (<see cref="Error"/>; the other images of the batch are scored all the same).
/// </summary>
public sealed class ImageScore
{
    private static readonly IReadOnlyDictionary<string, float> None = new Dictionary<string, float>();

    internal ImageScore(IReadOnlyList<string> classNames, float[] probabilities)
    {
        if (probabilities.Length != classNames.Count)
            throw new InvalidOperationException($"Expected {classNames.Count} scores per image (one per class), found {probabilities.Length}.");
        var byClass = new Dictionary<string, float>(classNames.Count);
        int best = 0;
        for (int i = 0; i < probabilities.Length; i++)
        {
            byClass[classNames[i]] = probabilities[i];
            if (probabilities[i] > probabilities[best])
                best = i;
        }
        Probabilities = byClass;
        PredictedLabel = classNames[best];
        Probability = probabilities[best];
    }

    internal ImageScore(Exception error)
    {
        Error = error;
        Probabilities = None;
    }

    /// <summary>True when the image was scored; false when <see cref="Error"/> says why not.</summary>
    public bool Succeeded => Error is null;

    /// <summary>The most probable class (the first of equals, as ML.NET's <c>PredictedLabel</c>); <see langword="null"/> when the image failed.</summary>
    public string? PredictedLabel { get; }

    /// <summary>The probability of <see cref="PredictedLabel"/>; 0 when the image failed.</summary>
    public float Probability { get; }

    /// <summary>Every class's probability, in the model's class order; empty when the image failed.</summary>
    public IReadOnlyDictionary<string, float> Probabilities { get; }

    /// <summary>
    /// Why the image could not be scored, or <see langword="null"/>. An image that cannot be read or decoded
    /// gives an <see cref="UnreadableImageException"/> (its <see cref="UnreadableImageException.Reason"/> is the cause alone).
    /// </summary>
    public Exception? Error { get; }
}
