using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Runtime;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>
/// fast.ai's Learner for ML.NET data: a network with its training data and its <see cref="Plan"/>, trained by a
/// recipe (<see cref="Train"/>, <see cref="FineTuneOnStoredActivations"/>, <see cref="FineTune(TrainingPlan?, CancellationToken)"/>,
/// <see cref="Lesson1"/>) or step by step — <see cref="FindLearningRate"/>, <see cref="FitOneCycle"/>, <see cref="Freeze"/> /
/// <see cref="Unfreeze"/>, <see cref="FitSgdr"/> with discriminative <see cref="LearningRates"/> — then turned into an
/// ML.NET transformer with <see cref="ToTransformer"/>. <see cref="FastCnnEstimator"/> runs the plan's recipe on it.
/// </summary>
/// <remarks>
/// The data must already have the image and key-typed label columns named in the
/// <see cref="Options"/> (run the preprocessing part of your pipeline on it first). Each training
/// method takes its own epochs, learning rates and schedule; <see cref="Callbacks"/> run in every fit.
/// </remarks>
public sealed partial class FastCnnLearner : IDisposable
{
    private readonly MLNetSession _session;
    private readonly Options _options;
    private readonly TrainingLoop _loop;
    private readonly List<EpochResult> _history = [];
    private int _disposed;

    private readonly Stopwatch _age;

    private FastCnnLearner(MLNetSession session, Options options, TrainingLoop loop, TrainingPlan plan, Stopwatch age)
    {
        _session = session;
        _options = options;
        _loop = loop;
        _age = age;
        Plan = plan;
        Callbacks = BuiltInCallbacks(options, plan.BatchSize, session.Info).Concat(options.Callbacks).ToList();
    }

    /// <summary>
    /// Checks the data against <paramref name="options"/>, reads the images (and the validation set's),
    /// and creates the network. Every input error is reported here, before any training.
    /// </summary>
    /// <param name="mlContext">The ML.NET context; its log receives the learner's messages and epoch table.</param>
    /// <param name="trainingData">Preprocessed data with the image and key-typed label columns.</param>
    /// <param name="options">The learner's setup; null takes every default.</param>
    /// <param name="cancellationToken">Cancels reading the images (with <see cref="Options.CacheImages"/>) and downloading weights.</param>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or of the wrong type, an option is out of range, or there are fewer than two classes or no usable rows.</exception>
    /// <exception cref="UnreadableImageException">An image cannot be read and <see cref="Options.BadImages"/> is Fail.</exception>
    public static FastCnnLearner Create(MLContext mlContext, IDataView trainingData, Options? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        return Create(mlContext, trainingData, options ?? new Options(), recipe: null, nameof(FastCnnLearner), cancellationToken);
    }

