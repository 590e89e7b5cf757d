using TorchSharp;
using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>
/// A training batch's mean loss as callbacks see it (<see cref="LearnerCallback.AfterBatch"/>, <see cref="BatchStep.Loss"/>):
/// a number that stays on the training device until it is asked for. Reading <see cref="Value"/> copies it to the host,
/// which makes the host wait for the device to finish the batch — on a GPU, a synchronisation that stalls the queue —
/// so ask only when you need the number (a plot point, a progress line); it is read once and remembered.
/// </summary>
/// <remarks>
/// Ask while the batch's events run (<see cref="LearnerCallback.AfterLoss"/>, <see cref="LearnerCallback.AfterBatch"/>):
/// the device's copy goes with the batch; keep the number, not this object. Today the loop itself reads every batch's
/// loss once (a non-finite one skips the step), so asking costs nothing more; the type lets a skip decided on the
/// device remove that read later without a change to any callback.
/// </remarks>
public sealed class BatchLoss
{
    private Tensor? _loss;
    private double _value;

    /// <param name="loss">The batch's mean loss, detached, owned by the batch's dispose scope.</param>
    /// <param name="rows">Rows (images) in the batch.</param>
    internal BatchLoss(Tensor loss, int rows)
    {
        _loss = loss;
        Rows = rows;
    }

    /// <summary>Rows (images) in the batch.</summary>
    public int Rows { get; }

    /// <summary>Whether the value has been read from the device (by the loop or by a callback).</summary>
    public bool IsRead { get; private set; }

    /// <summary>The batch's mean loss (NaN or infinite when training diverged). Reads it from the device the first time.</summary>
    /// <exception cref="InvalidOperationException">Asked after the batch's events, without having been read during them.</exception>
    public double Value
    {
        get
        {
            if (IsRead)
                return _value;
            var loss = _loss ?? throw new InvalidOperationException(
                "A batch's loss can be read only during its events (AfterLoss, AfterBatch): read Value there and keep the number.");
            _value = loss.ToDouble();
            IsRead = true;
            _loss = null;
            return _value;
        }
    }

    /// <summary>Whether the loss is a finite number (reads it).</summary>
    public bool IsFinite => double.IsFinite(Value);

    /// <summary>The batch is over: its device copy is about to be freed.</summary>
    internal void Close() => _loss = null;

    /// <summary>The value if it has been read, otherwise "not read" (a debugger's display must not synchronise).</summary>
    public override string ToString() => IsRead ? _value.ToString("G6", System.Globalization.CultureInfo.InvariantCulture) : "not read";
}
