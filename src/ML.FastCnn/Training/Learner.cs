using System.Diagnostics;
using Microsoft.ML.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>
/// The training-loop core, after fast.ai's Learner: one batch, one training epoch, one validation
/// pass, and <see cref="Fit"/> over epochs. Everything else — schedules, reporting, early
/// stopping, keep-best, divergence, the learning-rate finder — is an <see cref="ILearnerCallback"/>.
/// Each batch runs in its own dispose scope.
/// </summary>
internal sealed class Learner
{
    private readonly IHost _host;

    public Learner(ImageClassifier model, LabeledImageSet train, LabeledImageSet? valid, LearnerSettings settings, IHost host)
    {
        Model = model;
        Train = train;
        Valid = valid;
        Settings = settings;
        Groups = new LayerGroups(model.Network);
        _host = host;
    }

    public ImageClassifier Model { get; }

    public LabeledImageSet Train { get; }

    public LabeledImageSet? Valid { get; }

    public LearnerSettings Settings { get; }

    public LayerGroups Groups { get; }

    public int BatchesPerEpoch => (Train.Count + Settings.BatchSize - 1) / Settings.BatchSize;

    /// <summary>
    /// Trains for <paramref name="epochs"/> epochs with an optimizer over the trainable parameters,
    /// one parameter group per layer group at peak rate <paramref name="peakRates"/>[group].
    /// </summary>
    public IReadOnlyList<EpochResult> Fit(int epochs, double[] peakRates, LearningRateSchedule schedule,
        IEnumerable<ILearnerCallback> callbacks, CancellationToken cancellation)
    {
        var trainable = Groups.Trainable();
        var groupIndices = Enumerable.Range(0, trainable.Length).Where(g => trainable[g].Any()).ToArray();
        using var optimizer = CreateOptimizer(groupIndices.Select(g => (trainable[g], peakRates[g])));
        var state = new FitState(Model, optimizer, epochs, BatchesPerEpoch);
        var all = callbacks.Prepend(new HyperParameterScheduler(groupIndices.Select(g => peakRates[g]).ToArray(), schedule)).ToList();
        var results = new List<EpochResult>();
        bool completed = false;
        try
        {
            all.ForEach(c => c.BeforeFit(state));
            for (int epoch = 0; epoch < epochs && !state.StopRequested; epoch++)
            {
                state.Epoch = epoch;
                var clock = Stopwatch.StartNew();
                double trainLoss = TrainEpoch(state, all, cancellation);
                if (state.StopRequested && state.SkipValidation)
                    break;
                var (validLoss, accuracy) = state.SkipValidation || Valid is null ? (null, null) : Validate(Valid, cancellation);
                var result = new EpochResult(state.Epoch + 1, trainLoss, validLoss, accuracy, clock.Elapsed);
                results.Add(result);
                all.ForEach(c => c.AfterEpoch(state, result));
            }
            completed = true;
        }
        finally
        {
            all.ForEach(c => c.AfterFit(state, completed));
        }
        return results;
    }

    private optim.Optimizer CreateOptimizer(IEnumerable<(IEnumerable<Parameter> Parameters, double LearningRate)> groups)
    {
        double wd = Settings.WeightDecay;
        return Settings.Optimizer switch
        {
            OptimizerKind.AdamW => optim.AdamW(groups.Select(g => new AdamW.ParamGroup(g.Parameters, g.LearningRate, 0.9, 0.99, 1e-5, wd, false, false)),
                lr: 1e-3, beta1: 0.9, beta2: 0.99, eps: 1e-5, weight_decay: wd),
            OptimizerKind.Sgd => optim.SGD(groups.Select(g => new SGD.ParamGroup(g.Parameters, g.LearningRate, 0.9, 0, wd, false, false)),
                learningRate: 1e-3, momentum: 0.9, weight_decay: wd),
            _ => throw new ArgumentOutOfRangeException(nameof(Settings.Optimizer), Settings.Optimizer, "Use AdamW or Sgd."),
        };
    }

    private double TrainEpoch(FitState state, List<ILearnerCallback> callbacks, CancellationToken cancellation)
    {
        Model.Network.train();
        double lossSum = 0;
        int seen = 0;
        state.Batch = 0;
        foreach (var indices in Train.BatchIndices(Settings.BatchSize, Settings.Shuffle))
        {
            cancellation.ThrowIfCancellationRequested();
            _host.CheckAlive(); // ML.NET's own cancellation of the environment
            callbacks.ForEach(c => c.BeforeBatch(state));
            double loss = TrainBatch(indices, state.Optimizer);
            state.Iteration++;
            callbacks.ForEach(c => c.AfterBatch(state, loss));
            lossSum += loss * indices.Length;
            seen += indices.Length;
            state.Batch++;
            if (state.StopRequested)
                break;
        }
        return seen == 0 ? double.NaN : lossSum / seen;
    }

    /// <summary>One forward/backward/step; a non-finite loss skips the step (the callbacks decide what follows).</summary>
    private double TrainBatch(int[] indices, optim.Optimizer optimizer)
    {
        using var scope = NewDisposeScope();
        var (images, labels) = Train.GetBatch(indices, Model.Device);
        var loss = nn.functional.cross_entropy(Model.Network.forward(images), labels, label_smoothing: Settings.LabelSmoothing);
        double value = loss.ToDouble();
        if (double.IsFinite(value))
        {
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
        }
        return value;
    }

    /// <summary>Mean cross-entropy and accuracy on <paramref name="data"/>, in evaluation mode.</summary>
    public (double? Loss, double? Accuracy) Validate(LabeledImageSet data, CancellationToken cancellation = default)
    {
        Model.Network.eval();
        using var noGrad = no_grad();
        double lossSum = 0;
        long correct = 0;
        foreach (var indices in data.BatchIndices(Settings.BatchSize, random: null))
        {
            cancellation.ThrowIfCancellationRequested();
            _host.CheckAlive();
            using var scope = NewDisposeScope();
            var (images, labels) = data.GetBatch(indices, Model.Device);
            var logits = Model.Network.forward(images);
            lossSum += nn.functional.cross_entropy(logits, labels, reduction: nn.Reduction.Sum).ToDouble();
            correct += logits.argmax(1).eq(labels).sum().ToInt64();
        }
        return (lossSum / data.Count, (double)correct / data.Count);
    }
}
