namespace ML.FastCnn;

/// <summary>Settings of the learning-rate range test (fast.ai <c>lr_find</c>; defaults as fastai v2).</summary>
public sealed class LearningRateFinderOptions
{
    /// <summary>First learning rate of the sweep, &gt; 0. Default 1e-7 (fast.ai <c>start_lr</c>).</summary>
    public double StartLearningRate { get; set; } = 1e-7;

    /// <summary>Last learning rate of the sweep, &gt; <see cref="StartLearningRate"/>. Default 10 (fast.ai <c>end_lr</c>).</summary>
    public double EndLearningRate { get; set; } = 10;

    /// <summary>Number of training batches in the sweep, ≥ 2. Default 100 (fast.ai <c>num_it</c>).</summary>
    public int Iterations { get; set; } = 100;

    /// <summary>Stop early when the smoothed loss exceeds 4× its best value. Default true (fast.ai <c>stop_div</c>).</summary>
    public bool StopOnDivergence { get; set; } = true;

    /// <summary>Checks the sweep's settings; <paramref name="name"/> is the argument or option that holds them.</summary>
    internal void Check(string name)
    {
        Checks.UserArg(StartLearningRate > 0 && EndLearningRate > StartLearningRate, name,
            $"needs 0 < StartLearningRate < EndLearningRate (were {StartLearningRate} and {EndLearningRate})");
        Checks.UserArg(Iterations >= 2, name, $"Iterations must be 2 or more (was {Iterations})");
    }
}
