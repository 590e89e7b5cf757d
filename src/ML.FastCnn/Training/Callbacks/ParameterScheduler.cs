using TorchSharp.Modules;

namespace ML.FastCnn;

/// <summary>
/// Before every batch, sets each layer group's learning rate (its peak × the schedule's factor) and
/// the momentum from a schedule, a pure function of training progress (fast.ai <c>ParamScheduler</c>).
/// </summary>
internal class ParameterScheduler : LearnerCallback
{
    private readonly double[] _peaks;
    private readonly LearningRateSchedule _schedule;

    /// <param name="peaks">Peak learning rate of each layer group, first group first.</param>
    /// <param name="schedule">The schedule, a function of training progress.</param>
    public ParameterScheduler(double[] peaks, LearningRateSchedule schedule)
    {
        _peaks = peaks;
        _schedule = schedule;
    }

    public override int Order => CallbackOrder.Scheduler;

    /// <summary>Progress in [0, 1] the schedule is evaluated at; the fit's by default.</summary>
    protected virtual double ProgressOf(FitContext context) => context.Progress;

    public override void BeforeBatch(FitContext context)
    {
        double progress = ProgressOf(context);
        double factor = _schedule.LearningRateFactor(progress);
        double? momentum = _schedule.Momentum(progress);
        int i = 0;
        foreach (var group in context.Optimizer.ParamGroups)
        {
            group.LearningRate = _peaks[context.LayerGroupOfParameterGroup[i++]] * factor;
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
