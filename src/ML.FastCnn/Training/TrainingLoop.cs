using System.Diagnostics;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>
/// The training-loop core, after fast.ai's Learner: one batch, one training epoch, one validation
/// pass, and <see cref="Fit"/> over epochs. Everything else — schedules, reporting, early
/// stopping, keep-best, divergence, the learning-rate finder — is a <see cref="LearnerCallback"/>.
/// Each batch runs in its own dispose scope.
/// </summary>
internal sealed class TrainingLoop : IDisposable
{
    private readonly MLNetSession _session;
    private readonly ActivationCache _activations = new();
    private int _epochsRun; // seeds each epoch's shuffle and augmentation, across fits
    private MixedPrecisionCheck.Result? _precisionCheck; // for the current image size

    public TrainingLoop(ImageClassifier model, ImageData train, ImageData? valid, LearnerSettings settings, Augmentation? augmentation, MLNetSession session)
    {
        Model = model;
        // On a GPU each batch's pixels are copied there while the step before it runs.
        Train = train.StagedOn(model.Device);
        Valid = valid?.StagedOn(model.Device);
        Settings = settings;
        Augmentation = augmentation;
        Groups = new LayerGroups(model.Network);
        _session = session;
    }

    public ImageClassifier Model { get; }

    /// <summary>What the network learns (its loss, targets and metric).</summary>
    private TaskDefinition Task => Model.Task;

    public ImageData Train { get; private set; }

    public ImageData? Valid { get; private set; }

    public LearnerSettings Settings { get; }

    public LayerGroups Groups { get; }

    /// <summary>
    /// Training augmentation, or null (also for one that changes nothing). Stored activations stay: they were
    /// made from un-augmented images and are used only while it is off.
    /// </summary>
    public Augmentation? Augmentation
    {
        get;
        set => field = value is { IsNone: true } ? null : value;
    }

    /// <summary>Whether the next fit trains the head on precomputed activations.</summary>
    public bool UsesPrecomputedActivations => PrecomputeActivations && Groups.IsFrozen && Augmentation is null;

    /// <summary>Whether the body's BatchNorm layers keep their running statistics (evaluation mode) even when it trains (fast.ai v0.7 <c>bn_freeze</c>).</summary>
    public bool FreezeBatchNormStatistics { get; set; }

    /// <summary>Whether frozen fits without augmentation train the head on stored activations. Switching it off drops them.</summary>
    public bool PrecomputeActivations
    {
        get;
        set
        {
            field = value;
            if (!value)
                DropActivations();
        }
    }

    /// <summary>Receives the progress of storing activations (the epochs' is a callback's).</summary>
    public IProgress<PhaseProgress>? PhaseProgress { get; init; }

    /// <summary>Training batches per epoch: a last partial batch is dropped (fast.ai's <c>drop_last</c>) unless it is the only one.</summary>
    public int BatchesPerEpoch => Math.Max(1, Train.Count / Settings.BatchSize);

