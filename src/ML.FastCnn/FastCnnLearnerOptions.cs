using Microsoft.ML;

namespace ML.FastCnn;

public sealed partial class FastCnnLearner
{
    /// <summary>
    /// What a learner is made of and keeps for all its fits: the data's columns, the network and its
    /// starting weights, the input pipeline, the optimizer, validation and the callbacks of every fit.
    /// Read by <see cref="Create(MLContext, IDataView, Options?, CancellationToken)"/>; the recipe (epochs, learning rates, schedules) is each method's
    /// arguments, and scoring settings are <see cref="FastCnnTransformer.Options"/>.
    /// </summary>
    public sealed class Options
    {
        /// <summary>
        /// Name of the label column. Default "Label". A key for one class per image (<c>MapValueToKey</c> on text labels); a vector
        /// of keys (<c>MapValueToKey</c> over a <c>string[]</c> column) or of booleans for multi-label; <see cref="float"/> values
        /// (or a vector of them) for regression. See <see cref="Task"/>.
        /// </summary>
        public string LabelColumnName { get; set; } = FastCnnOptions.Defaults.LabelColumnName;

        /// <summary>
        /// What the network learns to predict. Default <see cref="ImageTask.Auto"/>: from the label column's type (a key:
        /// single-label; a vector of keys or booleans: multi-label; <see cref="float"/>s: regression). Set
        /// <see cref="ImageTask.MultiLabel"/> for a vector of 0/1 floats; a label that cannot train the task asked for is an error
        /// that says what to change.
        /// </summary>
        public ImageTask Task { get; set; } = ImageTask.Auto;

        /// <summary>
        /// Regression: keep predictions within this range with a scaled sigmoid (fast.ai's <c>y_range</c>; make it a little
        /// wider than the targets' range). Default <see langword="null"/>: a linear output, trained on targets scaled by their
        /// mean and standard deviation.
        /// </summary>
        public ValueRange? YRange { get; set; }

        /// <summary>Regression: the loss. Default <see cref="ML.FastCnn.RegressionLoss.MeanSquaredError"/>.</summary>
        public RegressionLoss RegressionLoss { get; set; } = RegressionLoss.MeanSquaredError;

        /// <summary>
        /// Name of the image column: an <c>MLImage</c> from <c>LoadImages</c>, or encoded image bytes
        /// (<c>VBuffer&lt;byte&gt;</c>) from <c>LoadRawImageBytes</c>. Default "Image".
        /// </summary>
        public string ImageColumnName { get; set; } = FastCnnOptions.Defaults.ImageColumnName;

        /// <summary>
        /// Name of a text column holding each image's path: named in error messages when an image cannot be read, and
        /// with <c>LoadImages</c>, the file is checked for damage and, once its decoding matched LoadImages' on the first
        /// rows, read and decoded on the pipeline's worker threads instead of the cursor's; ignored when the input has no
        /// such column. Default "ImagePath".
        /// </summary>
        public string? ImagePathColumnName { get; set; } = FastCnnOptions.Defaults.ImagePathColumnName;

        /// <summary>
        /// The network. Default <see cref="CnnArchitecture.ResNet34"/>. With
        /// <see cref="PretrainedWeights.ImageNet"/>, ResNet18 is ML.NET's offline ImageNet ResNet18, whose
        /// last stage has 3 blocks (2-2-2-3; TorchVision's has 2): the log, the transformer's
        /// <see cref="FastCnnTransformer.NetworkDescription"/> and the saved model say so.
        /// </summary>
        public CnnArchitecture Architecture { get; set; } = FastCnnOptions.Defaults.Architecture;

