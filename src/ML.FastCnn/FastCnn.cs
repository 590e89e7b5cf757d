using Microsoft.ML;

namespace ML.FastCnn;

/// <summary>Entry point of ML.FastCnn: fast.ai-style image classification in ML.NET pipelines.</summary>
public static class FastCnn
{
    /// <summary>
    /// Creates the FastCnn trainer: a TorchVision ResNet that learns to classify the images of
    /// <see cref="FastCnnOptions.ImageColumnName"/> into the classes of the key-typed
    /// <see cref="FastCnnOptions.LabelColumnName"/>.
    /// </summary>
    /// <param name="mlContext">The ML.NET context; its log receives per-epoch progress.</param>
    /// <param name="options">Training options; <see langword="null"/> takes every default.</param>
    public static FastCnnEstimator Train(MLContext mlContext, FastCnnOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        return new FastCnnEstimator(mlContext, options ?? new FastCnnOptions());
    }
}
