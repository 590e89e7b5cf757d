namespace ML.FastCnn;

/// <summary>
/// How one engine did on the self-check: the largest difference between its probabilities and the
/// reference forward's on the probe batch (batched and one image alone), or why it could not run.
/// </summary>
/// <param name="Engine">The engine checked.</param>
/// <param name="MaxDifference">Largest absolute difference of a probability; NaN when it did not run.</param>
/// <param name="Error">Why the engine could not start or run; null when it ran.</param>
internal sealed record ScoringEngineCheck(ScoringEngine Engine, double MaxDifference, string? Error = null)
{
    /// <summary>The tolerance on probabilities: a faster engine within it gives the reference's answers.</summary>
    public const double Tolerance = 1e-4;

    public bool Passed => Error is null && MaxDifference <= Tolerance;

    public override string ToString() => Error is not null
        ? $"{Engine} could not run: {Error}"
        : $"{Engine} max difference {MaxDifference:0.0E+0} ({(Passed ? "ok" : $"FAILED, tolerance {Tolerance:0E+0}")})";
}
