using System.CommandLine;
using ML.FastCnn;

namespace ML.FastCnn.Samples;

/// <summary>The options the commands share, and how they become <see cref="FastCnnOptions"/>.</summary>
internal sealed class CommonOptions
{
    public Option<CnnArchitecture> Architecture { get; } = new("--arch") { Description = "Backbone: ResNet18, ResNet34, ResNet50, ResNet101, ResNet152, ResNeXt50_32x4d, ResNeXt101_32x8d, ResNeXt101_64x4d, WideResNet50_2, WideResNet101_2, MobileNetV2, MobileNetV3Large, MobileNetV3Small, EfficientNetB0, EfficientNetB1, EfficientNetB2 or EfficientNetB3", DefaultValueFactory = _ => CnnArchitecture.ResNet18 };

    public Option<int?> Size { get; } = new("--size") { Description = "side of the square images the network sees, in pixels (default: from the images)" };

    public Option<ResizeMethod> Resize { get; } = new("--resize") { Description = "squish, crop or pad: how non-square images become the square (stored in the model)", DefaultValueFactory = _ => ResizeMethod.Squish };

    public Option<TrainingRecipe> Recipe { get; } = new("--recipe") { Description = "FineTuneOnStoredActivations (head on stored activations, then all layers), FineTune (fast.ai's fine_tune) or Lesson1 (fast.ai v0.7, SGDR with augmentation)", DefaultValueFactory = _ => TrainingRecipe.FineTuneOnStoredActivations };

    public Option<int?> Epochs { get; } = new("--epochs") { Description = "epochs of the unfrozen phase (default: from the number of images)" };

    public Option<double?> TimeBudget { get; } = new("--time-budget") { Description = "minutes the fit may take: the unfrozen phase runs as many of the planned epochs as fit (default: all of them)" };

    public Option<int?> StartSize { get; } = new("--start-size") { Description = "progressive resizing: the first half of the unfrozen epochs at this size, then --size (default: one size)" };

    public Option<double?> LearningRate { get; } = new("--lr") { Description = "peak learning rate (default: the range test's suggestion)" };

    public Option<string> Weights { get; } = new("--weights") { Description = "imagenet, none, or a .pth/.safetensors/.dat file", DefaultValueFactory = _ => "imagenet" };

    public Option<ComputeDevice> Device { get; } = new("--device") { Description = "Auto, Cpu or Cuda", DefaultValueFactory = _ => ComputeDevice.Auto };

    public Option<TrainingPrecision> Precision { get; } = new("--precision") { Description = "Float32, or MixedBFloat16 (bfloat16 convolutions, float32 weights; used after a check against float32, on a GPU or a CPU with bfloat16 instructions)", DefaultValueFactory = _ => TrainingPrecision.Float32 };

    public Option<string> Output { get; } = OutputOption("fastcnn-output");

    public Option<BadImagePolicy> BadImages { get; } = BadImagesOption();

    /// <summary><c>--bad-images fail|skip</c>: what to do with images that cannot be read.</summary>
    public static Option<BadImagePolicy> BadImagesOption() =>
        new("--bad-images") { Description = "fail (stop, naming the file) or skip (leave such images out, listing them)", DefaultValueFactory = _ => BadImagePolicy.Fail };

    public static Option<string> OutputOption(string defaultFolder) =>
        new("--out") { Description = "folder for the model, plots and reports", DefaultValueFactory = _ => defaultFolder };

    /// <summary>The command-line option behind a library option, for error messages; null when none.</summary>
    public static string? FlagFor(string optionName) => optionName switch
    {
        nameof(FastCnnLearner.Options.ImageSize) => "--size",
        nameof(FastCnnLearner.Options.Resize) => "--resize",
        nameof(FastCnnOptions.Epochs) => "--epochs",
        nameof(FastCnnOptions.Recipe) => "--recipe",
        nameof(FastCnnOptions.LearningRate) => "--lr",
        nameof(FastCnnOptions.TimeBudget) => "--time-budget",
        nameof(FastCnnOptions.StartImageSize) => "--start-size",
        _ => null,
    };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Architecture, Size, StartSize, Resize, Recipe, Epochs, TimeBudget, LearningRate, Weights, Device, Precision, BadImages, Output })
            command.Add(option);
    }

    public FastCnnOptions ToFastCnnOptions(ParseResult result)
    {
        string weights = result.GetRequiredValue(Weights);
        return new FastCnnOptions
        {
            Recipe = result.GetValue(Recipe),
            Epochs = result.GetValue(Epochs),
            LearningRate = result.GetValue(LearningRate),
            TimeBudget = result.GetValue(TimeBudget) is { } minutes ? TimeSpan.FromMinutes(minutes) : null,
            StartImageSize = result.GetValue(StartSize),
            Learner =
            {
                Architecture = result.GetValue(Architecture),
                ImageSize = result.GetValue(Size),
                Resize = result.GetValue(Resize),
                Device = result.GetValue(Device),
                Precision = result.GetValue(Precision),
                BadImages = result.GetValue(BadImages),
                Weights = weights.ToLowerInvariant() switch
                {
                    "imagenet" => PretrainedWeights.ImageNet,
                    "none" => PretrainedWeights.None,
                    _ when File.Exists(weights) => PretrainedWeights.FromFile(weights),
                    _ => throw new CliException($"--weights: '{weights}' is neither imagenet, none, nor an existing weight file."),
                },
            },
        };
    }
}