    /// <summary>
    /// Data binding and the plan (the estimator's <paramref name="recipe"/> options in it), then the backbone,
    /// then the learner (frozen when pretrained, as fast.ai's <c>vision_learner</c>).
    /// </summary>
    internal static FastCnnLearner Create(IHostEnvironment environment, IDataView trainingData, Options options, FastCnnOptions? recipe, string name,
        CancellationToken cancellation)
    {
        var age = Stopwatch.StartNew();
        ArgumentNullException.ThrowIfNull(trainingData);
        ArgumentNullException.ThrowIfNull(options);
        options.Check();
        var session = new MLNetSession(environment, name);
        ImageClassifier? classifier = null;
        try
        {
            int seed = options.Seed ?? session.NextSeed();
            var (train, validation, task, plan) = TrainingInput.Bind(trainingData, options, recipe, seed, session.Warning, session.Info, cancellation);
            var device = DeviceSelector.Resolve(options.Device, session.Gpu, session.Warning);
            classifier = BackboneFactory.Create(options, plan.ImageSize, task, device, seed, session.Info, cancellation, session.Warning);
            classifier.Network.SetHeadDropout(options.HeadDropout);
            // The CPU's memory is the machine's, and a batch size the user set is theirs: only a planned size on a GPU is probed.
            int batchSize = device.type == DeviceType.CUDA && options.BatchSize is null
                ? FittingBatchSize(plan.BatchSize, plan.ImageSize, batch => BatchSizeProbe.TrainingStep(classifier.Network, batch, plan.ImageSize, device), session.Warning)
                : plan.BatchSize;
            if (batchSize < plan.BatchSize)
            {
                train = train.WithBatchSize(batchSize);
                validation = validation?.WithBatchSize(batchSize);
            }
            var settings = new LearnerSettings(batchSize, options.Optimizer, options.WeightDecay, options.LabelSmoothing, options.MixUp, seed,
                options.TrainBatchNormWhenFrozen, options.Precision, options.AllowEmulatedBFloat16);
            var learner = new FastCnnLearner(session, options, new TrainingLoop(classifier, train, validation, settings, options.Augmentation, session)
            {
                PrecomputeActivations = options.PrecomputeActivations,
                PhaseProgress = options.PhaseProgress,
            }, plan, age);
            string weights = options.CustomBackbone is not null && options.Weights.IsImageNet ? "its own starting weights" : options.Weights.ToString();
            session.Info($"{classifier.Description} ({weights}) {task.Description} on {device.type}" +
                         $"{(validation is null ? "" : $", {validation.Count} validation images")}, augmentation {(learner.Augmentation is null ? "off" : "on")} until a recipe or you set it.");
            session.Info($"Plan: {plan}.");
            if (task.Kind == ImageTask.Regression && options.Augmentation is null)
                session.Info("Regression augments with flips, quarter turns and lighting (Augmentation.SizeKeeping), which keep a size, a count or a score. " +
                             "If your target changes when an image is flipped, turned or relit (a position, an angle, a brightness), set Learner.Augmentation to Augmentation.None or your own.");
            if (batchSize < plan.BatchSize)
                learner.Callbacks.Add(new GradientAccumulation(plan.BatchSize)); // every optimizer step still averages the plan's rows
            if (learner.IsPretrained)
                learner.Freeze();
            return learner;
        }
        catch
        {
            classifier?.Dispose();
            session.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The <paramref name="planned"/> batch size, or the largest half, quarter… of it whose training step (<paramref name="step"/>) does not run out of
    /// memory, with a warning that says what happened; an error when not even one image fits.
    /// </summary>
    internal static int FittingBatchSize(int planned, int imageSize, Action<int> step, Action<string> warn)
    {
        int batch = BatchSizeProbe.Largest(planned, step) ?? throw new InvalidOperationException(
            $"Not even one {imageSize}-pixel image fits in the GPU's memory for a training step. Set a smaller ImageSize, a smaller architecture, or Device = Cpu.");
        if (batch < planned)
            warn($"A batch of {planned} images of {imageSize} px does not fit in the GPU's memory: training with batches of {batch}, " +
                 $"gradients accumulated over {planned / batch} batches so each optimizer step still averages {planned} images (BatchNorm sees {batch} at a time). " +
                 "Set BatchSize to choose yourself.");
        return batch;
    }

    /// <summary>The callbacks the options ask for, in every fit: divergence guard, epoch table, progress, early stopping, keep-best.</summary>
    private static IEnumerable<LearnerCallback> BuiltInCallbacks(Options options, int batchSize, Action<string> log)
    {
        yield return new DivergenceGuard();
        yield return new EpochReporter(options.Progress);
        yield return new TrainingProgress("Training", batchSize, log, options.PhaseProgress);
        if (options.BatchProgress is { } batchProgress)
            yield return new BatchReporter(batchProgress);
        if (options.EarlyStoppingPatience is { } patience)
            yield return new EarlyStopping(options.Monitor, patience);
        if (options.KeepBestModel)
            yield return new KeepBestModel(options.Monitor);
    }

    /// <summary>
    /// The callbacks of every fit, in the order given (each event runs them by <see cref="LearnerCallback.Order"/>):
    /// the built-in ones the options ask for (<see cref="DivergenceGuard"/>, <see cref="EpochReporter"/>,
    /// <see cref="BatchReporter"/>, <see cref="EarlyStopping"/>, <see cref="KeepBestModel"/>), then
    /// <see cref="Options.Callbacks"/>. Add, remove or replace them between fits.
    /// </summary>
    public IList<LearnerCallback> Callbacks { get; }

    /// <summary>
    /// What the learner's recipes do when called without a plan (<see cref="Train"/>, <see cref="FineTuneOnStoredActivations"/>…),
    /// worked out once from the data and the options when the learner was created, and logged then.
    /// </summary>
    public TrainingPlan Plan { get; }

    /// <summary>Time since the learner's creation began (reading the images included): what a time budget counts.</summary>
    internal TimeSpan Age => _age.Elapsed;

    /// <summary>Writes a line to MLContext's log, on the learner's channel.</summary>
    internal void Log(string message) => _session.Info(message);

    /// <summary>The network being trained (a deliberate seam for tests).</summary>
    internal nn.Module<Tensor, Tensor> Network => _loop.Model.Network;

    /// <summary>Whether the head is trained on stored backbone activations (see <see cref="Options.PrecomputeActivations"/>).</summary>
    internal bool HasPrecomputedActivations => _loop.HasActivations;

    /// <summary>Usable training images (rows with a label; fewer when unreadable images are skipped).</summary>
    public int TrainingImageCount => _loop.Train.Count;

    /// <summary>
    /// Side in pixels of the squares the images are trained, validated and scored at: <see cref="Options.ImageSize"/>
    /// or the images' own size. Set it between fits for progressive resizing (fast.ai: train at a small size,
    /// then go on at a larger one); the next fit and the transformer use the new size, and stored activations
    /// are dropped. With <see cref="Options.CacheImages"/> the cache keeps the images at the size the learner
    /// was created with: larger sizes are rendered from those pixels.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The size is under 16.</exception>
    public int ImageSize
    {
        get => _loop.Model.ImageSize;
        set
        {
            Checks.UserArg(value >= Options.MinImageSize, nameof(ImageSize), $"must be {Options.MinImageSize} or more (was {value})");
            _loop.Resize(value);
        }
    }

    /// <summary>Images per training step: <see cref="Options.BatchSize"/>, or the data-size default.</summary>
    public int BatchSize => _loop.Settings.BatchSize;

    /// <summary>
    /// While frozen and without augmentation, train the head on stored backbone activations (see
    /// <see cref="Options.PrecomputeActivations"/>); switching it off drops them.
    /// </summary>
    public bool PrecomputeActivations
    {
        get => _loop.PrecomputeActivations;
        set => _loop.PrecomputeActivations = value;
    }

    /// <summary>
    /// Keep the body's BatchNorm running statistics as they are while it trains: its BatchNorm layers
    /// run in evaluation mode, their weights still learn (fast.ai v0.7 <c>bn_freeze</c>). Useful after
    /// training the head on precomputed activations, which were computed with those statistics, and with
    /// small batches. Default false.
    /// </summary>
    public bool FreezeBatchNormStatistics
    {
        get => _loop.FreezeBatchNormStatistics;
        set => _loop.FreezeBatchNormStatistics = value;
    }

    /// <summary>Whether the network started from pretrained weights (then it starts frozen, as in fast.ai).</summary>
    public bool IsPretrained => _options.Weights.IsPretrained;

    /// <summary>The network as it really is, e.g. "ResNet18 with 2-2-2-3 blocks (ML.NET's ImageNet ResNet18)".</summary>
    public string NetworkDescription => _loop.Model.Description;

    /// <summary>Number of layer groups (3: stem + stages 1–2, stages 3–4, head; a custom backbone's groups and the head).</summary>
    public int LayerGroupCount => _loop.Groups.Count;

    /// <summary>Whether only the head and the BatchNorm layers train (see <see cref="Freeze"/>).</summary>
    public bool IsFrozen => _loop.Groups.IsFrozen;

    /// <summary>Every epoch trained so far, across calls.</summary>
    public IReadOnlyList<EpochResult> History => _history;

    /// <summary>Trains only the head (and the BatchNorm layers, see <see cref="Options.TrainBatchNormWhenFrozen"/>) from now on (fast.ai <c>freeze</c>).</summary>
    public void Freeze() => _loop.Groups.Freeze(_loop.Settings.TrainBatchNormWhenFrozen);

    /// <summary>Trains every layer from now on (fast.ai <c>unfreeze</c>); precomputed activations are dropped.</summary>
    public void Unfreeze()
    {
        _loop.Groups.Unfreeze();
        _loop.DropActivations();
    }

    /// <summary>
    /// The training augmentation (null or <see cref="Augmentation.None"/>: off). With augmentation on, training
    /// renders the images; stored activations (of un-augmented images) are used again once it is off, until the body trains.
    /// </summary>
    public Augmentation? Augmentation
    {
        get => _loop.Augmentation;
        set
        {
            value?.Check();
            _loop.Augmentation = value;
        }
    }

    /// <summary>
    /// The learning-rate range test (Smith 2015; fast.ai <c>lr_find</c>): trains with a learning
    /// rate growing exponentially from <see cref="LearningRateFinderOptions.StartLearningRate"/> to
    /// <see cref="LearningRateFinderOptions.EndLearningRate"/>, records the smoothed loss, stops when
    /// it explodes, then puts the weights back exactly as they were.
    /// </summary>
    /// <exception cref="OperationCanceledException">Cancelled; the weights are put back too.</exception>
    /// <param name="options">The sweep's settings; null takes fast.ai's.</param>
    /// <param name="callbacks">Callbacks for this test only (<see cref="Callbacks"/> do not run: the test is not a fit).</param>
    /// <param name="cancellationToken">Stops the test within one batch.</param>
    public LearningRateFinderResult FindLearningRate(LearningRateFinderOptions? options = null, IEnumerable<LearnerCallback>? callbacks = null,
        CancellationToken cancellationToken = default)
    {
        options ??= new LearningRateFinderOptions();
        options.Check(nameof(options));
        ThrowIfDisposed();
        var finder = new LearningRateFinderCallback(options, LayerGroupCount);
        _session.Info($"Learning-rate range test: up to {options.Iterations} batches of {BatchSize}, learning rate {options.StartLearningRate:G3} to {options.EndLearningRate:G3}, {(IsFrozen ? "frozen" : "all layers")}.");
        int epochs = options.Iterations / _loop.BatchesPerEpoch + 1;
        var progress = new TrainingProgress("Range test", BatchSize, _session.Info, _options.PhaseProgress, options.Iterations);
        _loop.Fit(this, epochs, (callbacks ?? []).Prepend(progress).Prepend(finder), cancellationToken);
        var result = new LearningRateFinderResult(finder.LearningRates, finder.Losses, options.Iterations);
        _session.Info($"Learning-rate range test ({finder.LearningRates.Count} batches): valley {result.Suggest(LearningRateSuggestion.Valley):G3}, " +
                      $"steep {result.Suggest(LearningRateSuggestion.Steep):G3}, minimum/10 {result.Suggest(LearningRateSuggestion.MinimumDividedBy10):G3}.");
        return result;
    }

    /// <summary>
    /// Seconds an epoch of the current configuration (frozen or not, augmentation, precision, BatchNorm mode) takes,
    /// validation included: <paramref name="steps"/> timed training steps at learning rate 0 (weights put back) after
    /// the reader's warm-up, and a few timed validation batches.
    /// </summary>
    internal double EstimateEpochSeconds(int steps, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        int warmup = _loop.Train.Prefetch + 1;
        var timer = new StepTimer(warmup, steps);
        var rateZero = new ParameterScheduler(new double[LayerGroupCount], LearningRateSchedule.Constant);
        _loop.Fit(this, (warmup + steps) / _loop.BatchesPerEpoch + 1, [rateZero, timer], cancellationToken);
        return timer.SecondsPerStep * _loop.BatchesPerEpoch + _loop.EstimateValidationSeconds(steps, cancellationToken);
    }

    /// <summary>
    /// Trains for <paramref name="epochs"/> epochs with <paramref name="learningRates"/> as the peak
    /// rates of the layer groups, following <paramref name="schedule"/> (fast.ai <c>fit</c>), with
    /// <see cref="Callbacks"/> and <paramref name="callbacks"/> (this fit only, fast.ai <c>cbs=</c>).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="epochs"/> is below 1, or differs from the epochs an SGDR schedule's cycles take.</exception>
    /// <exception cref="TrainingDivergedException">The loss became NaN or infinite; the last good epoch's weights are kept.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; the weights are those after the last completed batch.</exception>
    /// <param name="epochs">Epochs of this fit.</param>
    /// <param name="learningRates">Peak learning rate(s) of the layer groups.</param>
    /// <param name="schedule">How the rates (and momentum) follow training progress.</param>
    /// <param name="callbacks">Callbacks for this fit only, beside <see cref="Callbacks"/>.</param>
    /// <param name="cancellationToken">Cancels the fit between batches.</param>
    /// <param name="resumeFrom">
    /// A checkpoint that <see cref="ModelCheckpoint"/> wrote during this same fit (same epochs, rates,
    /// schedule, data and batch size): the fit restores it and goes on after its last epoch.
    /// </param>
    /// <exception cref="ArgumentException">The checkpoint is from a fit of another shape.</exception>
    /// <exception cref="InvalidDataException">The checkpoint file is damaged or not a checkpoint; the message says how.</exception>
    public IReadOnlyList<EpochResult> Fit(int epochs, LearningRates learningRates, LearningRateSchedule schedule, IEnumerable<LearnerCallback>? callbacks = null,
        CancellationToken cancellationToken = default, string? resumeFrom = null)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        Checks.UserArg(epochs >= 1, nameof(epochs), $"must be 1 or more (was {epochs})");
        Checks.UserArg(schedule.Epochs is null || schedule.Epochs == epochs, nameof(epochs),
            $"must be {schedule.Epochs}, the epochs the SGDR schedule's cycles take (was {epochs}); pass schedule.Epochs or use FitSgdr");
        ThrowIfDisposed();
        var resume = resumeFrom is null ? null : Checkpoint.Read(resumeFrom);
        var peaks = learningRates.ForGroups(LayerGroupCount);
        _session.Info(resume is null
            ? $"Fitting {epochs} epochs, learning rates {learningRates}, {(IsFrozen ? "frozen" : "all layers")}."
            : $"Fitting {epochs} epochs, learning rates {learningRates}, {(IsFrozen ? "frozen" : "all layers")}: resuming after epoch {resume.EpochsDone} from '{Path.GetFullPath(resumeFrom!)}'.");
        var results = _loop.Fit(this, epochs, Callbacks.Concat(callbacks ?? []).Prepend(new ParameterScheduler(peaks, schedule)), cancellationToken, resume);
        _history.AddRange(results);
        return results;
    }

    /// <summary>fast.ai <c>fit_one_cycle</c>: <see cref="Fit"/> with <see cref="LearningRateSchedule.OneCycle"/>'s defaults.</summary>
    public IReadOnlyList<EpochResult> FitOneCycle(int epochs, LearningRates maxLearningRates, CancellationToken cancellationToken = default) =>
        Fit(epochs, maxLearningRates, LearningRateSchedule.OneCycle(), cancellationToken: cancellationToken);

    /// <summary>
    /// fast.ai v0.7's <c>fit(lr, cycles, cycle_len, cycle_mult)</c>: SGDR, cosine annealing with warm
    /// restarts, for cycleLength·(1 + mult + … + mult^(cycles−1)) epochs.
    /// </summary>
    public IReadOnlyList<EpochResult> FitSgdr(int cycles, LearningRates learningRates, int cycleLength = 1, int cycleMultiplier = 2,
        CancellationToken cancellationToken = default)
    {
        var schedule = LearningRateSchedule.Sgdr(cycles, cycleLength, cycleMultiplier);
        return Fit(schedule.Epochs!.Value, learningRates, schedule, cancellationToken: cancellationToken);
    }

    /// <summary>
    /// fast.ai v2's <c>fine_tune</c>: <see cref="Freeze"/>, one cycle of <paramref name="freezeEpochs"/>
    /// at <see cref="LearningRates.Head"/>(<paramref name="baseLearningRate"/>) with a 0.99 warm-up; then
    /// halve the rate, <see cref="Unfreeze"/>, and train <paramref name="epochs"/> epochs from
    /// baseLearningRate/100 (first group) to baseLearningRate (head) with
    /// <paramref name="unfrozenSchedule"/> (default: one-cycle, warm-up 0.3, div 5).
    /// </summary>
    public IReadOnlyList<EpochResult> FineTune(int epochs, double baseLearningRate = 2e-3, int freezeEpochs = 1,
        LearningRateSchedule? unfrozenSchedule = null, CancellationToken cancellationToken = default)
    {
        Checks.UserArg(freezeEpochs >= 0, nameof(freezeEpochs), $"must be 0 or more (was {freezeEpochs})");
        var results = new List<EpochResult>();
        Checks.UserArg(epochs >= 0, nameof(epochs), $"must be 0 or more (was {epochs})");
        if (freezeEpochs > 0)
        {
            Freeze();
            results.AddRange(Fit(freezeEpochs, LearningRates.Head(baseLearningRate), LearningRateSchedule.OneCycle(warmupFraction: 0.99), cancellationToken: cancellationToken));
        }
        if (epochs == 0 && unfrozenSchedule?.Epochs is null)
            return results;
        baseLearningRate /= 2;
        Unfreeze();
        var schedule = unfrozenSchedule ?? LearningRateSchedule.OneCycle(warmupFraction: 0.3, divFactor: 5);
        results.AddRange(Fit(schedule.Epochs ?? epochs, LearningRates.Range(baseLearningRate / 100, baseLearningRate), schedule, cancellationToken: cancellationToken));
        return results;
    }

    /// <summary>Validation loss and accuracy of the current weights, or nulls without a validation set.</summary>
    public (double? Loss, double? Accuracy) Validate(CancellationToken cancellationToken = default) => _loop.Validate(cancellationToken);

    /// <summary>
    /// An ML.NET transformer with a copy of the current network; the learner can go on training.
    /// Append it to your fitted preprocessing (<c>preprocessing.Append(transformer)</c>) to save one model.
    /// </summary>
    /// <param name="scoring">How the model scores (output columns, batch size, test-time augmentation); null takes the defaults.</param>
    public FastCnnTransformer ToTransformer(FastCnnTransformer.Options? scoring = null)
    {
        scoring ??= new FastCnnTransformer.Options();
        scoring.Check();
        ThrowIfDisposed();
        var task = _loop.Model.Task;
        IReadOnlyList<float> thresholds = task is MultiLabelTask multi
            ? scoring.Threshold is { } threshold ? Enumerable.Repeat(threshold, multi.Outputs).ToArray() : TunedThresholds(multi)
            : [];
        var settings = ScoringSettings.From(_options, scoring, task.Kind, _loop.Augmentation, _loop.Settings.Seed) with { Thresholds = thresholds };
        return new FastCnnTransformer(new ScoringModel(_loop.Model.Clone(), settings, _session.ScoringLog));
    }

    /// <summary>Each class's threshold for its best F1 on the validation set (fast.ai users pick one by hand); 0.5 without a validation set.</summary>
    private IReadOnlyList<float> TunedThresholds(MultiLabelTask task)
    {
        if (_loop.Valid is null)
            return Enumerable.Repeat(MultiLabelTask.DefaultThreshold, task.Outputs).ToArray();
        var (probabilities, targets) = _loop.PredictValidation();
        var thresholds = ThresholdTuning.PerClass(probabilities, targets.Select(t => t.Select(v => v > 0.5f).ToArray()).ToArray());
        _session.Info($"Thresholds tuned on the validation set ({targets.Length} images) for each class's best F1: " +
                      string.Join(", ", task.OutputNames.Zip(thresholds, (name, t) => FormattableString.Invariant($"{name} {t:0.00}"))) + ".");
        return thresholds;
    }

    /// <summary>
    /// Writes the network's current weights as a PyTorch state dict (fast.ai's <c>learn.save</c>): Python reads
    /// it with <c>torch.load</c>, and <see cref="PretrainedWeights.FromFile"/> starts another fit from its
    /// backbone. The file appears whole or not at all.
    /// </summary>
    /// <param name="path">The file to write (<c>.pth</c>); replaced if it exists.</param>
    public void SaveWeights(string path)
    {
        ThrowIfDisposed();
        Checks.UserArg(!string.IsNullOrWhiteSpace(path), nameof(path), "must name the file to write");
        var state = _loop.Model.Network.state_dict();
        AtomicFile.Write(path, stream => PyTorchPickler.PickleStateDict(stream, state));
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed != 0, this);

    /// <summary>Frees the network and the decoded images. Calling it again does nothing.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        _loop.Dispose();
        _loop.Model.Dispose();
        _session.Dispose();
    }
}
