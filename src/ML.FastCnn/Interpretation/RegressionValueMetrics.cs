namespace ML.FastCnn;

/// <summary>
/// How well a regression model predicts one value over the interpreted images: the numbers of ML.NET's
/// <c>RegressionMetrics</c> (for a Single label they equal <c>mlContext.Regression.Evaluate</c>'s).
/// </summary>
/// <param name="Name">The value's name.</param>
/// <param name="Count">Images with this value.</param>
/// <param name="RSquared">1 − Σ(actual − predicted)² / Σ(actual − mean actual)²: 1 is perfect, 0 no better than the mean; <see cref="double.NaN"/> when all actual values are equal.</param>
/// <param name="MeanAbsoluteError">Mean |actual − predicted|.</param>
/// <param name="RootMeanSquaredError">√(mean (actual − predicted)²), in the value's units.</param>
public sealed record RegressionValueMetrics(string Name, int Count, double RSquared, double MeanAbsoluteError, double RootMeanSquaredError)
{
    /// <summary>The metrics of one value's predictions.</summary>
    internal static RegressionValueMetrics Of(string name, IReadOnlyList<RegressionPrediction> predictions)
    {
        if (predictions.Count == 0)
            return new(name, 0, double.NaN, double.NaN, double.NaN);
        double mean = predictions.Average(p => (double)p.Actual);
        double residual = predictions.Sum(p => p.Error * p.Error);
        double total = predictions.Sum(p => (p.Actual - mean) * (p.Actual - mean));
        return new(name, predictions.Count, total > 0 ? 1 - residual / total : double.NaN,
            predictions.Average(p => p.AbsoluteError), Math.Sqrt(residual / predictions.Count));
    }
}
