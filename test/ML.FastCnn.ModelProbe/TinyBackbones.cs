using static TorchSharp.torch;

namespace ML.FastCnn.TestBackbones;

/// <summary>
/// The custom backbone the tests train and the model probe registers before loading their models: one definition,
/// compiled into both (what an application that trained a model and one that loads it must share).
/// </summary>
internal static class TinyBackbones
{
    /// <summary>The name its models record.</summary>
    public const string Name = "TinyTestNet";

    /// <summary>Channels of its feature map.</summary>
    public const int FeatureWidth = 32;

    /// <summary>
    /// Two stride-2 convolutions with BatchNorm and ReLU (a 32-px image becomes an 8×8 map of 32 channels), split in two layer
    /// groups, with a normalisation of its own (not ImageNet's). <paramref name="name"/> gives the same body under another name.
    /// </summary>
    public static CustomBackbone Tiny(string name = Name) => new(name, () => nn.Sequential(
            ("conv1", nn.Conv2d(3, 16, 3, stride: 2, padding: 1)), ("bn1", CustomBackbone.BatchNorm2d(16)), ("relu1", nn.ReLU()),
            ("conv2", nn.Conv2d(16, FeatureWidth, 3, stride: 2, padding: 1)), ("bn2", CustomBackbone.BatchNorm2d(FeatureWidth)), ("relu2", nn.ReLU())),
        FeatureWidth)
    {
        LayerGroups = [["conv1.", "bn1."], ["conv2.", "bn2."]],
        Mean = [0.5f, 0.4f, 0.3f],
        Std = [0.2f, 0.25f, 0.3f],
    };
}
