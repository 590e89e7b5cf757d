namespace ML.FastCnn;

/// <summary>Ends fit when the watched validation metric has not improved for <c>patience</c> epochs (fast.ai <c>EarlyStoppingCallback</c>).</summary>
internal sealed class EarlyStopping : ILearnerCallback
{
    private readonly MetricTracker _tracker;
    private readonly int _patience;
    private readonly Action<string> _log;
    private int _epochsWithoutImprovement;

    public EarlyStopping(TrainingMetric metric, int patience, Action<string> log)
    {
        _tracker = new MetricTracker(metric);
        _patience = patience;
        _log = log;
    }

    public void AfterEpoch(FitState state, EpochResult result)
    {
        _epochsWithoutImprovement = _tracker.Improves(result) ? 0 : _epochsWithoutImprovement + 1;
        if (_epochsWithoutImprovement > _patience)
        {
            state.StopRequested = true;
            _log($"Early stopping after epoch {result.Epoch}: no improvement for {_epochsWithoutImprovement} epochs (best {_tracker.Best:F4}).");
        }
    }
}