    /// <summary>
    /// Trains for <paramref name="epochs"/> epochs with an optimizer over the trainable parameters (one
    /// parameter group per layer group that has any); a scheduler among the callbacks sets their rates.
    /// Callbacks run in ascending <see cref="LearnerCallback.Order"/>, ties in the order given. With a
    /// checkpoint of this same fit (<c>resume</c>), its state is restored and its epochs done are skipped.
    /// </summary>
    public IReadOnlyList<EpochResult> Fit(FastCnnLearner owner, int epochs, IEnumerable<LearnerCallback> callbacks,
        CancellationToken cancellation, Checkpoint.State? resume = null)
    {
        bool precomputed = UsesPrecomputedActivations;
        if (precomputed)
            _activations.Fill(Model, Train, Valid, _session.Info, PhaseProgress, cancellation);
        else
            DropActivations(); // training the body (BatchNorm included) makes stored activations stale

        var groups = Groups.ParameterGroups(headOnly: precomputed);
        using var optimizer = CreateOptimizer(groups.Select(g => (g.Parameters, g.Decay ? Settings.WeightDecay : 0)));
        optimizer.zero_grad(); // a fit that ended between accumulated batches left gradients behind
        var context = new FitContext(owner, Model, optimizer, groups.Select(g => g.Group).ToArray(), epochs, BatchesPerEpoch, _session.Info,
            () => _epochsRun);
        int start = 0;
        if (resume is not null)
        {
            if (resume.Epochs != epochs || resume.BatchesPerEpoch != BatchesPerEpoch)
                throw new ArgumentException($"The checkpoint is from a fit of {resume.Epochs} epochs of {resume.BatchesPerEpoch} batches, this one has {epochs} of {BatchesPerEpoch}: " +
                    "resume with the same epochs, learning rates and schedule, on the same data and batch size.", nameof(resume));
            Checkpoint.Restore(resume, Model, optimizer);
            _epochsRun = resume.EpochsRun;
            start = resume.EpochsDone;
            context.Iteration = start * BatchesPerEpoch;
        }
        var all = callbacks.OrderBy(c => c.Order).ToList();
        var results = new List<EpochResult>();
        var outcome = FitOutcome.Failed;
        try
        {
            all.ForEach(c => c.BeforeFit(context));
            for (int epoch = start; epoch < epochs && !context.StopRequested; epoch++)
            {
                context.Epoch = epoch;
                all.ForEach(c => c.BeforeEpoch(context));
                var clock = Stopwatch.StartNew();
                double trainLoss = TrainEpoch(context, all, precomputed, cancellation);
                _epochsRun++;
                if (context.StopRequested && context.SkipValidation)
                    break;
                var (validLoss, accuracy) = context.SkipValidation ? (null, null) : Validate(cancellation);
                var result = new EpochResult(epoch + 1, trainLoss, validLoss, accuracy, clock.Elapsed);
                results.Add(result);
                all.ForEach(c => c.AfterEpoch(context, result));
            }
            outcome = context.StopRequested ? FitOutcome.Stopped : FitOutcome.Completed;
        }
        catch (OperationCanceledException)
        {
            outcome = FitOutcome.Cancelled;
            throw;
        }
        finally
        {
            all.ForEach(c => c.AfterFit(context, outcome));
        }
        return results;
    }

    // Learning rates start at 0: the scheduler sets them before the first batch. Our subclasses of
    // TorchSharp's optimizers keep the step's Scalars alive (KeptAliveScalars).
    private optim.Optimizer CreateOptimizer(IEnumerable<(List<Parameter> Parameters, double WeightDecay)> groups) => Settings.Optimizer switch
    {
        OptimizerKind.AdamW => new ScalarSafeAdamW(groups.Select(g => new AdamW.ParamGroup(g.Parameters, 0, 0.9, 0.99, 1e-5, g.WeightDecay, false, false)),
            beta1: 0.9, beta2: 0.99, eps: 1e-5),
        OptimizerKind.Sgd => new ScalarSafeSgd(groups.Select(g => new SGD.ParamGroup(g.Parameters, 0, 0.9, 0, g.WeightDecay, false, false)), momentum: 0.9),
        _ => throw new ArgumentOutOfRangeException(nameof(Settings.Optimizer), Settings.Optimizer, "Use AdamW or Sgd."),
    };

