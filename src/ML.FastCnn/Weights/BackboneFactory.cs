using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>Creates the network to train: architecture (or custom backbone), new head for the classes, and the starting weights the options ask for.</summary>
internal static class BackboneFactory
{
    public static ImageClassifier Create(FastCnnLearner.Options options, int imageSize, TaskDefinition task, Device device, int seed,
        Action<string> log, CancellationToken cancellation, Action<string>? warn = null)
    {
        var weights = options.Weights;
        if (options.CustomBackbone is { } custom)
            return CreateCustom(custom, options, imageSize, task, device, seed, log, warn ?? log);
        if (!weights.IsPretrained)
            return ImageClassifier.Create(options.Architecture, options.Head, imageSize, task, device, seed);

        if (weights.IsImageNet && options.Architecture == CnnArchitecture.ResNet18)
        {
            var onnx = MLNetResNet18.Find() ?? throw new InvalidOperationException(
                $"ImageNet weights for ResNet18 come from ML.NET's ResNet18.onnx, expected at '{Path.Combine(AppContext.BaseDirectory, MLNetResNet18.RelativePath)}', " +
                "but it is not there. Reference the NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18 from the application (its build copies the file), " +
                "or set the options' Weights to PretrainedWeights.FromFile(...) or PretrainedWeights.None.");
            var (blocks, state) = MLNetResNet18.Import(onnx);
            MLNetResNet18.FoldPreprocessing(state, InputNormalization.ImageNet.Mean, InputNormalization.ImageNet.Std);
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

    /// <summary>
    /// <paramref name="custom"/>'s body under the head, with the starting weights <see cref="FastCnnLearner.Options.Weights"/> asks for:
    /// none, the backbone's own (ImageNet: "its pretrained weights"), or a file's. Its feature map is checked on one image first.
    /// </summary>
    private static ImageClassifier CreateCustom(CustomBackbone custom, FastCnnLearner.Options options, int imageSize, TaskDefinition task,
        Device device, int seed, Action<string> log, Action<string> warn)
    {
        var classifier = ImageClassifier.Create(options.Architecture, options.Head, imageSize, task, device, seed, custom: custom);
        try
        {
            var body = classifier.Network.Body[0];
            WarnOfTorchSharpBatchNorm(custom, body, warn);
            if (options.Weights.IsImageNet && custom.LoadWeights is { } load)
            {
                load(body);
                log($"Backbone: {custom}, starting weights from its LoadWeights.");
            }
            else if ((options.Weights.IsImageNet ? custom.WeightsFile : options.Weights.FilePath) is { } path)
            {
                LoadBody(body, StateDictFile.Read(path), path, custom);
                log($"Backbone: {custom}, starting weights from {path}.");
            }
            CheckFeatureMap(classifier, custom);
            return classifier;
        }
        catch
        {
            classifier.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Copies a body's state dict into <paramref name="body"/>: the body's own names, or the learner's (<c>body.*</c>, what
    /// <see cref="FastCnnLearner.SaveWeights"/> writes; the head's tensors left out). Every tensor must fit.
    /// </summary>
    private static void LoadBody(nn.Module<Tensor, Tensor> body, Dictionary<string, Tensor> state, string source, CustomBackbone custom)
    {
        try
        {
            string prefix = NetworkFactory.CustomBodyName + ".";
            bool learnerFile = state.Keys.Any(k => k.StartsWith(prefix, StringComparison.Ordinal))
                && !body.state_dict().Keys.Any(k => k.StartsWith(prefix, StringComparison.Ordinal));
            var bodyState = learnerFile
                ? state.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value)
                : state;
            StateDictLoader.Load(body, bodyState, $"'{source}'", $"the body of the {custom}", skipHeads: false);
        }
        finally
        {
            foreach (var tensor in state.Values)
                tensor.Dispose();
        }
    }

    /// <summary>One image through the body: it must run and make [1, FeatureWidth, h, w], or the head could not take it.</summary>
    private static void CheckFeatureMap(ImageClassifier classifier, CustomBackbone custom)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        int size = classifier.ImageSize;
        long[] shape;
        classifier.Network.eval(); // BatchNorm statistics stay as they are
        try
        {
            shape = classifier.Network.LastStageActivations(zeros([1, 3, size, size], device: classifier.Device)).shape;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidOperationException($"The body of the {custom} fails on a [1, 3, {size}, {size}] image: {e.Message}", e);
        }
        finally
        {
            classifier.Network.train();
        }
        Checks.UserArg(shape.Length == 4 && shape[1] == custom.FeatureWidth, nameof(CustomBackbone.FeatureWidth),
            $"of the {custom} is {custom.FeatureWidth}, but its body turns a [1, 3, {size}, {size}] image into [{string.Join(", ", shape)}]: " +
            "the body must make a feature map [N, C, h, w] and FeatureWidth must be its C");
    }

    /// <summary>TorchSharp's own BatchNorm passes libtorch a Scalar a garbage collection can free mid-call: say so once, with the fix.</summary>
    private static void WarnOfTorchSharpBatchNorm(CustomBackbone custom, nn.Module body, Action<string> warn)
    {
        var unsafeLayers = body.named_modules().Where(m => m.module is BatchNorm and not ScalarSafeBatchNorm).Select(m => m.name).ToList();
        if (unsafeLayers.Count > 0)
            warn($"The {custom} uses TorchSharp's own BatchNorm ('{unsafeLayers[0]}'{(unsafeLayers.Count > 1 ? $" and {unsafeLayers.Count - 1} more" : "")}), " +
                 "which can fail at random while other threads collect garbage (TorchSharp 0.107 frees a Scalar libtorch still reads; " +
                 "docs/torchsharp-scalar-lifetimes.md): build its BatchNorm layers with CustomBackbone.BatchNorm2d(channels).");
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
