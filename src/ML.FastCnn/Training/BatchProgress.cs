namespace ML.FastCnn;

/// <summary>Where training is within an epoch, reported after every batch (for progress bars).</summary>
/// <param name="Epoch">1-based epoch within the call to fit.</param>
/// <param name="Epochs">Epochs in the call to fit.</param>
/// <param name="Batch">1-based batch within the epoch.</param>
/// <param name="Batches">Batches per epoch (planned; fewer when unreadable images are skipped).</param>
/// <param name="Loss">The batch's training loss.</param>
public sealed record BatchProgress(int Epoch, int Epochs, int Batch, int Batches, double Loss);
