using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace ML.FastCnn;

/// <summary>
/// fast.ai's Learner for ML.NET data: a network with its training data, trained step by step —
/// <see cref="FindLearningRate"/>, <see cref="FitOneCycle"/>, <see cref="Freeze"/> /
/// <see cref="Unfreeze"/>, <see cref="FitSgdr"/> with discriminative <see cref="LearningRates"/>,
/// <see cref="FineTune"/> — then turned into an ML.NET transformer with <see cref="ToTransformer"/>.
/// <see cref="FastCnnEstimator"/> runs a default recipe on it; use the learner for your own.
/// </summary>
/// <remarks>
/// The data must already have the image and key-typed label columns named in the options (run
/// the preprocessing part of your pipeline on it first). Options that belong to one call of the
/// estimator (<see cref="FastCnnOptions.Epochs"/>, <see cref="FastCnnOptions.LearningRate"/>,
/// <see cref="FastCnnOptions.Schedule"/>, <see cref="FastCnnOptions.FreezeEpochs"/>) are not used here:
/// each method takes its own.
/// </remarks>
public sealed class FastCnnLearner : IDisposable
{
    private readonly IHost _host;
    private readonly IChannel _channel;
    private readonly FastCnnOptions _options;
    private readonly Learner _learner;
    private readonly List<EpochResult> _history = [];

    private FastCnnLearner(IHost host, IChannel channel, FastCnnOptions options, Learner learner)
    {
        _host = host;
        _channel = channel;
        _options = options;
        _learner = learner;
    }

