namespace ML.FastCnn;

/// <summary>
/// The training loss became NaN or infinite. The network keeps the weights it had at the end of
/// the last good epoch; the message suggests running the learning-rate range test.
/// </summary>
public sealed class TrainingDivergedException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public TrainingDivergedException(string message, int epoch, int batch, double learningRate)
        : base(message)
    {
        Epoch = epoch;
        Batch = batch;
        LearningRate = learningRate;
    }

    /// <summary>The 1-based epoch in which the loss diverged.</summary>
    public int Epoch { get; }

    /// <summary>The 1-based batch within that epoch.</summary>
    public int Batch { get; }

    /// <summary>The head's learning rate at that batch.</summary>
    public double LearningRate { get; }
}
