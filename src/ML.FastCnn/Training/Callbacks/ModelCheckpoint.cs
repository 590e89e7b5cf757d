namespace ML.FastCnn;

/// <summary>
/// Writes a checkpoint after every epoch (fast.ai <c>SaveModelCallback(every_epoch=True)</c>): the
/// network, the optimizer's state, the position in the fit and the random state, written whole or not
/// at all (a temporary file moved into place). Resume an interrupted fit with the same arguments and
/// <c>resumeFrom</c>: <see cref="FastCnnLearner.Fit"/> continues at the next epoch, on the same
/// schedule, and on the CPU with a seed ends with the same model as an uninterrupted fit.
/// </summary>
public sealed class ModelCheckpoint : LearnerCallback
{
    /// <param name="path">The checkpoint file, overwritten after each epoch.</param>
    public ModelCheckpoint(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = System.IO.Path.GetFullPath(path);
    }

    /// <summary>The checkpoint file.</summary>
    public string Path { get; }

    /// <inheritdoc />
    public override int Order => CallbackOrder.Checkpoint;

    /// <inheritdoc />
    public override void AfterEpoch(FitContext context, EpochResult result) => context.WriteCheckpoint(Path);
}