        /// <summary>
        /// A network body of your own, trained in place of <see cref="Architecture"/> (which is then ignored). Default
        /// <see langword="null"/>: the built-in architecture. <see cref="Weights"/> then means: <see cref="PretrainedWeights.ImageNet"/>
        /// (the default), the backbone's own starting weights (<see cref="ML.FastCnn.CustomBackbone.WeightsFile"/> or
        /// <see cref="ML.FastCnn.CustomBackbone.LoadWeights"/>; the learner starts frozen); <see cref="PretrainedWeights.FromFile"/>, a
        /// state dict of the body; <see cref="PretrainedWeights.None"/>, random weights. To load the trained model, an
        /// application first calls <see cref="FastCnn.RegisterBackbone"/> with the same definition.
        /// </summary>
        public CustomBackbone? CustomBackbone { get; set; }

        /// <summary>
        /// The classification head. Default <see cref="ClassifierHead.Fastai"/>: fast.ai's <c>create_head</c>
        /// (concat pooling, BatchNorm, dropout, a 512-unit hidden layer); <see cref="ClassifierHead.Linear"/>
        /// is TorchVision's single <c>fc</c>.
        /// </summary>
        public ClassifierHead Head { get; set; } = ClassifierHead.Fastai;

        /// <summary>
        /// Starting weights of the network. Default <see cref="PretrainedWeights.ImageNet"/>: fast.ai's
        /// transfer learning (the learner starts frozen). A missing ImageNet file is an error, never a
        /// silent fall-back to random weights; ask for those with <see cref="PretrainedWeights.None"/>.
        /// </summary>
        public PretrainedWeights Weights { get; set; } = PretrainedWeights.ImageNet;

        /// <summary>
        /// Folder of downloaded ImageNet weight files. Default <see langword="null"/>:
        /// <see cref="FastCnn.DefaultWeightsCacheFolder"/> (the environment variable <c>FASTCNN_CACHE</c>,
        /// else a per-user cache folder).
        /// </summary>
        public string? WeightsCacheFolder { get; set; }

        /// <summary>
        /// Never touch the network: ImageNet files must already be in the cache. Default
        /// <see langword="null"/>: offline when the environment variable <c>FASTCNN_OFFLINE</c> is 1,
        /// true or yes (read when the learner is created).
        /// </summary>
        public bool? Offline { get; set; }

        /// <summary>Base address to download ImageNet weight files from instead of download.pytorch.org (a mirror). Default none.</summary>
        public Uri? WeightsMirror { get; set; }

        /// <summary>Receives progress while an ImageNet weight file downloads. Default none (the log still says when it starts and ends).</summary>
        public IProgress<DownloadProgress>? DownloadProgress { get; set; }

        /// <summary>
        /// Side in pixels of the square the images are resized to (bicubic; the aspect ratio kept or not by <see cref="Resize"/>),
        /// 16 or more. Default <see langword="null"/>: the images' own size — the median shorter side of the
        /// first images, rounded up to a multiple of 32, between 64 and 224 (ImageNet's size): training
        /// costs grow with its square, and upscaling small images past that added little for single-label sets.
        /// Multi-label and regression upscale smaller images to 160: their answers lie in details (measured, docs/benchmarks.md).
        /// </summary>
        public int? ImageSize { get; set; }

        /// <summary>The smallest image side the library trains at (its checks of every size option share it).</summary>
        internal const int MinImageSize = 16;

        /// <summary>
        /// Images per training step, 1 or more (fast.ai <c>bs</c>). Default <see langword="null"/>: from the
        /// number of training images (<see cref="TrainingPlan.For"/>: 16 for a few hundred, 64 for a few
        /// thousand, 128 for tens of thousands).
        /// </summary>
        public int? BatchSize { get; set; }

        /// <summary>
        /// Dropout of the fast.ai head (<see cref="ClassifierHead.Fastai"/>), fast.ai's <c>ps</c>: this before the last layer,
        /// half of it before the hidden one, in [0, 1). Default 0.5, fast.ai's. Training only; other heads have no dropout.
        /// </summary>
        public double HeadDropout { get; set; } = 0.5;

