using ML.FastCnn;

namespace ML.FastCnn.FixtureMaker;

/// <summary>
/// One fixture: the format version to write and what that version stored. Every seeded fixture is a ResNet18
/// with one basic block per stage (custom layouts exist since 1.2) at 32 px for three classes.
/// </summary>
internal sealed record FixtureSpec(int Minor, ClassifierHead Head, ResizeMethod Resize, int WeightSeed)
{
    public int Version => 0x00010000 | Minor;

    public CnnArchitecture Architecture { get; init; } = CnnArchitecture.ResNet18;

    public int[]? Blocks { get; init; } = [1, 1, 1, 1];

    public int ImageSize { get; init; } = 32;

    public int ScoringBatchSize { get; init; } = 8;

    public string[] ClassNames { get; init; } = ["a", "b", "c"];

    public int PrefetchBatches { get; init; } = 2;

    public int TestTimeAugmentation { get; init; }

    public int Seed { get; init; } = 1;

    public Augmentation TestTimeAugmentationKind { get; init; } = Augmentation.SideOn;

    public string FileName => $"format-1.{Minor}-seeded.zip";

    public string ScoresFileName => $"format-1.{Minor}-seeded.scores.tsv";

    /// <summary>
    /// 1.3: TorchVision's fc head (the only head then), squish. 1.4: the head kind (fast.ai's head).
    /// 1.5: the weights' checksum. 1.6: the resize method (crop).
    /// </summary>
    public static IReadOnlyList<FixtureSpec> All { get; } =
    [
        new(3, ClassifierHead.Linear, ResizeMethod.Squish, WeightSeed: 13),
        new(4, ClassifierHead.Fastai, ResizeMethod.Squish, WeightSeed: 14),
        new(5, ClassifierHead.Linear, ResizeMethod.Squish, WeightSeed: 15),
        new(6, ClassifierHead.Fastai, ResizeMethod.Crop, WeightSeed: 16),
    ];

    /// <summary>The settings of format-1.3.zip (written by the real 1.3 code): TorchVision's ResNet18 layout, two classes, batch 64.</summary>
    public static FixtureSpec Format13Original { get; } = new(3, ClassifierHead.Linear, ResizeMethod.Squish, WeightSeed: 0)
    {
        Blocks = null,
        ScoringBatchSize = 64,
        ClassNames = ["a", "b"],
    };
}
