namespace ML.FastCnn;

/// <summary>Remembers the best value of a validation metric and says whether a new one improves on it.</summary>
internal sealed class MetricTracker
{
    private readonly TrainingMetric _metric;

    public MetricTracker(TrainingMetric metric) => _metric = metric;

    public double? Best { get; private set; }

    /// <summary>True, and remembered, when <paramref name="result"/> is better than every earlier epoch.</summary>
    public bool Improves(EpochResult result)
    {
        double value = (_metric == TrainingMetric.Accuracy ? result.Accuracy : result.ValidLoss)
            ?? throw new InvalidOperationException($"Watching {_metric} needs a validation set.");
        bool better = Best is not { } best || (_metric == TrainingMetric.Accuracy ? value > best : value < best);
        if (better)
            Best = value;
        return better;
    }
}
