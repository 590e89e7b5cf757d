namespace ML.FastCnn;

/// <summary>The validation measure that early stopping and keep-best watch.</summary>
public enum TrainingMetric
{
    /// <summary>Validation loss; lower is better.</summary>
    ValidLoss,

    /// <summary>Validation accuracy; higher is better.</summary>
    Accuracy,
}
