namespace ML.FastCnn;

/// <summary>
/// One labelled image as the model saw it (a row of fast.ai's <c>ClassificationInterpretation</c>):
/// the class it belongs to, the class the model chose, their probabilities and the image's loss.
/// </summary>
/// <param name="Index">0-based position among the interpreted rows (rows without a label are left out).</param>
/// <param name="ImagePath">The image file, when the data has a path column; otherwise <see langword="null"/>.</param>
/// <param name="Actual">Index of the true class (into <see cref="FastCnnInterpretation.ClassNames"/>).</param>
/// <param name="Predicted">Index of the most probable class (ties: the lower index, as ML.NET's <c>PredictedLabel</c>).</param>
/// <param name="Probabilities">The model's class probabilities (its <c>Score</c> column), one per class.</param>
public sealed record ImagePrediction(int Index, string? ImagePath, int Actual, int Predicted, IReadOnlyList<float> Probabilities)
{
    /// <summary>The smallest probability the loss takes the logarithm of (ML.NET's log-loss clamps the same way).</summary>
    public const double MinimumProbability = 1e-15;

    /// <summary>Probability the model gave the predicted class.</summary>
    public double Probability => Probabilities[Predicted];

    /// <summary>Probability the model gave the true class.</summary>
    public double ActualProbability => Probabilities[Actual];

    /// <summary>Cross-entropy of this image: −ln p(actual), p clamped at <see cref="MinimumProbability"/> (ML.NET's <c>LogLoss</c> per row).</summary>
    public double Loss => -Math.Log(Math.Max(ActualProbability, MinimumProbability));

    /// <summary>Whether the predicted class is the true one.</summary>
    public bool IsCorrect => Actual == Predicted;
}
