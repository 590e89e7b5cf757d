namespace ML.FastCnn;

/// <summary>
/// Ends a fit when the watched validation metric has not improved for <c>patience</c> epochs in a
/// row (fast.ai <c>EarlyStoppingCallback</c>: it stops once <c>wait &gt;= patience</c>).
/// </summary>
public sealed class EarlyStopping : LearnerCallback
{
    private readonly TrainingMetric _metric;
    private readonly int _patience;
    private MetricTracker _tracker;
    private int _epochsWithoutImprovement;

    /// <param name="metric">The validation measure to watch.</param>
    /// <param name="patience">Epochs without improvement before the fit stops, 1 or more.</param>
    public EarlyStopping(TrainingMetric metric, int patience)
    {
        Checks.UserArg(patience >= 1, nameof(patience), $"must be 1 or more (was {patience})");
        _metric = metric;
        _patience = patience;
        _tracker = new MetricTracker(metric);
    }

    /// <inheritdoc />
    public override int Order => CallbackOrder.EarlyStopping;

    /// <inheritdoc />
    public override void BeforeFit(FitContext context)
    {
        _tracker = new MetricTracker(_metric);
        _epochsWithoutImprovement = 0;
    }

    /// <inheritdoc />
    public override void AfterEpoch(FitContext context, EpochResult result)
    {
        _epochsWithoutImprovement = _tracker.Improves(result) ? 0 : _epochsWithoutImprovement + 1;
        if (_epochsWithoutImprovement >= _patience)
        {
            context.RequestStop();
            context.Log($"Early stopping after epoch {result.Epoch}: no improvement for {_epochsWithoutImprovement} epochs (best {_tracker.Best:F4}).");
        }
    }
}
