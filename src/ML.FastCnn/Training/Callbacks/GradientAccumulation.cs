namespace ML.FastCnn;

/// <summary>
/// fast.ai's <c>GradientAccumulation</c>: one optimizer step per <see cref="Rows"/> rows, each batch's
/// loss scaled by its share of them, so that the step follows the gradient of the mean loss over all
/// those rows — a large batch's step with a small batch's memory. BatchNorm statistics still come from
/// the small batches. Learning-rate schedules still advance per batch, as in fast.ai.
/// </summary>
public sealed class GradientAccumulation : LearnerCallback
{
    private int _seen;

    /// <param name="rows">Rows per optimizer step (fast.ai's <c>n_acc</c>), 1 or more; a multiple of the batch size steps exactly every rows/batch batches.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rows"/> is less than 1.</exception>
    public GradientAccumulation(int rows)
    {
        if (rows < 1)
            throw new ArgumentOutOfRangeException(nameof(rows), rows, $"Rows per optimizer step must be 1 or more (was {rows}).");
        Rows = rows;
    }

    /// <summary>Rows per optimizer step.</summary>
    public int Rows { get; }

    /// <summary>Runs before the other callbacks' <see cref="AfterLoss"/>, so they see the scaled loss.</summary>
    public override int Order => CallbackOrder.Scheduler + 1;

    /// <inheritdoc />
    public override void BeforeFit(FitContext context) => _seen = 0;

    /// <inheritdoc />
    public override void AfterLoss(FitContext context, BatchStep step)
    {
        step.LossScale *= (double)step.Rows / Rows;
        _seen += step.Rows;
        if (_seen < Rows)
            step.SkipStep = true;
        else
            _seen = 0;
    }
}
