using Microsoft.ML;

namespace ML.FastCnn;

/// <summary>Entry point of ML.FastCnn: fast.ai-style image classification in ML.NET pipelines.</summary>
public static partial class FastCnn
{
    /// <summary>
    /// Creates the FastCnn trainer: an ImageNet network (a ResNet by default) that learns to classify the images of
    /// <see cref="FastCnnLearner.Options.ImageColumnName"/> into the classes of the key-typed
    /// <see cref="FastCnnLearner.Options.LabelColumnName"/>.
    /// </summary>
    /// <param name="mlContext">The ML.NET context; its log receives per-epoch progress.</param>
    /// <param name="options">Training options; <see langword="null"/> takes every default.</param>
    public static FastCnnEstimator Train(MLContext mlContext, FastCnnOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        return new FastCnnEstimator(mlContext, options ?? new FastCnnOptions());
    }

    /// <summary>
    /// Downloads TorchVision's ImageNet weights for <paramref name="architecture"/> into the weights
    /// cache (or finds them there), checks them, and returns the file's path. Run it on a machine
    /// with internet access, then copy the file into the cache folder of an offline machine (or
    /// use it with <see cref="PretrainedWeights.FromFile"/>).
    /// </summary>
    /// <param name="architecture">The backbone whose torchvision ImageNet file to fetch (any <see cref="CnnArchitecture"/>).</param>
    /// <param name="cacheFolder">The cache folder; null for the default (see <see cref="FastCnnLearner.Options.WeightsCacheFolder"/>).</param>
    /// <param name="progress">Receives download progress.</param>
    /// <param name="mirror">A base address to download from instead of download.pytorch.org.</param>
    /// <param name="cancellationToken">Cancels the download; nothing half-written is left.</param>
    public static string DownloadImageNetWeights(CnnArchitecture architecture, string? cacheFolder = null,
        IProgress<DownloadProgress>? progress = null, Uri? mirror = null, CancellationToken cancellationToken = default)
    {
        var cache = new WeightsCache(cacheFolder ?? WeightsCache.DefaultFolder(), offline: false, mirror, httpClient: null, log: null, progress);
        return cache.GetFile(ImageNetWeightFiles.For(architecture), cancellationToken);
    }

    /// <summary>
    /// Checks this machine for ML.FastCnn (the <c>doctor</c> command): .NET, TorchSharp and libtorch versions and
    /// build, the CPU and its instruction sets, threads, oneDNN and NNPACK, CUDA devices, the libstdc++ step, then
    /// every scoring engine against the network's own forward on the shapes where CPU-specific kernel bugs were
    /// seen, a short speed probe (training and scoring images per second of a ResNet18 at 64 px), plot fonts and
    /// the weights cache. Takes seconds; nothing is downloaded or written.
    /// </summary>
    /// <param name="speedProbe">False skips the speed probe.</param>
    public static FastCnnDiagnosis Diagnose(bool speedProbe = true) => MachineDiagnosis.Run(speedProbe);

    /// <summary>The weights cache folder used when none is set: <c>FASTCNN_CACHE</c>, else a per-user cache folder.</summary>
    public static string DefaultWeightsCacheFolder => WeightsCache.DefaultFolder();

    /// <summary>
    /// <c>mlContext.Model.Load</c>, with errors that name the file and say what is wrong and what to
    /// do: missing, truncated or not a zip, a zip that is no ML.NET model, a model saved by a newer
    /// ML.FastCnn, damaged network weights (checked against their checksum before libtorch reads them).
    /// </summary>
    /// <param name="mlContext">The ML.NET context.</param>
    /// <param name="path">The model's .zip file.</param>
    /// <param name="inputSchema">The schema the model was saved with.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is damaged or not a model; the message says how.</exception>
    public static ITransformer LoadModel(MLContext mlContext, string path, out DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return ModelFile.Load(mlContext, path, out inputSchema);
    }

    /// <summary>
    /// <c>mlContext.Model.Save</c> that writes the file completely or not at all: into a temporary
    /// file next to it, then moved into place, so a crash or a full disk never leaves a half-written
    /// model where a good one was.
    /// </summary>
    /// <param name="mlContext">The ML.NET context.</param>
    /// <param name="model">The trained model (pipeline).</param>
    /// <param name="inputSchema">The schema of the data the model takes.</param>
    /// <param name="path">The .zip file to write.</param>
    public static void SaveModel(MLContext mlContext, ITransformer model, DataViewSchema inputSchema, string path)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        AtomicFile.Write(path, stream => mlContext.Model.Save(model, inputSchema, stream));
    }
}
