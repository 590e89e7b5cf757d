namespace ML.FastCnn;

/// <summary>
/// A hook into the training loop, as fast.ai's <c>Callback</c>: scheduling, the range test,
/// reporting, early stopping, keep-best and the divergence guard are all callbacks; the loop itself
/// stays small. Derive from it and override the events you need; pass instances in
/// <see cref="FastCnnLearner.Options.Callbacks"/> (every fit) or to
/// <see cref="FastCnnLearner.Fit(int, LearningRates, LearningRateSchedule, IEnumerable{LearnerCallback}?, CancellationToken, string?)"/> (one fit).
/// </summary>
/// <remarks>
/// Each event runs the callbacks in ascending <see cref="Order"/> (ties keep the order they were
/// given). A callback may be reused across fits: reset its state in <see cref="BeforeFit"/>.
/// Throwing from an event ends the fit; <see cref="AfterFit"/> still runs for every callback.
/// </remarks>
public abstract class LearnerCallback
{
    /// <summary>
    /// When this callback runs relative to the others, lowest first (fast.ai <c>order</c>). Default
    /// <see cref="CallbackOrder.Default"/>; the built-in ones use the other <see cref="CallbackOrder"/> values.
    /// </summary>
    public virtual int Order => CallbackOrder.Default;

    /// <summary>Before the first batch of a fit (fast.ai <c>before_fit</c>).</summary>
    public virtual void BeforeFit(FitContext context) { }

    /// <summary>Before the first batch of each epoch (fast.ai <c>before_epoch</c>).</summary>
    public virtual void BeforeEpoch(FitContext context) { }

    /// <summary>Before each training batch: the place to set hyper-parameters (fast.ai <c>before_batch</c>).</summary>
    public virtual void BeforeBatch(FitContext context) { }

    /// <summary>
    /// After a training batch's loss, before its gradients and the optimizer step (fast.ai <c>after_loss</c>
    /// and <c>before_step</c>): scale the loss or skip the step through <paramref name="step"/>. Not called
    /// for a batch whose loss is not finite (it never steps).
    /// </summary>
    public virtual void AfterLoss(FitContext context, BatchStep step) { }

    /// <summary>
    /// After the optimizer step of a training batch whose mean loss is <paramref name="loss"/> (fast.ai <c>after_batch</c>):
    /// ask <see cref="BatchLoss.Value"/> only when the number is needed (on a GPU, reading it waits for the device).
    /// </summary>
    public virtual void AfterBatch(FitContext context, BatchLoss loss) { }

    /// <summary>After each epoch's validation, with its row of the epoch table (fast.ai <c>after_epoch</c>).</summary>
    public virtual void AfterEpoch(FitContext context, EpochResult result) { }

    /// <summary>At the end of every fit, however it ended (fast.ai <c>after_fit</c>, <c>after_cancel_fit</c>).</summary>
    public virtual void AfterFit(FitContext context, FitOutcome outcome) { }
}
