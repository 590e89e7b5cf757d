namespace ML.FastCnn;

/// <summary>
/// Where a long phase of training is — reading and caching images, storing activations, the range test, the
/// epochs — with its speed and what is left, reported as it goes (for progress bars and ETAs). The same
/// numbers go to MLContext's log every few seconds.
/// </summary>
/// <param name="Phase">What is running: "Caching the training data", "Storing activations", "Range test", "Training", "Validating".</param>
/// <param name="Done">Items done so far in the phase.</param>
/// <param name="Total">Items the phase has (planned; a range test can stop earlier).</param>
/// <param name="Unit">What is counted: "images" or "batches".</param>
/// <param name="PerSecond">Items per second since the phase started.</param>
/// <param name="Remaining">Time left in the phase at that speed; for <c>Training</c>, in the current epoch.</param>
/// <param name="FitRemaining">For <c>Training</c>, once an epoch has run: time left in the whole fit; otherwise null.</param>
/// <param name="Epoch">For <c>Training</c>: the 1-based epoch within the fit; otherwise 0.</param>
/// <param name="Epochs">For <c>Training</c>: the epochs of the fit; otherwise 0.</param>
public sealed record PhaseProgress(string Phase, long Done, long Total, string Unit, double PerSecond, TimeSpan? Remaining,
    TimeSpan? FitRemaining = null, int Epoch = 0, int Epochs = 0);
