namespace ML.FastCnn;

/// <summary>Writes each epoch's row of fast.ai's epoch table to MLContext's log and to an optional <see cref="IProgress{T}"/>.</summary>
/// <param name="progress">Receives each epoch's row; null: the log only.</param>
internal sealed class EpochReporter(IProgress<EpochResult>? progress = null) : LearnerCallback
{
    /// <inheritdoc />
    public override int Order => CallbackOrder.Reporting;

    /// <inheritdoc />
    public override void AfterEpoch(FitContext context, EpochResult result)
    {
        context.Log(result.ToString());
        progress?.Report(result);
    }
}
