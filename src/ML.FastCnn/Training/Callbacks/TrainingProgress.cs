namespace ML.FastCnn;

/// <summary>
/// Progress of a fit's epochs (or of a range test) in images per second, with the time left in the epoch and,
/// once an epoch has run, in the whole fit: <see cref="PhaseProgress"/> after every batch and a log line every
/// few seconds.
/// </summary>
internal sealed class TrainingProgress(string phase, int batchSize, Action<string> log, IProgress<PhaseProgress>? progress, int? totalBatches = null) : LearnerCallback
{
    private PhaseMeter? _meter;
    private TimeSpan _epochsTime;
    private int _epochsDone;

    public override int Order => CallbackOrder.Reporting;

    public override void BeforeFit(FitContext context)
    {
        _epochsTime = TimeSpan.Zero;
        _epochsDone = 0;
        if (totalBatches is { } total) // one phase over the whole fit (the range test)
            _meter = new PhaseMeter(phase, total, "batches", log, progress);
    }

    public override void BeforeEpoch(FitContext context)
    {
        if (totalBatches is null)
            _meter = new PhaseMeter($"{phase}, epoch {context.Epoch + 1} of {context.Epochs}", (long)context.BatchesPerEpoch * batchSize, "images", log, progress);
    }

    public override void AfterBatch(FitContext context, BatchLoss loss) => // does not ask for the loss
        _meter?.Advance(totalBatches is null ? batchSize : 1,
            p => p with { Phase = phase, FitRemaining = FitRemaining(context, p.Remaining), Epoch = context.Epoch + 1, Epochs = context.Epochs });

    public override void AfterEpoch(FitContext context, EpochResult result)
    {
        _epochsTime += result.Duration;
        _epochsDone++;
    }

    public override void AfterFit(FitContext context, FitOutcome outcome)
    {
        if (totalBatches is not null && outcome is FitOutcome.Completed or FitOutcome.Stopped)
            _meter?.Finish();
        _meter = null;
    }

    /// <summary>The epoch's time left plus the later epochs at the average epoch time so far; null before the first epoch ends.</summary>
    private TimeSpan? FitRemaining(FitContext context, TimeSpan? epochLeft) =>
        _epochsDone == 0 || totalBatches is not null || epochLeft is null
            ? null
            : epochLeft + (_epochsTime / _epochsDone) * (context.Epochs - context.Epoch - 1);
}
