using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>Creates the network to train: architecture, new head for the classes, and the starting weights the options ask for.</summary>
internal static class BackboneFactory
{
    public static ImageClassifier Create(FastCnnLearner.Options options, int imageSize, TaskDefinition task, Device device, int seed,
        Action<string> log, CancellationToken cancellation)
    {
        var weights = options.Weights;
        if (!weights.IsPretrained)
            return ImageClassifier.Create(options.Architecture, options.Head, imageSize, task, device, seed);

        if (weights.IsImageNet && options.Architecture == CnnArchitecture.ResNet18)
        {
            var onnx = MLNetResNet18.Find() ?? throw new InvalidOperationException(
                $"ImageNet weights for ResNet18 come from ML.NET's ResNet18.onnx, expected at '{Path.Combine(AppContext.BaseDirectory, MLNetResNet18.RelativePath)}', " +
                "but it is not there. Reference the NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18 from the application (its build copies the file), " +
                "or set the options' Weights to PretrainedWeights.FromFile(...) or PretrainedWeights.None.");
            var (blocks, state) = MLNetResNet18.Import(onnx);
            MLNetResNet18.FoldPreprocessing(state, ImageTensorConverter.Mean, ImageTensorConverter.Std);
            log($"Backbone: ML.NET's ImageNet ResNet18 ({string.Join('-', blocks)} blocks) from {onnx}.");
            return LoadInto(ImageClassifier.Create(options.Architecture, options.Head, imageSize, task, device, seed, blocks), state, onnx);
        }

        string path = weights.FilePath ?? DownloadOrCache(options, log, cancellation);
        log($"Backbone: {options.Architecture} weights from {path}.");
        return LoadInto(ImageClassifier.Create(options.Architecture, options.Head, imageSize, task, device, seed), StateDictFile.Read(path), path);
    }

    /// <summary>TorchVision's ImageNet file for the architecture, from the cache or downloaded into it.</summary>
    private static string DownloadOrCache(FastCnnLearner.Options options, Action<string> log, CancellationToken cancellation)
    {
        var cache = new WeightsCache(options.WeightsCacheFolder ?? WeightsCache.DefaultFolder(), options.Offline ?? WeightsCache.OfflineFromEnvironment(),
            options.WeightsMirror, httpClient: null, log, options.DownloadProgress);
        return cache.GetFile(ImageNetWeightFiles.For(options.Architecture), cancellation);
    }

    private static ImageClassifier LoadInto(ImageClassifier classifier, Dictionary<string, Tensor> state, string source)
    {
        try
        {
            StateDictLoader.Load(classifier.Network, state, $"'{source}'", classifier.Architecture.ToString());
            return classifier;
        }
        catch
        {
            classifier.Dispose();
            throw;
        }
        finally
        {
            foreach (var tensor in state.Values)
                tensor.Dispose();
        }
    }
}
