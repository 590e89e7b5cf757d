using Microsoft.ML;

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

        /// <summary>Default <see cref="LearningRate"/>: 1e-3 (fast.ai's <c>lr</c> default).</summary>
        public const double LearningRate = 1e-3;

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

    /// <summary>Learning rate of the AdamW optimizer, greater than 0. Default 1e-3 (fast.ai <c>lr</c>).</summary>
    public double LearningRate { get; set; } = Defaults.LearningRate;

    /// <summary>Decoupled (AdamW) weight decay, 0 or more. Default 0.01 (fast.ai <c>wd</c>).</summary>
    public double WeightDecay { get; set; } = Defaults.WeightDecay;

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

    /// <summary>What to do with images that cannot be read. Default <see cref="BadImagePolicy.Fail"/>.</summary>
    public BadImagePolicy BadImages { get; set; } = BadImagePolicy.Fail;
}
