namespace ML.FastCnn;

/// <summary>
/// Stops training when the loss becomes NaN or infinite, puts back the weights of the last good
/// epoch, and says what to do.
/// </summary>
public sealed class DivergenceGuard : LearnerCallback
{
    private WeightSnapshot? _lastGood;

    /// <inheritdoc />
    public override int Order => CallbackOrder.DivergenceGuard;

    /// <inheritdoc />
    public override void BeforeFit(FitContext context)
    {
        _lastGood?.Dispose();
        _lastGood = context.SnapshotWeights();
    }

    /// <inheritdoc />
    /// <exception cref="TrainingDivergedException">The loss is not finite.</exception>
    public override void AfterBatch(FitContext context, BatchLoss loss)
    {
        if (loss.IsFinite) // read by the loop already, to skip a non-finite batch's step: no second wait
            return;
        _lastGood!.Restore();
        throw new TrainingDivergedException(
            $"Training diverged: the loss became {loss.Value} in epoch {context.Epoch + 1}, batch {context.Batch + 1}, at learning rate {context.LearningRate:G3}. " +
            "The weights of the last good epoch were kept. Use a smaller learning rate: run the learning-rate range test " +
            "(FastCnnLearner.FindLearningRate, or leave FastCnnOptions.LearningRate unset) and pick its suggestion.",
            context.Epoch + 1, context.Batch + 1, context.LearningRate);
    }

    /// <inheritdoc />
    public override void AfterEpoch(FitContext context, EpochResult result)
    {
        _lastGood?.Dispose();
        _lastGood = context.SnapshotWeights();
    }

    /// <inheritdoc />
    public override void AfterFit(FitContext context, FitOutcome outcome)
    {
        _lastGood?.Dispose();
        _lastGood = null;
    }
}
