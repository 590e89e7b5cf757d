namespace ML.FastCnn;

/// <summary>
/// One labelled image as a multi-label model saw it: the classes it has, the classes the model predicted (those above
/// their thresholds), every class's probability and the image's binary cross-entropy.
/// </summary>
/// <param name="Index">0-based position among the interpreted rows, in the data's order.</param>
/// <param name="ImagePath">The image file, when the data has a path column; otherwise <see langword="null"/>.</param>
/// <param name="Actual">Indices of the classes the image has (into <see cref="MultiLabelInterpretation.ClassNames"/>), ascending; possibly none.</param>
/// <param name="Predicted">Indices of the classes whose probability is above their threshold, ascending; possibly none.</param>
/// <param name="Probabilities">The model's probability of each class (its <c>Score</c> column: a sigmoid per class).</param>
public sealed record MultiLabelPrediction(int Index, string? ImagePath, IReadOnlyList<int> Actual, IReadOnlyList<int> Predicted, IReadOnlyList<float> Probabilities)
{
    /// <summary>
    /// Binary cross-entropy of this image, averaged over the classes: −mean(y ln p + (1 − y) ln(1 − p)), with p and 1 − p
    /// clamped at <see cref="ImagePrediction.MinimumProbability"/> (the training loss, <c>BCEWithLogitsLossFlat</c>, on the
    /// model's probabilities; without label smoothing).
    /// </summary>
    public double Loss
    {
        get
        {
            double sum = 0;
            for (int k = 0; k < Probabilities.Count; k++)
            {
                double p = Actual.Contains(k) ? Probabilities[k] : 1 - (double)Probabilities[k];
                sum -= Math.Log(Math.Max(p, ImagePrediction.MinimumProbability));
            }
            return Probabilities.Count == 0 ? 0 : sum / Probabilities.Count;
        }
    }

    /// <summary>Whether the predicted classes are exactly the actual ones (scikit-learn's subset accuracy counts these).</summary>
    public bool IsCorrect => Actual.SequenceEqual(Predicted);

    /// <summary>Classes the image has that the model missed (false negatives), ascending.</summary>
    public IReadOnlyList<int> Missed => [.. Actual.Except(Predicted)];

    /// <summary>Classes the model predicted that the image does not have (false positives), ascending.</summary>
    public IReadOnlyList<int> Extra => [.. Predicted.Except(Actual)];
}