        /// <summary>The optimizer. Default <see cref="OptimizerKind.AdamW"/> (fast.ai's default; β = (0.9, 0.99), ε = 1e-5).</summary>
        public OptimizerKind Optimizer { get; set; } = OptimizerKind.AdamW;

        /// <summary>Weight decay, 0 or more: decoupled for AdamW, L2 for SGD. Default 0.01 (fast.ai <c>wd</c>).</summary>
        public double WeightDecay { get; set; } = FastCnnOptions.Defaults.WeightDecay;

        /// <summary>Label smoothing ε of the cross-entropy loss, in [0, 1). Default 0 (fast.ai's <c>LabelSmoothingCrossEntropy</c> uses 0.1).</summary>
        public double LabelSmoothing { get; set; }

        /// <summary>
        /// MixUp's α (fast.ai's <c>MixUp(0.4)</c>): each training batch of images is blended with a shuffled
        /// copy of itself by λ ~ Beta(α, α) (λ ≥ ½), the loss blended the same way. Default 0: off. It pays
        /// in long runs; in this library's short default recipes it measured worse (docs/benchmarks.md). Not
        /// applied to stored activations (<see cref="PrecomputeActivations"/>): the head's epochs stay plain.
        /// </summary>
        public double MixUp { get; set; }

        /// <summary>
        /// The number format of training. Default <see cref="TrainingPrecision.Float32"/>. <see cref="TrainingPrecision.MixedBFloat16"/>
        /// trained ResNet18's unfrozen epochs 1.6× (64 px) to 2.2× (224 px) faster on an AMD EPYC (Zen 4), at float32's accuracy
        /// (docs/benchmarks.md); it is checked against float32 before it is used, and falls back with a warning.
        /// </summary>
        public TrainingPrecision Precision { get; set; }

        /// <summary>Tests only: check and use bfloat16 although the CPU lacks bfloat16 instructions (libtorch emulates them: right, but slow).</summary>
        internal bool AllowEmulatedBFloat16 { get; set; }

        /// <summary>
        /// While frozen, keep training the BatchNorm layers of the backbone (fast.ai <c>train_bn</c>).
        /// False: the frozen backbone stays entirely as it is, in evaluation mode — what
        /// <see cref="PrecomputeActivations"/> computes once. Default true.
        /// </summary>
        public bool TrainBatchNormWhenFrozen { get; set; } = true;

        /// <summary>
        /// Seed of weight initialisation, shuffling and augmentation. Default <see langword="null"/>: drawn
        /// from the <c>MLContext</c>'s random source, so <c>new MLContext(seed: n)</c> makes training repeatable.
        /// </summary>
        public int? Seed { get; set; }

        /// <summary>Where to train. Default <see cref="ComputeDevice.Auto"/>.</summary>
        public ComputeDevice Device { get; set; } = ComputeDevice.Auto;

        /// <summary>
        /// Optional data scored after every epoch (loss and accuracy in the log). Must have the same
        /// image and label columns as the training data. Default <see langword="null"/>.
        /// </summary>
        public IDataView? ValidationSet { get; set; }

        /// <summary>
        /// How an image that is not square becomes the square input: <see cref="ResizeMethod.Squish"/>
        /// (stretch, the default), <see cref="ResizeMethod.Crop"/> (largest square, random position in
        /// training, centred when scoring) or <see cref="ResizeMethod.Pad"/> (whole image, reflected edges).
        /// The trained model stores it and scores with it. Crop turns the automatic image cache off
        /// (set <see cref="CacheImages"/> to cache anyway, then the crop is always centred).
        /// </summary>
        public ResizeMethod Resize { get; set; } = ResizeMethod.Squish;

