namespace ML.FastCnn;

/// <summary>One epoch as <see cref="Recorder"/> saw it.</summary>
/// <param name="Fit">0-based number of the fit (phase) among those recorded.</param>
/// <param name="Iteration">Batches counted over all recorded fits when the epoch ended (where it sits on a per-batch axis).</param>
/// <param name="Result">The epoch's row of the epoch table.</param>
public sealed record RecordedEpoch(int Fit, int Iteration, EpochResult Result);