    private double TrainEpoch(FitContext context, List<LearnerCallback> callbacks, bool precomputed, CancellationToken cancellation)
    {
        var lowPrecision = precomputed ? null : LowPrecision(cancellation);
        // A fully frozen body (precomputed, or BatchNorm frozen too) runs in evaluation mode: its statistics do not move.
        Model.Network.SetTrainingMode(body: !(precomputed || Groups.BatchNormFrozen || FreezeBatchNormStatistics));
        double lossSum = 0; // from the step's one read (below): a sum on the device would add kernels and save no wait
        int seen = 0;
        context.Batch = 0;
        foreach (var (input, targets, count) in Batches(Train, precomputed ? _activations.Train : null, training: true, cancellation))
        {
            using var scope = NewDisposeScope();
            scope.Attach([input, targets]);
            cancellation.ThrowIfCancellationRequested();
            _session.ThrowIfCancelled(); // ML.NET's own cancellation of the environment
            callbacks.ForEach(c => c.BeforeBatch(context));
            var (batchLoss, step) = ForwardBackward(context, callbacks, input, targets, count, precomputed, lowPrecision);
            lossSum += batchLoss.Value * count; // read once already, to test it is finite
            try
            {
                if (step is { SkipStep: false }) // skipped: the gradients add up until a batch steps (gradient accumulation)
                {
                    context.Optimizer.step();
                    context.Optimizer.zero_grad();
                }
                context.Iteration++;
                callbacks.ForEach(c => c.AfterBatch(context, batchLoss));
            }
            finally
            {
                batchLoss.Close(); // its tensor goes with the batch's scope
            }
            seen += count;
            context.Batch++;
            if (context.StopRequested)
                break;
        }
        return seen == 0 ? double.NaN : lossSum / seen;
    }

    /// <summary>
    /// The batch's forward pass and loss; when the loss is finite, AfterLoss and the backward pass (a non-finite loss skips
    /// them and the step: the callbacks decide what follows). With <paramref name="lowPrecision"/>, in bfloat16, and the
    /// weights and gradients float32 again when it returns.
    /// </summary>
    private (BatchLoss Loss, BatchStep? Step) ForwardBackward(FitContext context, List<LearnerCallback> callbacks, Tensor input, Tensor targets, int count,
        bool precomputed, BFloat16Weights? lowPrecision)
    {
        var forward = precomputed ? Model.Network.Classifier : Model.Network; // call(): forward hooks run, as in PyTorch
        lowPrecision?.Lower();
        try
        {
            var loss = precomputed || Settings.MixUp == 0
                ? Task.Loss(Forward(forward, input, lowPrecision), targets, sum: false, Settings.LabelSmoothing)
                : MixedLoss(forward, input, targets, SampleRandom.For(Settings.Seed, _epochsRun, context.Batch, view: -1), lowPrecision);
            var batchLoss = new BatchLoss(loss.detach(), count);
            // The one read from the device left in a step: a non-finite loss must skip AfterLoss, backward and the
            // optimizer step, and the host decides that before it queues the backward pass (as PyTorch's GradScaler reads
            // its flag). Callbacks that ask for the value get this read, not a second one.
            if (!batchLoss.IsFinite)
                return (batchLoss, null);
            var step = new BatchStep(batchLoss);
            callbacks.ForEach(c => c.AfterLoss(context, step));
            if (step.LossScale == 1)
            {
                loss.backward();
            }
            else
            {
                using var scale = step.LossScale.ToScalar();
                loss.mul(scale).backward();
            }
            return (batchLoss, step);
        }
        finally
        {
            lowPrecision?.Raise(); // float32 weights and gradients for the optimizer, and for everything after
        }
    }

    /// <summary>MixUp's step: the batch blended with a shuffled copy of itself, the loss blended between both target sets.</summary>
    private Tensor MixedLoss(nn.Module<Tensor, Tensor> network, Tensor input, Tensor targets, Random random, BFloat16Weights? lowPrecision)
    {
        var (lambda, order) = MixUp.Draw(random, Settings.MixUp, (int)input.shape[0]);
        var permutation = tensor(order, device: input.device);
        using var own = lambda.ToScalar();
        using var other = (1 - lambda).ToScalar();
        var output = Forward(network, input.mul(own).add_(input.index_select(0, permutation).mul(other), KeptAliveScalars.One), lowPrecision); // λ·x + (1 − λ)·x[perm]
        var ownLoss = Task.Loss(output, targets, sum: false, Settings.LabelSmoothing);
        var otherLoss = Task.Loss(output, targets.index_select(0, permutation), sum: false, Settings.LabelSmoothing);
        return ownLoss.mul(own).add_(otherLoss.mul(other), KeptAliveScalars.One);
    }

