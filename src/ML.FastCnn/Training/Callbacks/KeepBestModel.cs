namespace ML.FastCnn;

/// <summary>At the end of fit, puts back the weights of the epoch with the best validation metric (fast.ai <c>SaveModelCallback</c>, in memory).</summary>
internal sealed class KeepBestModel : ILearnerCallback
{
    private readonly MetricTracker _tracker;
    private readonly Action<string> _log;
    private WeightSnapshot? _best;
    private int _bestEpoch;

    public KeepBestModel(TrainingMetric metric, Action<string> log)
    {
        _tracker = new MetricTracker(metric);
        _log = log;
    }

    public void AfterEpoch(FitState state, EpochResult result)
    {
        if (!_tracker.Improves(result))
            return;
        _best?.Dispose();
        _best = new WeightSnapshot(state.Model.Network);
        _bestEpoch = result.Epoch;
    }

    public void AfterFit(FitState state, bool completed)
    {
        if (completed && _best is not null && _bestEpoch != state.Epoch + 1)
        {
            _best.Restore(state.Model.Network);
            _log($"Kept the weights of epoch {_bestEpoch} (best {_tracker.Best:F4}).");
        }
        _best?.Dispose();
        _best = null;
    }
}
