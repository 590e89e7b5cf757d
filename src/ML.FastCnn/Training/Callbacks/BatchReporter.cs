namespace ML.FastCnn;

/// <summary>Tells the user's <see cref="IProgress{T}"/> after every training batch.</summary>
internal sealed class BatchReporter(IProgress<BatchProgress> progress) : ILearnerCallback
{
    public void AfterBatch(FitState state, double loss) =>
        progress.Report(new BatchProgress(state.Epoch + 1, state.Epochs, state.Batch + 1, state.BatchesPerEpoch, loss));
}
