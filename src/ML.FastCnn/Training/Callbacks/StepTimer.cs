using System.Diagnostics;

namespace ML.FastCnn;

/// <summary>
/// Times a few training steps (input pipeline included; run it beside a scheduler at learning rate 0) and
/// puts the weights back, so that a time budget can be turned into epochs. The first <c>warmup</c> steps are
/// not counted: they warm up the pipeline and take the batches it prepared before the clock started, which
/// would make the reading look free.
/// </summary>
internal sealed class StepTimer : LearnerCallback
{
    private readonly int _warmup;
    private readonly int _steps;
    private readonly Stopwatch _clock = new();
    private WeightSnapshot? _start;

    public StepTimer(int warmup, int steps)
    {
        _warmup = warmup;
        _steps = steps;
    }

    /// <summary>Mean seconds of a timed step; NaN before any was timed.</summary>
    public double SecondsPerStep { get; private set; } = double.NaN;

    public override void BeforeFit(FitContext context)
    {
        _start = context.SnapshotWeights(); // BatchNorm statistics move even at rate 0
        context.SkipValidation = true;
    }

    public override void AfterBatch(FitContext context, BatchLoss loss) // does not ask for the loss
    {
        int timed = context.Iteration - _warmup;
        if (timed == 0)
            _clock.Start();
        else if (timed > 0)
            SecondsPerStep = _clock.Elapsed.TotalSeconds / timed;
        if (timed >= _steps)
            context.RequestStop();
    }

    public override void AfterFit(FitContext context, FitOutcome outcome)
    {
        _start?.Restore();
        _start?.Dispose();
        _start = null;
    }
}
