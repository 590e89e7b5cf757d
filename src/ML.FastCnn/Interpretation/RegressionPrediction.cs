namespace ML.FastCnn;

/// <summary>One labelled image's value as a regression model predicted it (for a vector target, one of these per value).</summary>
/// <param name="Index">0-based position among the interpreted images (rows without a value are left out), in the data's order.</param>
/// <param name="ImagePath">The image file, when the data has a path column; otherwise <see langword="null"/>.</param>
/// <param name="ValueName">The value's name (the label column's, or its slot name for a vector target).</param>
/// <param name="Actual">The true value.</param>
/// <param name="Predicted">The model's value (its <c>Score</c> column).</param>
public sealed record RegressionPrediction(int Index, string? ImagePath, string ValueName, float Actual, float Predicted)
{
    /// <summary>Predicted − actual: positive when the model says too much.</summary>
    public double Error => (double)Predicted - Actual;

    /// <summary>|predicted − actual|.</summary>
    public double AbsoluteError => Math.Abs(Error);
}
