namespace ML.FastCnn;

/// <summary>One row of the epoch table: what training and validation measured after an epoch.</summary>
internal sealed record EpochResult(int Epoch, double TrainLoss, double? ValidLoss, double? Accuracy, TimeSpan Duration)
{
    public override string ToString() =>
        $"epoch {Epoch}: train_loss {TrainLoss:F4}" +
        (ValidLoss is { } v ? $", valid_loss {v:F4}, accuracy {Accuracy:F4}, error_rate {1 - Accuracy:F4}" : "") +
        $", time {Duration:mm\\:ss\\.f}";
}
