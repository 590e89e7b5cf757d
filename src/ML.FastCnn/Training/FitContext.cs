using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>
/// What callbacks see during one fit (fast.ai's learner attributes <c>epoch</c>, <c>iter</c>,
/// <c>pct_train</c>, <c>n_epoch</c>…) and the two things they may change: stop the fit, skip validation.
/// </summary>
public sealed class FitContext
{
    private readonly Action<string> _log;
    private readonly Func<int> _epochsRun;

    internal FitContext(FastCnnLearner learner, ImageClassifier model, optim.Optimizer optimizer, int[] layerGroups, int epochs,
        int batchesPerEpoch, Action<string> log, Func<int> epochsRun)
    {
        _epochsRun = epochsRun;
        Learner = learner;
        Model = model;
        Optimizer = optimizer;
        LayerGroupOfParameterGroup = layerGroups;
        Epochs = epochs;
        BatchesPerEpoch = batchesPerEpoch;
        _log = log;
    }

    /// <summary>The learner being trained (for example, to save a model from a callback with <see cref="FastCnnLearner.ToTransformer"/>).</summary>
    public FastCnnLearner Learner { get; }

    internal ImageClassifier Model { get; }

    /// <summary>
    /// The network being trained (fast.ai's <c>learn.model</c>), a TorchSharp module with PyTorch's names
    /// (<c>conv1</c>, <c>bn1</c>, <c>layer1</c>…<c>layer4</c> for a ResNet, <c>features</c> for MobileNet and EfficientNet, then
    /// <c>head</c> or <c>fc</c>): for forward hooks
    /// (<c>register_forward_hook</c>), activation statistics, inspection. Changing its weights changes the model.
    /// </summary>
    public nn.Module<Tensor, Tensor> Network => Model.Network;

    /// <summary>
    /// This fit's optimizer (fast.ai's <c>learn.opt</c>): its parameter groups follow
    /// <see cref="LayerGroupOfParameterGroup"/>; the scheduler sets their learning rates before every batch.
    /// </summary>
    public optim.Optimizer Optimizer { get; }

    /// <summary>
    /// The layer group (0 = stem and stages 1–2 … last = head) of each optimizer parameter group; frozen
    /// groups have none, others two (with and without weight decay).
    /// </summary>
    public IReadOnlyList<int> LayerGroupOfParameterGroup { get; }

    /// <summary>
    /// A copy of the network's weights and BatchNorm statistics to go back to with
    /// <see cref="WeightSnapshot.Restore"/> (what the range test, <see cref="DivergenceGuard"/> and
    /// <see cref="KeepBestModel"/> use). Dispose it when done.
    /// </summary>
    public WeightSnapshot SnapshotWeights() => new(Model.Network);

    /// <summary>
    /// Writes a checkpoint of this fit after the current epoch — network, optimizer state, position and
    /// random state — whole or not at all (what <see cref="ModelCheckpoint"/> does after every epoch);
    /// resume from it with <see cref="FastCnnLearner.Fit"/>'s <c>resumeFrom</c>.
    /// </summary>
    /// <param name="path">The checkpoint file; replaced if it exists.</param>
    public void WriteCheckpoint(string path) => Checkpoint.Write(path, this, _epochsRun());

    /// <summary>Epochs planned in this fit.</summary>
    public int Epochs { get; }

    /// <summary>Training batches per epoch (planned; fewer when unreadable images are skipped).</summary>
    public int BatchesPerEpoch { get; }

    /// <summary>0-based epoch being trained.</summary>
    public int Epoch { get; internal set; }

    /// <summary>0-based batch within the epoch.</summary>
    public int Batch { get; internal set; }

    /// <summary>Training batches done since the fit started (fast.ai <c>train_iter</c>).</summary>
    public int Iteration { get; internal set; }

    /// <summary>Training batches planned in this fit.</summary>
    public int TotalIterations => Epochs * BatchesPerEpoch;

    /// <summary>Training progress in [0, 1] at the current batch (fast.ai <c>pct_train</c>).</summary>
    public double Progress => TotalIterations == 0 ? 1 : (double)Iteration / TotalIterations;

    /// <summary>The head's current learning rate.</summary>
    public double LearningRate => Optimizer.ParamGroups.Last().LearningRate;

    /// <summary>The current learning rate of each trained layer group, first group first (the head last).</summary>
    public IReadOnlyList<double> LearningRates =>
        Optimizer.ParamGroups.Zip(LayerGroupOfParameterGroup).DistinctBy(g => g.Second).Select(g => g.First.LearningRate).ToArray();

    /// <summary>The current momentum: AdamW's β1 or SGD's momentum (of the head's group).</summary>
    public double Momentum => Optimizer.ParamGroups.Last() switch
    {
        AdamW.ParamGroup adam => adam.Betas.Item1,
        SGD.ParamGroup sgd => sgd.Momentum,
        _ => double.NaN,
    };

    /// <summary>Whether a callback asked the fit to end.</summary>
    public bool StopRequested { get; private set; }

    /// <summary>Ends the fit after the current batch (fast.ai <c>CancelFitException</c>); <see cref="LearnerCallback.AfterFit"/> sees <see cref="FitOutcome.Stopped"/>.</summary>
    public void RequestStop() => StopRequested = true;

    /// <summary>Whether epochs end without scoring the validation set (the range test sets it).</summary>
    public bool SkipValidation { get; set; }

    /// <summary>Writes a line to MLContext's log (the learner's channel).</summary>
    public void Log(string message) => _log(message);
}
