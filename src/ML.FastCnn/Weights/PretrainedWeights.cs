namespace ML.FastCnn;

/// <summary>
/// Where a network's starting weights come from: ImageNet (the default), a weight file of your
/// own, or nothing (random initialisation). The head is always new, sized to your classes.
/// </summary>
public sealed class PretrainedWeights
{
    private PretrainedWeights(string description, string? path, bool imageNet)
    {
        Description = description;
        FilePath = path;
        IsImageNet = imageNet;
    }

    /// <summary>Random initialisation (TorchVision's). Train from scratch: more epochs, no freezing.</summary>
    public static PretrainedWeights None { get; } = new("random initialisation", null, imageNet: false);

    /// <summary>
    /// ImageNet weights. ResNet18: ML.NET's ImageNet ResNet18 from the
    /// <c>Microsoft.ML.DnnImageFeaturizer.ResNet18</c> package — offline, no download. Every other
    /// <see cref="CnnArchitecture"/>: TorchVision's files from the weights cache, downloaded there (and checked) the
    /// first time unless <see cref="FastCnnLearner.Options.Offline"/> is set.
    /// </summary>
    public static PretrainedWeights ImageNet { get; } = new("ImageNet", null, imageNet: true);

    /// <summary>
    /// A state dictionary with TorchVision's parameter names for the chosen architecture: a PyTorch
    /// pickle (<c>.pth</c>, <c>.pt</c>), <c>.safetensors</c>, or TorchSharp's <c>.dat</c>. Its
    /// ImageNet head (<c>fc.*</c>, or <c>classifier.*</c> for MobileNet and EfficientNet) is left out.
    /// </summary>
    public static PretrainedWeights FromFile(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return new($"'{path}'", path, imageNet: false);
    }

    internal string? FilePath { get; }

    internal bool IsImageNet { get; }

    internal bool IsPretrained => IsImageNet || FilePath is not null;

    private string Description { get; }

    /// <inheritdoc />
    public override string ToString() => Description;
}