        /// <summary>
        /// Random changes made to each training image, each drawn for that image (see the presets
        /// <see cref="ML.FastCnn.Augmentation.SideOn"/>, <see cref="ML.FastCnn.Augmentation.TopDown"/> and
        /// <see cref="ML.FastCnn.Augmentation.SizeKeeping"/>). Default <see langword="null"/>: off for a
        /// <see cref="FastCnnLearner"/>; <c>FastCnn.Train</c> and the recipes leave it to the data-size plan
        /// (<see cref="TrainingPlan.For"/>: SideOn for single-label sets from <see cref="TrainingPlan.LargeSet"/> images,
        /// TopDown for multi-label, SizeKeeping for regression, which keeps a size but not a position, an angle or a brightness).
        /// <see cref="ML.FastCnn.Augmentation.None"/> turns it off everywhere.
        /// </summary>
        public Augmentation? Augmentation { get; set; }

        /// <summary>
        /// Decode every image once and keep it in memory at the training size (4·S² bytes per image: 16 KB
        /// at 64 px, 200 KB at 224 px) instead of reading the files every epoch; also finds unreadable
        /// images before training starts. Default <see langword="null"/>: cache when the training and
        /// validation images take at most 512 MB that way; false streams them through worker threads.
        /// </summary>
        public bool? CacheImages { get; set; }

        /// <summary>Batches prepared ahead of the training step on background threads, 1 or more. Default 2.</summary>
        public int PrefetchBatches { get; set; } = FastCnnOptions.Defaults.PrefetchBatches;

        /// <summary>
        /// While the backbone is frozen and augmentation is off, compute its activations once and
        /// train the head on them (fast.ai v0.7 <c>precompute=True</c>): much faster epochs; only the
        /// head trains (BatchNorm stays as it is). Dropped automatically on unfreeze or when
        /// augmentation is switched on. Default false.
        /// </summary>
        public bool PrecomputeActivations { get; set; }

        /// <summary>What to do with images that cannot be read. Default <see cref="BadImagePolicy.Fail"/>.</summary>
        public BadImagePolicy BadImages { get; set; } = BadImagePolicy.Fail;

        /// <summary>
        /// Stop a fit when <see cref="Monitor"/> has not improved for this many epochs, 1 or more
        /// (fast.ai <c>EarlyStoppingCallback(patience)</c>); needs a <see cref="ValidationSet"/>.
        /// Default <see langword="null"/>: never stop early.
        /// </summary>
        public int? EarlyStoppingPatience { get; set; }

        /// <summary>
        /// At the end of each fit, go back to the weights of its epoch with the best <see cref="Monitor"/>
        /// (fast.ai <c>SaveModelCallback</c>, in memory); needs a <see cref="ValidationSet"/>. Default false.
        /// </summary>
        public bool KeepBestModel { get; set; }

        /// <summary>The validation measure early stopping and keep-best watch. Default <see cref="TrainingMetric.ValidLoss"/>.</summary>
        public TrainingMetric Monitor { get; set; } = TrainingMetric.ValidLoss;

        /// <summary>Receives every epoch's row of the epoch table (also written to MLContext's log). Default none.</summary>
        public IProgress<EpochResult>? Progress { get; set; }

        /// <summary>Receives the loss after every training batch, for progress bars. Default none.</summary>
        public IProgress<BatchProgress>? BatchProgress { get; set; }

        /// <summary>
        /// Receives the progress of every long phase — caching images, storing activations, the range test, each
        /// epoch — with images per second and the time left (in the fit too, once an epoch has run). The same
        /// numbers go to MLContext's log every few seconds. Default none.
        /// </summary>
        public IProgress<PhaseProgress>? PhaseProgress { get; set; }

        /// <summary>
        /// Your own callbacks, run in every fit of the learner beside the built-in ones, in the order of
        /// their <see cref="LearnerCallback.Order"/> (fast.ai <c>Learner(cbs=...)</c>). Default empty.
        /// </summary>
        public IList<LearnerCallback> Callbacks { get; } = new List<LearnerCallback>();

