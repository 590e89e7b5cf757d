namespace ML.FastCnn;

/// <summary>
/// The range test as a callback (fast.ai <c>LRFinder</c>): raises the learning rate exponentially
/// batch by batch, records the smoothed loss, stops at the iteration count or when the loss
/// explodes, and puts the weights back afterwards.
/// </summary>
internal sealed class LearningRateFinderCallback : ILearnerCallback
{
    private const double Beta = 0.98; // fast.ai's AvgSmoothLoss
    private readonly LearningRateFinderOptions _options;
    private readonly Func<double, double> _sweep;
    private WeightSnapshot? _start;
    private double _average;
    private int _count;
    private double _best = double.PositiveInfinity;

    public LearningRateFinderCallback(LearningRateFinderOptions options)
    {
        _options = options;
        _sweep = Schedule.Exponential(options.StartLearningRate, options.EndLearningRate);
    }

    public List<double> LearningRates { get; } = [];

    public List<double> Losses { get; } = [];

    public void BeforeFit(FitState state)
    {
        _start = new WeightSnapshot(state.Model.Network);
        state.SkipValidation = true;
    }

    public void BeforeBatch(FitState state)
    {
        double lr = _sweep((double)state.Iteration / _options.Iterations);
        foreach (var group in state.Optimizer.ParamGroups)
            group.LearningRate = lr;
    }

    public void AfterBatch(FitState state, double loss)
    {
        _average = Beta * _average + (1 - Beta) * loss;
        _count++;
        double smooth = _average / (1 - Math.Pow(Beta, _count));
        LearningRates.Add(state.LearningRate);
        Losses.Add(smooth);
        if (smooth < _best)
            _best = smooth;
        if (_options.StopOnDivergence && (smooth > 4 * _best || double.IsNaN(smooth)))
            state.StopRequested = true;
        if (state.Iteration >= _options.Iterations)
            state.StopRequested = true;
    }

    public void AfterFit(FitState state, bool completed)
    {
        _start?.Restore(state.Model.Network);
        _start?.Dispose();
        _start = null;
    }
}
