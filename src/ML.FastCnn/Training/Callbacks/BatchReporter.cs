namespace ML.FastCnn;

/// <summary>Tells an <see cref="IProgress{T}"/> after every training batch (for progress bars).</summary>
/// <param name="progress">Receives each batch's position and loss.</param>
internal sealed class BatchReporter(IProgress<BatchProgress> progress) : LearnerCallback
{
    /// <inheritdoc />
    public override int Order => CallbackOrder.Reporting;

    /// <inheritdoc />
    public override void AfterBatch(FitContext context, BatchLoss loss) =>
        progress.Report(new BatchProgress(context.Epoch + 1, context.Epochs, context.Batch + 1, context.BatchesPerEpoch, loss.Value));
}
