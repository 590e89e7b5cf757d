using Microsoft.ML;
using Microsoft.ML.Runtime;

namespace ML.FastCnn;

/// <summary>
/// Options of the FastCnn image-classification trainer, used by
/// <see cref="FastCnn.Train(MLContext, FastCnnOptions)"/> and
/// <c>mlContext.MulticlassClassification.Trainers.FastCnn(options)</c>.
/// </summary>
public sealed class FastCnnOptions
{
    /// <summary>Default values of the options, shared by the catalog's simple overload.</summary>
    public static class Defaults
    {
        /// <summary>Default <see cref="LabelColumnName"/>: "Label".</summary>
        public const string LabelColumnName = "Label";

        /// <summary>Default <see cref="ImageColumnName"/>: "Image".</summary>
        public const string ImageColumnName = "Image";

        /// <summary>Default <see cref="ImagePathColumnName"/>: "ImagePath".</summary>
        public const string ImagePathColumnName = "ImagePath";

        /// <summary>Default <see cref="ScoreColumnName"/>: "Score".</summary>
        public const string ScoreColumnName = "Score";

        /// <summary>Default <see cref="PredictedLabelColumnName"/>: "PredictedLabel".</summary>
        public const string PredictedLabelColumnName = "PredictedLabel";

        /// <summary>Default <see cref="Architecture"/>: ResNet-34, as in fast.ai's lesson 1.</summary>
        public const ResNetArchitecture Architecture = ResNetArchitecture.ResNet34;

        /// <summary>Default <see cref="ImageSize"/>: 224 pixels, the ImageNet size.</summary>
        public const int ImageSize = 224;

        /// <summary>Default <see cref="BatchSize"/>: 64, fast.ai's default.</summary>
        public const int BatchSize = 64;

        /// <summary>Default <see cref="ScoringBatchSize"/>: 64.</summary>
        public const int ScoringBatchSize = 64;

        /// <summary>Default <see cref="Epochs"/>: 5.</summary>
        public const int Epochs = 5;

        /// <summary>Default <see cref="FreezeEpochs"/>: 1, as fast.ai's <c>fine_tune</c>.</summary>
        public const int FreezeEpochs = 1;

        /// <summary>Default <see cref="WeightDecay"/>: 0.01, fast.ai's decoupled weight decay.</summary>
        public const double WeightDecay = 0.01;
    }

    /// <summary>Name of the key-typed label column (use <c>MapValueToKey</c> on text labels). Default "Label".</summary>
    public string LabelColumnName { get; set; } = Defaults.LabelColumnName;

    /// <summary>
    /// Name of the image column: an <c>MLImage</c> from <c>LoadImages</c>, or encoded image bytes
    /// (<c>VBuffer&lt;byte&gt;</c>) from <c>LoadRawImageBytes</c>. Default "Image".
    /// </summary>
    public string ImageColumnName { get; set; } = Defaults.ImageColumnName;

    /// <summary>
    /// Name of a text column holding each image's path, used only to name the file in error messages
    /// when an image cannot be read; ignored when the input has no such column. Default "ImagePath".
    /// </summary>
    public string? ImagePathColumnName { get; set; } = Defaults.ImagePathColumnName;

    /// <summary>Name of the output column of class probabilities. Default "Score".</summary>
    public string ScoreColumnName { get; set; } = Defaults.ScoreColumnName;

    /// <summary>Name of the output key column holding the most probable class. Default "PredictedLabel".</summary>
    public string PredictedLabelColumnName { get; set; } = Defaults.PredictedLabelColumnName;

    /// <summary>The network. Default <see cref="ResNetArchitecture.ResNet34"/>.</summary>
    public ResNetArchitecture Architecture { get; set; } = Defaults.Architecture;

    /// <summary>
    /// Starting weights of the network. Default <see cref="PretrainedWeights.ImageNet"/>: fast.ai's
    /// transfer learning (frozen backbone first, see <see cref="FreezeEpochs"/>). A missing ImageNet
    /// file is an error, never a silent fall-back to random weights; ask for those with
    /// <see cref="PretrainedWeights.None"/>.
    /// </summary>
    public PretrainedWeights Weights { get; set; } = PretrainedWeights.ImageNet;