    /// <summary>The training forward pass: in bfloat16 while <paramref name="lowPrecision"/>'s weights are lowered, its outputs float32 for the loss.</summary>
    private static Tensor Forward(nn.Module<Tensor, Tensor> network, Tensor input, BFloat16Weights? lowPrecision) =>
        lowPrecision is null ? network.call(input) : network.call(BFloat16Weights.Input(input)).to(ScalarType.Float32);

    /// <summary>
    /// bfloat16 weights for training's forward and backward passes when the settings ask for mixed precision and the check
    /// against float32 passed on this image size (decided once per size, logged); null: float32.
    /// </summary>
    private BFloat16Weights? LowPrecision(CancellationToken cancellation)
    {
        if (Settings.Precision != TrainingPrecision.MixedBFloat16)
            return null;
        if (_precisionCheck is null)
        {
            _precisionCheck = CheckPrecision(cancellation);
            if (_precisionCheck.Passed)
                _session.Info($"Mixed precision at {Model.ImageSize} px: bfloat16 convolutions and linear layers, float32 weights, BatchNorm and loss ({_precisionCheck.Reason}).");
            else
                _session.Warning($"Training in float32 although Precision is MixedBFloat16: {_precisionCheck.Reason}.");
        }
        return _precisionCheck.Passed ? BFloat16Weights.For(Model.Network) : null;
    }

    /// <summary>The mixed-precision check on the first training images (at most 8, not augmented).</summary>
    private MixedPrecisionCheck.Result CheckPrecision(CancellationToken cancellation)
    {
        bool instructions = Settings.AllowEmulatedBFloat16 || CpuDescription.HasBFloat16Instructions();
        foreach (var batch in Train.Epoch(0, shuffle: false, augmentation: null, cancellation))
        {
            using (batch)
            using (NewDisposeScope())
            {
                var images = ImageTensorConverter.ToInput(batch, Model.Device, Model.Normalization);
                return MixedPrecisionCheck.Run(Model, images.narrow(0, 0, Math.Min(8, images.shape[0])), instructions);
            }
        }
        return new(false, "there are no training images to check it on");
    }

    /// <summary>
    /// One epoch of (input, targets, rows) on the device, outside any dispose scope: rendered images,
    /// or stored activations when <paramref name="features"/> is given. Training shuffles and augments.
    /// </summary>
    private IEnumerable<(Tensor Input, Tensor Targets, int Count)> Batches(ImageData images, TensorDataset? features, bool training,
        CancellationToken cancellation)
    {
        if (features is not null)
        {
            foreach (var indices in features.BatchIndices(Settings.BatchSize, training ? SampleRandom.For(Settings.Seed, _epochsRun, -1) : null, dropLast: training))
            {
                var (items, targets) = features.GetBatch(indices, Model.Device);
                yield return (items, Task.Targets(targets, Model.Device), indices.Length);
            }
            yield break;
        }
        foreach (var batch in images.Epoch(training ? _epochsRun : 0, shuffle: training, training ? Augmentation : null, cancellation, dropLast: training))
        {
            using (batch)
                yield return (ImageTensorConverter.ToInput(batch, Model.Device, Model.Normalization), Task.Targets(batch.Targets, Model.Device), batch.Count);
        }
    }

