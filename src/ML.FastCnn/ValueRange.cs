namespace ML.FastCnn;

/// <summary>
/// The range a regression's predictions are kept in (fast.ai's <c>y_range</c>): the network's output goes through a
/// sigmoid scaled to (<see cref="Low"/>, <see cref="High"/>). Make it a little wider than the targets' own range,
/// since a sigmoid reaches its ends only at infinity (fast.ai's lesson uses (−1, 1) for targets in [−1, 1] and (0, 5.5) for 0–5 ratings).
/// </summary>
/// <param name="Low">The lowest prediction.</param>
/// <param name="High">The highest prediction; above <paramref name="Low"/>.</param>
public sealed record ValueRange(float Low, float High)
{
    /// <summary>"(low, high)".</summary>
    public override string ToString() => FormattableString.Invariant($"({Low}, {High})");
}
