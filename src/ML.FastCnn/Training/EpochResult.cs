namespace ML.FastCnn;

/// <summary>One row of fast.ai's epoch table: what training and validation measured after an epoch.</summary>
/// <param name="Epoch">1-based epoch number within the call to fit.</param>
/// <param name="TrainLoss">Mean training loss over the epoch's batches.</param>
/// <param name="ValidLoss">Mean cross-entropy on the validation set, or <see langword="null"/> without one.</param>
/// <param name="Accuracy">Validation accuracy in [0, 1], or <see langword="null"/> without a validation set.</param>
/// <param name="Duration">Wall time of the epoch, validation included.</param>
public sealed record EpochResult(int Epoch, double TrainLoss, double? ValidLoss, double? Accuracy, TimeSpan Duration)
{
    /// <summary>1 − <see cref="Accuracy"/> (fast.ai <c>error_rate</c>).</summary>
    public double? ErrorRate => 1 - Accuracy;

    /// <summary>The row as fast.ai prints it: epoch, train_loss, valid_loss, accuracy, error_rate, time.</summary>
    public override string ToString() =>
        $"epoch {Epoch}: train_loss {TrainLoss:F4}" +
        (ValidLoss is { } v ? $", valid_loss {v:F4}, accuracy {Accuracy:F4}, error_rate {ErrorRate:F4}" : "") +
        $", time {Duration:mm\\:ss\\.f}";
}
