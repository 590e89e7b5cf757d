namespace ML.FastCnn;

/// <summary>
/// How one engine did on the self-check against the reference forward on the probe batch (batched and
/// one image alone): the largest difference of a probability, and of a logit relative to the logits'
/// scale (probabilities alone can hide a wrong kernel when the softmax saturates) — or why it could not run.
/// </summary>
/// <param name="Engine">The engine checked.</param>
/// <param name="MaxDifference">Largest absolute difference of a probability; NaN when it did not run.</param>
/// <param name="LogitDifference">Largest absolute difference of a logit divided by max(1, largest |logit|); NaN when it did not run.</param>
/// <param name="Error">Why the engine could not start or run; null when it ran.</param>
internal sealed record ScoringEngineCheck(ScoringEngine Engine, double MaxDifference, double LogitDifference, string? Error = null)
{
    /// <summary>The tolerance on probabilities, and on logits relative to their scale.</summary>
    public const double Tolerance = 1e-4;

    public bool Passed => Error is null && MaxDifference <= Tolerance && LogitDifference <= Tolerance;

    public string Numbers => $"max |Δp| {MaxDifference:0.0E+0}, max |Δlogit| {LogitDifference:0.0E+0} of the logit scale (tolerance {Tolerance:0E+0})";

    public override string ToString() => Error is not null ? $"{Engine} could not run: {Error}" : $"{Engine} {Numbers}{(Passed ? "" : " FAILED")}";
}