        /// <summary>Checks every option's range; messages name the option, the rule and the value.</summary>
        internal void Check()
        {
            Checks.UserArg(!string.IsNullOrWhiteSpace(LabelColumnName), nameof(LabelColumnName), "must name the label column");
            Checks.UserArg(!string.IsNullOrWhiteSpace(ImageColumnName), nameof(ImageColumnName), "must name the image column");
            Checks.UserArg(Weights is not null, nameof(Weights), "must not be null: use PretrainedWeights.None for random weights");
            Checks.UserArg(Enum.IsDefined(Architecture), nameof(Architecture), $"must be one of {string.Join(", ", Enum.GetNames<CnnArchitecture>())} (was {(int)Architecture})");
            Checks.UserArg(Enum.IsDefined(Head), nameof(Head), $"must be Fastai or Linear (was {Head})");
            CustomBackbone?.Check();
            Checks.UserArg(CustomBackbone is null || !Weights!.IsImageNet || CustomBackbone.HasWeights, nameof(Weights),
                $"is PretrainedWeights.ImageNet, which for the {CustomBackbone} means its own starting weights, but it has none: " +
                "set its WeightsFile or LoadWeights, or set Weights to PretrainedWeights.None (random weights) or PretrainedWeights.FromFile(...)");
            Checks.UserArg(Enum.IsDefined(Task), nameof(Task), $"must be Auto, SingleLabel, MultiLabel or Regression (was {(int)Task})");
            Checks.UserArg(YRange is null || (float.IsFinite(YRange.Low) && float.IsFinite(YRange.High) && YRange.High > YRange.Low), nameof(YRange),
                $"must have finite ends with High above Low (was {YRange})");
            Checks.UserArg(Enum.IsDefined(RegressionLoss), nameof(RegressionLoss), $"must be MeanSquaredError or MeanAbsoluteError (was {(int)RegressionLoss})");
            Checks.UserArg(ImageSize is null or >= MinImageSize, nameof(ImageSize), $"must be {MinImageSize} or more, or null for the images' own size (was {ImageSize})");
            Checks.UserArg(BatchSize is null or >= 1, nameof(BatchSize), $"must be 1 or more, or null for the data-size default (was {BatchSize})");
            Checks.UserArg(PrefetchBatches >= 1, nameof(PrefetchBatches), $"must be 1 or more (was {PrefetchBatches})");
            Checks.UserArg(Enum.IsDefined(Resize), nameof(Resize), $"must be Squish, Crop or Pad (was {Resize})");
            Augmentation?.Check();
            Checks.UserArg(Enum.IsDefined(Optimizer), nameof(Optimizer), $"must be AdamW or Sgd (was {Optimizer})");
            Checks.UserArg(WeightDecay >= 0 && double.IsFinite(WeightDecay), nameof(WeightDecay), $"must be 0 or more (was {WeightDecay})");
            Checks.UserArg(HeadDropout is >= 0 and < 1, nameof(HeadDropout), $"must be in [0, 1), e.g. fast.ai's 0.5 (was {HeadDropout})");
            Checks.UserArg(LabelSmoothing is >= 0 and < 1, nameof(LabelSmoothing), $"must be in [0, 1) (was {LabelSmoothing})");
            Checks.UserArg(Enum.IsDefined(Precision), nameof(Precision), $"must be Float32 or MixedBFloat16 (was {(int)Precision})");
            Checks.UserArg(MixUp is >= 0 and <= 10, nameof(MixUp), $"must be 0 (off) or an α in (0, 10], e.g. 0.4 (was {MixUp})");
            Checks.UserArg(EarlyStoppingPatience is null or >= 1, nameof(EarlyStoppingPatience), $"must be 1 or more, or null (was {EarlyStoppingPatience})");
            Checks.UserArg(ValidationSet is not null || (EarlyStoppingPatience is null && !KeepBestModel), nameof(ValidationSet),
                "is needed by EarlyStoppingPatience and KeepBestModel: give a validation set or turn them off");
            Checks.UserArg(Callbacks.All(c => c is not null), nameof(Callbacks), "must not contain null");
        }
    }
}
