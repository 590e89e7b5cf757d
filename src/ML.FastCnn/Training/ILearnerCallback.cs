namespace ML.FastCnn;

/// <summary>
/// Hooks into the training loop, as fast.ai's callbacks: scheduling, reporting, early stopping,
/// keep-best and the learning-rate finder are callbacks; the loop itself stays small.
/// </summary>
internal interface ILearnerCallback
{
    void BeforeFit(FitState state) { }

    void BeforeBatch(FitState state) { }

    /// <summary>After the optimizer step of a batch whose mean loss was <paramref name="loss"/>.</summary>
    void AfterBatch(FitState state, double loss) { }

    void AfterEpoch(FitState state, EpochResult result) { }

    /// <summary>At the end of fit, also when it was stopped or failed (<paramref name="completed"/> false).</summary>
    void AfterFit(FitState state, bool completed) { }
}