    /// <summary>
    /// Folder of downloaded ImageNet weight files. Default <see langword="null"/>: the environment
    /// variable <c>FASTCNN_CACHE</c>, else <c>~/.cache/ml-fastcnn/weights</c> (Windows:
    /// <c>%LOCALAPPDATA%\ml-fastcnn\weights</c>).
    /// </summary>
    public string? WeightsCacheFolder { get; set; }

    /// <summary>
    /// Never touch the network: ImageNet files must already be in the cache. Default: true when the
    /// environment variable <c>FASTCNN_OFFLINE</c> is 1, true or yes.
    /// </summary>
    public bool Offline { get; set; } = WeightsCache.OfflineFromEnvironment();

    /// <summary>Base address to download ImageNet weight files from instead of download.pytorch.org (a mirror). Default none.</summary>
    public Uri? WeightsMirror { get; set; }

    /// <summary>Receives progress while an ImageNet weight file downloads. Default none (the log still says when it starts and ends).</summary>
    public IProgress<DownloadProgress>? DownloadProgress { get; set; }

    /// <summary>
    /// Side in pixels of the square the images are resized to (bilinear, aspect ratio not kept),
    /// 16 or more. Default 224. Small sizes (32–64) train much faster on a CPU.
    /// </summary>
    public int ImageSize { get; set; } = Defaults.ImageSize;

    /// <summary>Images per training step, 1 or more. Default 64 (fast.ai <c>bs</c>).</summary>
    public int BatchSize { get; set; } = Defaults.BatchSize;

    /// <summary>Images per forward pass when the trained model scores data, 1 or more. Default 64.</summary>
    public int ScoringBatchSize { get; set; } = Defaults.ScoringBatchSize;

    /// <summary>Passes over the training data, 1 or more. Default 5.</summary>
    public int Epochs { get; set; } = Defaults.Epochs;

    /// <summary>
    /// Peak learning rate (the head's; fast.ai <c>lr_max</c> / <c>base_lr</c>), greater than 0.
    /// Default <see langword="null"/>: the trainer runs the learning-rate range test first and uses
    /// its <see cref="LearningRateSuggestion.Valley"/> suggestion (both are logged).
    /// </summary>
    public double? LearningRate { get; set; }

    /// <summary>Settings of the automatic range test when <see cref="LearningRate"/> is null. Default: fast.ai's.</summary>
    public LearningRateFinderOptions LearningRateFinder { get; set; } = new();

    /// <summary>
    /// How the learning rate and momentum change over training. Default <see langword="null"/>:
    /// fast.ai's one-cycle (<see cref="LearningRateSchedule.OneCycle"/>; in fine-tuning, the
    /// unfrozen phase uses fast.ai <c>fine_tune</c>'s warm-up 0.3 and div 5). An SGDR schedule fixes
    /// the number of epochs itself.
    /// </summary>
    public LearningRateSchedule? Schedule { get; set; }

    /// <summary>
    /// Epochs with the pretrained backbone frozen before all layers train (fast.ai
    /// <c>fine_tune(freeze_epochs)</c>), 0 or more; used only with pretrained weights. Default 1.
    /// </summary>
    public int FreezeEpochs { get; set; } = Defaults.FreezeEpochs;

    /// <summary>
    /// While frozen, keep training the BatchNorm layers of the backbone (fast.ai <c>train_bn</c>).
    /// False: the frozen backbone stays entirely as it is, in evaluation mode — what
    /// <see cref="PrecomputeActivations"/> computes once. Default true.
    /// </summary>
    public bool TrainBatchNormWhenFrozen { get; set; } = true;

    /// <summary>The optimizer. Default <see cref="OptimizerKind.AdamW"/> (fast.ai's default; β = (0.9, 0.99), ε = 1e-5).</summary>
    public OptimizerKind Optimizer { get; set; } = OptimizerKind.AdamW;

    /// <summary>Weight decay, 0 or more: decoupled for AdamW, L2 for SGD. Default 0.01 (fast.ai <c>wd</c>).</summary>
    public double WeightDecay { get; set; } = Defaults.WeightDecay;

