namespace ML.FastCnn;

/// <summary>
/// The range test as a scheduler (fast.ai <c>LRFinder</c>, a <c>ParamScheduler</c>): raises every
/// group's learning rate exponentially batch by batch, records the smoothed loss, stops at the
/// iteration count or when the loss explodes, and puts the weights back afterwards.
/// </summary>
internal sealed class LearningRateFinderCallback : ParameterScheduler
{
    private const double Beta = 0.98; // fast.ai's AvgSmoothLoss
    private readonly LearningRateFinderOptions _options;
    private WeightSnapshot? _start;
    private double _average;
    private int _count;
    private double _best = double.PositiveInfinity;

    public LearningRateFinderCallback(LearningRateFinderOptions options, int layerGroups)
        : base(Enumerable.Repeat(1.0, layerGroups).ToArray(), LearningRateSchedule.Custom(Annealing.Exponential(options.StartLearningRate, options.EndLearningRate)))
    {
        _options = options;
    }

    public List<double> LearningRates { get; } = [];

    public List<double> Losses { get; } = [];

    // The sweep spans the test's iterations, not the fit's epochs.
    protected override double ProgressOf(FitContext context) => (double)context.Iteration / _options.Iterations;

    public override void BeforeFit(FitContext context)
    {
        _start = context.SnapshotWeights();
        context.SkipValidation = true;
    }

    public override void AfterBatch(FitContext context, BatchLoss loss)
    {
        _average = Beta * _average + (1 - Beta) * loss.Value; // the range test needs every batch's loss
        _count++;
        double smooth = _average / (1 - Math.Pow(Beta, _count));
        LearningRates.Add(context.LearningRate);
        Losses.Add(smooth);
        if (smooth < _best)
            _best = smooth;
        if (_options.StopOnDivergence && (smooth > 4 * _best || double.IsNaN(smooth)))
            context.RequestStop();
        if (context.Iteration >= _options.Iterations)
            context.RequestStop();
    }

    public override void AfterFit(FitContext context, FitOutcome outcome)
    {
        _start?.Restore();
        _start?.Dispose();
        _start = null;
    }
}
