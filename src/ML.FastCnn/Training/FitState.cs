using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>What callbacks see and may change during one call to fit.</summary>
internal sealed class FitState
{
    public FitState(ImageClassifier model, optim.Optimizer optimizer, int epochs, int batchesPerEpoch)
    {
        Model = model;
        Optimizer = optimizer;
        Epochs = epochs;
        BatchesPerEpoch = batchesPerEpoch;
    }

    public ImageClassifier Model { get; }

    public optim.Optimizer Optimizer { get; }

    public int Epochs { get; }

    public int BatchesPerEpoch { get; }

    /// <summary>0-based epoch being trained.</summary>
    public int Epoch { get; set; }

    /// <summary>0-based batch within the epoch.</summary>
    public int Batch { get; set; }

    /// <summary>Batches done since fit started.</summary>
    public int Iteration { get; set; }

    public int TotalIterations => Epochs * BatchesPerEpoch;

    /// <summary>Training progress in [0, 1] at the current batch (fast.ai <c>pct_train</c>).</summary>
    public double Progress => TotalIterations == 0 ? 1 : (double)Iteration / TotalIterations;

    /// <summary>The head's current learning rate.</summary>
    public double LearningRate => Optimizer.ParamGroups.Last().LearningRate;

    /// <summary>Set by a callback to end fit after the current batch or epoch.</summary>
    public bool StopRequested { get; set; }

    /// <summary>Set by a callback to skip validation (the learning-rate finder does not need it).</summary>
    public bool SkipValidation { get; set; }
}