    /// <summary>Label smoothing ε of the cross-entropy loss, in [0, 1). Default 0 (fast.ai's <c>LabelSmoothingCrossEntropy</c> uses 0.1).</summary>
    public double LabelSmoothing { get; set; }

    /// <summary>
    /// Stop when <see cref="Monitor"/> has not improved for this many epochs, 1 or more; needs a
    /// <see cref="ValidationSet"/>. Default <see langword="null"/>: never stop early.
    /// </summary>
    public int? EarlyStoppingPatience { get; set; }

    /// <summary>
    /// At the end of training, go back to the weights of the epoch with the best <see cref="Monitor"/>;
    /// needs a <see cref="ValidationSet"/>. Default false.
    /// </summary>
    public bool KeepBestModel { get; set; }

    /// <summary>The validation measure early stopping and keep-best watch. Default <see cref="TrainingMetric.ValidLoss"/>.</summary>
    public TrainingMetric Monitor { get; set; } = TrainingMetric.ValidLoss;

    /// <summary>
    /// Cancels training (and the automatic range test) within one batch: <c>Fit</c> then throws
    /// <see cref="OperationCanceledException"/> and no model is returned. Default: none.
    /// </summary>
    public CancellationToken CancellationToken { get; set; }

    /// <summary>Receives the loss after every training batch, for progress bars. Default none.</summary>
    public IProgress<BatchProgress>? BatchProgress { get; set; }

    /// <summary>Receives every epoch's row of the epoch table (also written to MLContext's log). Default none.</summary>
    public IProgress<EpochResult>? Progress { get; set; }

    /// <summary>
    /// Seed of weight initialisation and shuffling. Default <see langword="null"/>: drawn from the
    /// <c>MLContext</c>'s random source, so <c>new MLContext(seed: n)</c> makes training repeatable.
    /// </summary>
    public int? Seed { get; set; }

    /// <summary>Where to train and score. Default <see cref="ComputeDevice.Auto"/>.</summary>
    public ComputeDevice Device { get; set; } = ComputeDevice.Auto;

    /// <summary>
    /// Optional data scored after every epoch (loss and accuracy in the log). Must have the same
    /// image and label columns as the training data. Default <see langword="null"/>.
    /// </summary>
    public IDataView? ValidationSet { get; set; }

    /// <summary>
    /// Random changes made to each training image, each drawn for that image (see the presets
    /// <see cref="ML.FastCnn.Augmentation.SideOn"/> and <see cref="ML.FastCnn.Augmentation.TopDown"/>). Default
    /// <see langword="null"/>: off.
    /// </summary>
    public Augmentation? Augmentation { get; set; }

    /// <summary>
    /// Decode every image once and keep it in memory at <see cref="ImageSize"/> (4·S² bytes per
    /// image: 200 KB at 224 px) instead of reading the files every epoch; also finds unreadable
    /// images before training starts. Default false: images stream through worker threads.
    /// </summary>
    public bool CacheImages { get; set; }

    /// <summary>Batches prepared ahead of the training step (and of scoring) on background threads, 1 or more. Default 2.</summary>
    public int PrefetchBatches { get; set; } = 2;

    /// <summary>
    /// While the backbone is frozen and augmentation is off, compute its activations once and
    /// train the head on them (fast.ai v0.7 <c>precompute=True</c>): much faster epochs; only the
    /// head trains (BatchNorm stays as it is). Dropped automatically on unfreeze or when
    /// augmentation is switched on. Default false.
    /// </summary>
    public bool PrecomputeActivations { get; set; }

    /// <summary>
    /// Test-time augmentation: the trained model scores each image and this many augmented views
    /// of it and averages the probabilities (fast.ai's <c>TTA</c>; it uses 4). The views use the
    /// training <see cref="Augmentation"/>, or <see cref="ML.FastCnn.Augmentation.SideOn"/> when training had none. 0 or
    /// more. Default 0: off. Change it on a trained model with <see cref="FastCnnTransformer.WithTestTimeAugmentation"/>.
    /// </summary>
    public int TestTimeAugmentation { get; set; }

