namespace ML.FastCnn;

/// <summary>
/// One training batch between its loss and the optimizer step, as <see cref="LearnerCallback.AfterLoss"/>
/// sees it (fast.ai's <c>after_loss</c> and <c>before_step</c>): a callback may scale the loss whose
/// gradients are computed, or keep the gradients for a later step (<see cref="GradientAccumulation"/>).
/// </summary>
public sealed class BatchStep
{
    internal BatchStep(BatchLoss loss)
    {
        Loss = loss;
    }

    /// <summary>Rows (images) in this batch.</summary>
    public int Rows => Loss.Rows;

    /// <summary>
    /// The batch's mean loss, as reported to <see cref="LearnerCallback.AfterBatch"/>: ask <see cref="BatchLoss.Value"/> for
    /// the number (a read from the device).
    /// </summary>
    public BatchLoss Loss { get; }

    /// <summary>What the loss is multiplied by before its gradients are computed. Default 1.</summary>
    public double LossScale { get; set; } = 1;

    /// <summary>
    /// True: no optimizer step after this batch, and its gradients are kept and added to by the next
    /// batch (the step after that one sees both). Default false: step, then clear the gradients.
    /// </summary>
    public bool SkipStep { get; set; }
}
