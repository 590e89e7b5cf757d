namespace ML.FastCnn;

/// <summary>A schedule given as functions; see <see cref="LearningRateSchedule.Custom"/>.</summary>
internal sealed class CustomSchedule : LearningRateSchedule
{
    private readonly Func<double, double> _learningRate;
    private readonly Func<double, double>? _momentum;

    public CustomSchedule(Func<double, double> learningRate, Func<double, double>? momentum)
    {
        _learningRate = learningRate;
        _momentum = momentum;
    }

    public override double LearningRateFactor(double progress) => _learningRate(progress);

    public override double? Momentum(double progress) => _momentum?.Invoke(progress);
}