    /// <summary>What to do with images that cannot be read. Default <see cref="BadImagePolicy.Fail"/>.</summary>
    public BadImagePolicy BadImages { get; set; } = BadImagePolicy.Fail;

    /// <summary>Checks every option's range; messages name the option, the rule and the value.</summary>
    internal void Check(IExceptionContext host)
    {
        host.CheckUserArg(!string.IsNullOrWhiteSpace(LabelColumnName), nameof(LabelColumnName), "must name the label column");
        host.CheckUserArg(!string.IsNullOrWhiteSpace(ImageColumnName), nameof(ImageColumnName), "must name the image column");
        host.CheckUserArg(!string.IsNullOrWhiteSpace(ScoreColumnName), nameof(ScoreColumnName), "must name the output column");
        host.CheckUserArg(!string.IsNullOrWhiteSpace(PredictedLabelColumnName), nameof(PredictedLabelColumnName), "must name the output column");
        host.CheckUserArg(Weights is not null, nameof(Weights), "must not be null: use PretrainedWeights.None for random weights");
        host.CheckUserArg(Enum.IsDefined(Architecture), nameof(Architecture), $"must be ResNet18, ResNet34 or ResNet50 (was {Architecture})");
        host.CheckUserArg(ImageSize >= 16, nameof(ImageSize), $"must be 16 or more (was {ImageSize})");
        host.CheckUserArg(BatchSize >= 1, nameof(BatchSize), $"must be 1 or more (was {BatchSize})");
        host.CheckUserArg(ScoringBatchSize >= 1, nameof(ScoringBatchSize), $"must be 1 or more (was {ScoringBatchSize})");
        host.CheckUserArg(Epochs >= 1, nameof(Epochs), $"must be 1 or more (was {Epochs})");
        host.CheckUserArg(LearningRate is null || (LearningRate > 0 && double.IsFinite(LearningRate.Value)), nameof(LearningRate),
            $"must be a positive number, or null to run the range test (was {LearningRate})");
        host.CheckUserArg(LearningRateFinder is not null, nameof(LearningRateFinder), "must not be null");
        host.CheckUserArg(LearningRateFinder!.StartLearningRate > 0 && LearningRateFinder.EndLearningRate > LearningRateFinder.StartLearningRate,
            nameof(LearningRateFinder), $"needs 0 < StartLearningRate < EndLearningRate (were {LearningRateFinder.StartLearningRate} and {LearningRateFinder.EndLearningRate})");
        host.CheckUserArg(LearningRateFinder.Iterations >= 2, nameof(LearningRateFinder), $"Iterations must be 2 or more (was {LearningRateFinder.Iterations})");
        host.CheckUserArg(PrefetchBatches >= 1, nameof(PrefetchBatches), $"must be 1 or more (was {PrefetchBatches})");
        host.CheckUserArg(TestTimeAugmentation >= 0, nameof(TestTimeAugmentation), $"must be 0 or more (was {TestTimeAugmentation})");
        Augmentation?.Check();
        host.CheckUserArg(FreezeEpochs >= 0, nameof(FreezeEpochs), $"must be 0 or more (was {FreezeEpochs})");
        host.CheckUserArg(Enum.IsDefined(Optimizer), nameof(Optimizer), $"must be AdamW or Sgd (was {Optimizer})");
        host.CheckUserArg(WeightDecay >= 0 && double.IsFinite(WeightDecay), nameof(WeightDecay), $"must be 0 or more (was {WeightDecay})");
        host.CheckUserArg(LabelSmoothing is >= 0 and < 1, nameof(LabelSmoothing), $"must be in [0, 1) (was {LabelSmoothing})");
        host.CheckUserArg(EarlyStoppingPatience is null or >= 1, nameof(EarlyStoppingPatience), $"must be 1 or more, or null (was {EarlyStoppingPatience})");
        host.CheckUserArg(ValidationSet is not null || (EarlyStoppingPatience is null && !KeepBestModel), nameof(ValidationSet),
            "is needed by EarlyStoppingPatience and KeepBestModel: give a validation set or turn them off");
    }
}