    /// <summary>
    /// Mean loss (the training loss function, label smoothing included, as fast.ai validates) and accuracy (multi-label:
    /// of every class decision, fast.ai's <c>accuracy_multi</c>; regression: null) on the validation set, in evaluation
    /// mode; nulls without one.
    /// </summary>
    public (double? Loss, double? Accuracy) Validate(CancellationToken cancellation = default)
    {
        if (Valid is null)
            return (null, null);
        Model.Network.eval();
        using var noGrad = no_grad();
        // Summed on the device and read once at the end: float64 sums of the float32 batch sums (as the host doubles they
        // replace: the same number), an int64 count of right decisions.
        using var lossSum = zeros(1, dtype: float64, device: Model.Device).DetachFromDisposeScope();
        using var right = zeros(1, dtype: int64, device: Model.Device).DetachFromDisposeScope();
        long decisions = 0, seen = 0;
        var forward = _activations.Valid is null ? Model.Network : Model.Network.Classifier;
        var meter = new PhaseMeter("Validating", Valid.Count, "images", _session.Info, PhaseProgress); // long on large sets
        foreach (var (input, targets, count) in Batches(Valid, _activations.Valid, training: false, cancellation))
        {
            using var scope = NewDisposeScope();
            scope.Attach([input, targets]);
            cancellation.ThrowIfCancellationRequested();
            _session.ThrowIfCancelled();
            var outputs = forward.call(input);
            lossSum.add_(Task.Loss(outputs, targets, sum: true, Settings.LabelSmoothing).to(float64), KeptAliveScalars.One);
            if (Task.Decisions(outputs, targets) is { } batch)
            {
                right.add_(batch.Right, KeptAliveScalars.One);
                decisions += batch.Decisions;
            }
            seen += targets.shape[0];
            meter.Advance(count);
        }
        meter.Finish();
        double loss = lossSum.ToDouble();
        long rightTotal = right.ToInt64();
        return (loss / seen, decisions == 0 ? null : (double)rightTotal / decisions);
    }

    /// <summary>
    /// Seconds a whole validation pass takes, from up to <paramref name="batches"/> timed batches after the
    /// reader's warm-up (validation runs in float32 whatever the training precision, so it is timed, not derived
    /// from a training step); 0 without a validation set.
    /// </summary>
    public double EstimateValidationSeconds(int batches, CancellationToken cancellation)
    {
        if (Valid is null)
            return 0;
        Model.Network.eval();
        using var noGrad = no_grad();
        var forward = _activations.Valid is null ? Model.Network : Model.Network.Classifier;
        int warmup = Math.Min(Valid.Prefetch + 1, ValidationBatches - 1), seen = 0;
        var clock = new Stopwatch();
        if (warmup == 0)
            clock.Start();
        foreach (var (input, targets, _) in Batches(Valid, _activations.Valid, training: false, cancellation))
        {
            using (var scope = NewDisposeScope())
            {
                scope.Attach([input, targets]);
                forward.call(input);
            }
            if (++seen == warmup)
                clock.Start();
            if (seen - warmup >= batches)
                break;
        }
        int timed = Math.Max(1, seen - warmup);
        return clock.Elapsed.TotalSeconds / timed * ValidationBatches;
    }

    private int ValidationBatches => Valid is null ? 0 : (Valid.Count + Settings.BatchSize - 1) / Settings.BatchSize;

    /// <summary>The task's predictions (probabilities or values) of the validation images, in evaluation mode, with their targets.</summary>
    public (float[][] Predictions, float[][] Targets) PredictValidation(CancellationToken cancellation = default)
    {
        if (Valid is null)
            return ([], []);
        Model.Network.eval();
        using var noGrad = no_grad();
        var predictions = new List<float[]>();
        var targets = new List<float[]>();
        foreach (var batch in Valid.Epoch(0, shuffle: false, augmentation: null, cancellation))
        {
            using (batch)
            using (NewDisposeScope())
            {
                var outputs = Model.Network.call(ImageTensorConverter.ToInput(batch, Model.Device, Model.Normalization)).cpu().contiguous();
                predictions.AddRange(Task.Predictions(outputs.data<float>().ToArray()));
                targets.AddRange(batch.Targets);
            }
        }
        return ([.. predictions], [.. targets]);
    }

    public bool HasActivations => _activations.IsFilled;

    /// <summary>Renders the training and validation images at <paramref name="size"/> from the next fit on; drops stored activations.</summary>
    public void Resize(int size)
    {
        if (size == Model.ImageSize)
            return;
        Train = Train.Resized(size);
        Valid = Valid?.Resized(size);
        Model.ImageSize = size;
        _precisionCheck = null; // other sizes, other kernels
        DropActivations();
    }

    /// <summary>Forgets precomputed activations (they no longer match the body).</summary>
    public void DropActivations() => _activations.Clear();

    public void Dispose() => _activations.Dispose();
}
