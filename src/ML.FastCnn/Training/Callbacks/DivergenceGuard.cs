namespace ML.FastCnn;

/// <summary>
/// Stops training when the loss becomes NaN or infinite, puts back the weights of the last good
/// epoch, and says what to do.
/// </summary>
internal sealed class DivergenceGuard : ILearnerCallback
{
    private WeightSnapshot? _lastGood;

    public void BeforeFit(FitState state) => _lastGood = new WeightSnapshot(state.Model.Network);

    public void AfterBatch(FitState state, double loss)
    {
        if (double.IsFinite(loss))
            return;
        _lastGood!.Restore(state.Model.Network);
        throw new TrainingDivergedException(
            $"Training diverged: the loss became {loss} in epoch {state.Epoch + 1}, batch {state.Batch + 1}, at learning rate {state.LearningRate:G3}. " +
            "The weights of the last good epoch were kept. Use a smaller learning rate: run the learning-rate range test " +
            "(FastCnnLearner.FindLearningRate, or leave FastCnnOptions.LearningRate unset) and pick its suggestion.",
            state.Epoch + 1, state.Batch + 1, state.LearningRate);
    }

    public void AfterEpoch(FitState state, EpochResult result)
    {
        _lastGood?.Dispose();
        _lastGood = new WeightSnapshot(state.Model.Network);
    }

    public void AfterFit(FitState state, bool completed)
    {
        _lastGood?.Dispose();
        _lastGood = null;
    }
}
