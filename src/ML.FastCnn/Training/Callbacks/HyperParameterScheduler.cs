using TorchSharp.Modules;

namespace ML.FastCnn;

/// <summary>Before every batch, sets each layer group's learning rate and momentum from the schedule.</summary>
internal sealed class HyperParameterScheduler : ILearnerCallback
{
    private readonly double[] _peaks;
    private readonly LearningRateSchedule _schedule;

    /// <param name="peaks">Peak learning rate of each optimizer parameter group, in order.</param>
    /// <param name="schedule">The schedule, a function of training progress.</param>
    public HyperParameterScheduler(double[] peaks, LearningRateSchedule schedule)
    {
        _peaks = peaks;
        _schedule = schedule;
    }

    public void BeforeBatch(FitState state)
    {
        double factor = _schedule.LearningRateFactor(state.Progress);
        double? momentum = _schedule.Momentum(state.Progress);
        int i = 0;
        foreach (var group in state.Optimizer.ParamGroups)
        {
            group.LearningRate = _peaks[i++] * factor;
            if (momentum is not { } m)
                continue;
            switch (group)
            {
                case AdamW.ParamGroup adam:
                    adam.Betas = (m, adam.Betas.Item2);
                    break;
                case SGD.ParamGroup sgd:
                    sgd.Momentum = m;
                    break;
            }
        }
    }
}