    /// <summary>
    /// Checks the data against <paramref name="options"/>, reads the images (and the validation set's),
    /// and creates the network. Every input error is reported here, before any training.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or of the wrong type, an option is out of range, or there are fewer than two classes or no usable rows.</exception>
    /// <exception cref="UnreadableImageException">An image cannot be read and <see cref="FastCnnOptions.BadImages"/> is Fail.</exception>
    public static FastCnnLearner Create(MLContext mlContext, IDataView trainingData, FastCnnOptions options)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        return Create(mlContext, trainingData, options, nameof(FastCnnLearner));
    }

    internal static FastCnnLearner Create(IHostEnvironment env, IDataView trainingData, FastCnnOptions options, string name)
    {
        var host = env.Register(name);
        host.CheckValue(trainingData, nameof(trainingData));
        host.CheckValue(options, nameof(options));
        options.Check(host);
        var classNames = TrainingInput.ClassNames(trainingData.Schema, options);
        if (options.ValidationSet is { } valid && valid.Schema.GetColumnOrNull(options.LabelColumnName)?.Type.GetKeyCount() != (ulong)classNames.Count)
        {
            TrainingInput.CheckShape(SchemaShape.Create(valid.Schema), options);
            throw new ArgumentOutOfRangeException(nameof(options),
                $"The validation set's label column '{options.LabelColumnName}' has {valid.Schema[options.LabelColumnName].Type.GetKeyCount()} keys, " +
                $"the training data's has {classNames.Count}. Map both with the same fitted MapValueToKey transformer.");
        }

        var channel = host.Start("Training");
        ImageClassifier? classifier = null;
        try
        {
            var device = DeviceSelector.Resolve(options.Device);
            int seed = options.Seed ?? host.Rand.Next();
            var train = ReadData(trainingData, options, seed, channel, "training data", out int classesSeen);
            if (classesSeen < 2)
                throw new ArgumentOutOfRangeException(nameof(trainingData),
                    $"Only one class found in the label column '{options.LabelColumnName}' of the training data. " +
                    "To build a multiclass classification model, the number of classes needs to be 2 or greater.");
            var validation = options.ValidationSet is { } v ? ReadData(v, options, seed, channel, "validation set", out _) : null;

            classifier = BackboneFactory.Create(options, classNames, device, seed, channel, options.CancellationToken);
            var settings = new LearnerSettings(options.BatchSize, options.Optimizer, options.WeightDecay, options.LabelSmoothing, seed,
                options.PrecomputeActivations, options.TrainBatchNormWhenFrozen);
            channel.Info($"{options.Architecture} ({options.Weights}) for {classNames.Count} classes at {options.ImageSize}px on {device.type}: " +
                         $"{train.Count} training images{(validation is null ? "" : $", {validation.Count} validation images")}" +
                         $"{(options.CacheImages ? ", cached" : "")}, augmentation {(options.Augmentation is null ? "off" : "on")}.");
            var learner = new FastCnnLearner(host, channel, options, new Learner(classifier, train, validation, settings, options.Augmentation, host));
            if (learner.IsPretrained)
                learner.Freeze(); // fast.ai's vision_learner starts with the pretrained body frozen
            return learner;
        }
        catch
        {
            classifier?.Dispose();
            channel.Dispose();
            throw;
        }
    }

    /// <summary>Checks the labels (one pass, no decoding) and sets up the data's batches; reads all images now when caching.</summary>
    private static ImageData ReadData(IDataView data, FastCnnOptions options, int seed, IChannel channel, string what, out int classes)
    {
        var image = ImageColumn.Bind(data.Schema, options.ImageColumnName, options.ImagePathColumnName);
        var label = data.Schema[options.LabelColumnName];
        (int rows, classes) = TrainingInput.CountLabels(data, label, what);
        var streamed = new ImageData(new DataViewImageRows(data, image, label, rows, shufflePool: Math.Max(1024, 8 * options.BatchSize)),
            options.ImageSize, options.BatchSize, options.PrefetchBatches, seed, options.BadImages, channel, what);
        return options.CacheImages ? streamed.Cached(options.CancellationToken) : streamed;
    }

    /// <summary>The training-loop core (for tests and the estimator).</summary>
    internal Learner Core => _learner;

    /// <summary>Whether the head is trained on stored backbone activations (see <see cref="FastCnnOptions.PrecomputeActivations"/>).</summary>
    internal bool HasPrecomputedActivations => _learner.HasFeatures;

    /// <summary>Whether the network started from pretrained weights (then it starts frozen, as in fast.ai).</summary>
    public bool IsPretrained => _options.Weights.IsPretrained;

    /// <summary>Number of layer groups (3: stem + stages 1–2, stages 3–4, head).</summary>
    public int LayerGroupCount => _learner.Groups.Count;

    /// <summary>Whether only the head and the BatchNorm layers train (see <see cref="Freeze"/>).</summary>
    public bool IsFrozen => _learner.Groups.IsFrozen;

    /// <summary>Every epoch trained so far, across calls.</summary>
    public IReadOnlyList<EpochResult> History => _history;

    /// <summary>Trains only the head (and the BatchNorm layers, see <see cref="FastCnnOptions.TrainBatchNormWhenFrozen"/>) from now on (fast.ai <c>freeze</c>).</summary>
    public void Freeze() => _learner.Groups.Freeze(_learner.Settings.TrainBatchNormWhenFrozen);

    /// <summary>Trains every layer from now on (fast.ai <c>unfreeze</c>); precomputed activations are dropped.</summary>
    public void Unfreeze()
    {
        _learner.Groups.Unfreeze();
        _learner.DropFeatures();
    }

    /// <summary>
    /// The training augmentation (null: off). Setting it drops precomputed activations; with
    /// augmentation on, training always renders the images.
    /// </summary>
    public Augmentation? Augmentation
    {
        get => _learner.Augmentation;
        set
        {
            value?.Check();
            _learner.Augmentation = value;
        }
    }

    /// <summary>
    /// The learning-rate range test (Smith 2015; fast.ai <c>lr_find</c>): trains with a learning
    /// rate growing exponentially from <see cref="LearningRateFinderOptions.StartLearningRate"/> to
    /// <see cref="LearningRateFinderOptions.EndLearningRate"/>, records the smoothed loss, stops when
    /// it explodes, then puts the weights back exactly as they were.
    /// </summary>
    /// <exception cref="OperationCanceledException">Cancelled; the weights are put back too.</exception>
    public LearningRateFinderResult FindLearningRate(LearningRateFinderOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new LearningRateFinderOptions();
        _host.CheckUserArg(options.StartLearningRate > 0 && options.EndLearningRate > options.StartLearningRate, nameof(options),
            $"needs 0 < StartLearningRate < EndLearningRate (were {options.StartLearningRate} and {options.EndLearningRate})");
        _host.CheckUserArg(options.Iterations >= 2, nameof(options), $"Iterations must be 2 or more (was {options.Iterations})");

        var finder = new LearningRateFinderCallback(options);
        int epochs = options.Iterations / _learner.BatchesPerEpoch + 1;
        var peaks = Enumerable.Repeat(options.StartLearningRate, LayerGroupCount).ToArray();
        _learner.Fit(epochs, peaks, LearningRateSchedule.Constant, [finder], cancellationToken);
        var result = new LearningRateFinderResult(finder.LearningRates, finder.Losses, options.Iterations);
        _channel.Info($"Learning-rate range test ({finder.LearningRates.Count} batches): valley {result.Suggest(LearningRateSuggestion.Valley):G3}, " +
                      $"steep {result.Suggest(LearningRateSuggestion.Steep):G3}, minimum/10 {result.Suggest(LearningRateSuggestion.MinimumDividedBy10):G3}.");
        return result;
    }

    /// <summary>
    /// Trains for <paramref name="epochs"/> epochs with <paramref name="learningRates"/> as the peak
    /// rates of the layer groups, following <paramref name="schedule"/> (fast.ai <c>fit</c>).
    /// </summary>
    /// <exception cref="TrainingDivergedException">The loss became NaN or infinite; the last good epoch's weights are kept.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; the weights are those after the last completed batch.</exception>
    public IReadOnlyList<EpochResult> Fit(int epochs, LearningRates learningRates, LearningRateSchedule schedule, CancellationToken cancellationToken = default)
    {
        _host.CheckValue(schedule, nameof(schedule));
        _host.CheckUserArg(epochs >= 1, nameof(epochs), $"must be 1 or more (was {epochs})");
        var peaks = learningRates.ForGroups(LayerGroupCount);
        _channel.Info($"Fitting {epochs} epochs, learning rates {learningRates}, {(IsFrozen ? "frozen" : "all layers")}.");

        var callbacks = new List<ILearnerCallback> { new DivergenceGuard(), new EpochReporter(_channel.Info, _options.Progress) };
        if (_options.BatchProgress is { } batchProgress)
            callbacks.Add(new BatchReporter(batchProgress));
        if (_options.EarlyStoppingPatience is { } patience)
            callbacks.Add(new EarlyStopping(_options.Monitor, patience, _channel.Info));
        if (_options.KeepBestModel)
            callbacks.Add(new KeepBestModel(_options.Monitor, _channel.Info));
        var results = _learner.Fit(epochs, peaks, schedule, callbacks, cancellationToken);
        _history.AddRange(results);
        return results;
    }

    /// <summary>fast.ai <c>fit_one_cycle</c>: <see cref="Fit"/> with <see cref="LearningRateSchedule.OneCycle"/>'s defaults.</summary>
    public IReadOnlyList<EpochResult> FitOneCycle(int epochs, LearningRates maxLearningRates, CancellationToken cancellationToken = default) =>
        Fit(epochs, maxLearningRates, LearningRateSchedule.OneCycle(), cancellationToken);

    /// <summary>
    /// fast.ai v0.7's <c>fit(lr, cycles, cycle_len, cycle_mult)</c>: SGDR, cosine annealing with warm
    /// restarts, for cycleLength·(1 + mult + … + mult^(cycles−1)) epochs.
    /// </summary>
    public IReadOnlyList<EpochResult> FitSgdr(int cycles, LearningRates learningRates, int cycleLength = 1, int cycleMultiplier = 2,
        CancellationToken cancellationToken = default)
    {
        var schedule = LearningRateSchedule.Sgdr(cycles, cycleLength, cycleMultiplier);
        return Fit(schedule.Epochs!.Value, learningRates, schedule, cancellationToken);
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
        _host.CheckUserArg(freezeEpochs >= 0, nameof(freezeEpochs), $"must be 0 or more (was {freezeEpochs})");
        var results = new List<EpochResult>();
        if (freezeEpochs > 0)
        {
            Freeze();
            results.AddRange(Fit(freezeEpochs, LearningRates.Head(baseLearningRate), LearningRateSchedule.OneCycle(warmupFraction: 0.99), cancellationToken));
        }
        baseLearningRate /= 2;
        Unfreeze();
        var schedule = unfrozenSchedule ?? LearningRateSchedule.OneCycle(warmupFraction: 0.3, divFactor: 5);
        results.AddRange(Fit(schedule.Epochs ?? epochs, LearningRates.Range(baseLearningRate / 100, baseLearningRate), schedule, cancellationToken));
        return results;
    }

    /// <summary>Validation loss and accuracy of the current weights, or nulls without a validation set.</summary>
    public (double? Loss, double? Accuracy) Validate(CancellationToken cancellationToken = default) => _learner.Validate(cancellationToken);

    /// <summary>
    /// An ML.NET transformer with a copy of the current network; the learner can go on training.
    /// Append it to your fitted preprocessing (<c>preprocessing.Append(transformer)</c>) to save one model.
    /// </summary>
    public FastCnnTransformer ToTransformer() =>
        new(_host, _learner.Model.Clone(), ScoringSettings.From(_options, _learner.Augmentation));

    /// <summary>Frees the network and the decoded images.</summary>
    public void Dispose()
    {
        _learner.Dispose();
        _learner.Model.Dispose();
        _channel.Dispose();
    }
}
