namespace ML.FastCnn;

/// <summary>
/// At the end of a fit, puts back the weights of its epoch with the best validation metric (fast.ai
/// <c>SaveModelCallback</c>, in memory).
/// </summary>
public sealed class KeepBestModel : LearnerCallback
{
    private readonly TrainingMetric _metric;
    private MetricTracker _tracker;
    private WeightSnapshot? _best;
    private int _bestEpoch;

    /// <param name="metric">The validation measure to watch.</param>
    public KeepBestModel(TrainingMetric metric)
    {
        _metric = metric;
        _tracker = new MetricTracker(metric);
    }

    /// <inheritdoc />
    public override int Order => CallbackOrder.KeepBestModel;

    /// <inheritdoc />
    public override void BeforeFit(FitContext context) => _tracker = new MetricTracker(_metric);

    /// <inheritdoc />
    public override void AfterEpoch(FitContext context, EpochResult result)
    {
        if (!_tracker.Improves(result))
            return;
        _best?.Dispose();
        _best = context.SnapshotWeights();
        _bestEpoch = result.Epoch;
    }

    /// <inheritdoc />
    public override void AfterFit(FitContext context, FitOutcome outcome)
    {
        if (outcome is FitOutcome.Completed or FitOutcome.Stopped && _best is not null && _bestEpoch != context.Epoch + 1)
        {
            _best.Restore();
            context.Log($"Kept the weights of epoch {_bestEpoch} (best {_tracker.Best:F4}).");
        }
        _best?.Dispose();
        _best = null;
    }
}
