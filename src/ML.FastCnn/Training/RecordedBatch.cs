namespace ML.FastCnn;

/// <summary>One training batch as <see cref="Recorder"/> saw it.</summary>
/// <param name="Fit">0-based number of the fit (phase) among those recorded.</param>
/// <param name="Epoch">1-based epoch within the fit.</param>
/// <param name="Iteration">1-based batch number counted over all recorded fits.</param>
/// <param name="Loss">Mean training loss of the batch.</param>
/// <param name="LearningRate">The head's learning rate for the batch.</param>
/// <param name="Momentum">AdamW's β1 or SGD's momentum for the batch.</param>
public sealed record RecordedBatch(int Fit, int Epoch, int Iteration, double Loss, double LearningRate, double Momentum);
