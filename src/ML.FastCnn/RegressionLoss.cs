namespace ML.FastCnn;

/// <summary>The loss of <see cref="ImageTask.Regression"/> (fast.ai's <c>MSELossFlat</c> or <c>L1LossFlat</c>).</summary>
public enum RegressionLoss
{
    /// <summary>Mean squared error: the default; large errors cost most.</summary>
    MeanSquaredError = 0,

    /// <summary>Mean absolute error (L1): less pulled by outliers.</summary>
    MeanAbsoluteError = 1,
}
