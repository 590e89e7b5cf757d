namespace ML.FastCnn;

/// <summary>
/// Random changes made to every training image — each image draws its own (fast.ai
/// <c>aug_transforms</c>; TorchVision's transforms draw once per batch). Off at inference, except
/// for test-time augmentation. Start from a preset: <see cref="SideOn"/> (photos of things seen
/// from the side: horizontal flips) or <see cref="TopDown"/> (satellite, microscope: all eight
/// flips and quarter turns). By default (<see cref="Mode"/> = <see cref="AugmentationMode.Batch"/>) the
/// changes are applied to whole batches of tensors on the training device, each transform drawing its own
/// coin per image (fast.ai's batch transforms); <see cref="AugmentationMode.PerImage"/> renders each image
/// on the CPU instead.
/// </summary>
public sealed record Augmentation
{
    /// <summary>
    /// Where the changes are made: <see cref="AugmentationMode.Batch"/> (default: whole batches on the
    /// training device, one resample from a presized image) or <see cref="AugmentationMode.PerImage"/>
    /// (SkiaSharp on the CPU, per image). Both are seeded and repeat exactly with the same seed.
    /// </summary>
    public AugmentationMode Mode { get; init; } = AugmentationMode.Batch;

    /// <summary>Mirror left–right with probability 1/2. fast.ai <c>do_flip</c>.</summary>
    public bool FlipHorizontal { get; init; }

    /// <summary>One of the eight flips and quarter turns (the dihedral group), equally likely. fast.ai <c>RandomDihedral</c> / <c>flip_vert</c>.</summary>
    public bool Dihedral { get; init; }

    /// <summary>Largest rotation in degrees, either way, in [0, 180]. fast.ai <c>max_rotate</c> (10).</summary>
    public double MaxRotation { get; init; }

    /// <summary>Largest zoom into the image, ≥ 1 (1: none). fast.ai <c>max_zoom</c> (1.1).</summary>
    public double MaxZoom { get; init; } = 1;

    /// <summary>
    /// Random resized crop: the smallest fraction of the image area a crop may keep, in (0, 1]
    /// (1: off), with aspect ratios between 3/4 and 4/3. fast.ai <c>RandomResizedCrop(min_scale)</c>.
    /// </summary>
    public double MinScale { get; init; } = 1;

    /// <summary>
    /// Largest perspective warp, in [0, 1): each image's corners move by up to this fraction of the half-side
    /// (a keystone tilt horizontally and vertically), drawn with <see cref="AffineProbability"/>. fast.ai
    /// <c>max_warp</c> (0.2). Only <see cref="AugmentationMode.Batch"/> warps; per-image rendering and
    /// test-time augmentation leave it out.
    /// </summary>
    public double MaxWarp { get; init; }

    /// <summary>Largest change of brightness and contrast, in [0, 1). fast.ai <c>max_lighting</c> (0.2).</summary>
    public double MaxLighting { get; init; }

    /// <summary>
    /// Probability that an image is rotated, zoomed or cropped at all (per image); in
    /// <see cref="AugmentationMode.Batch"/> the probability of each of rotation, zoom and warp, drawn
    /// separately. fast.ai <c>p_affine</c> (0.75).
    /// </summary>
    public double AffineProbability { get; init; } = 0.75;

    /// <summary>
    /// Probability that an image's lighting changes at all (per image); in <see cref="AugmentationMode.Batch"/>
    /// the probability of each of brightness and contrast, drawn separately. fast.ai <c>p_lighting</c> (0.75).
    /// </summary>
    public double LightingProbability { get; init; } = 0.75;

    /// <summary>
    /// fast.ai's defaults for photos seen from the side (<c>aug_transforms()</c>): horizontal flips, ±10°, zoom up
    /// to 1.1, warp 0.2 (batch mode), lighting ±0.2.
    /// </summary>
    public static Augmentation SideOn { get; } = new() { FlipHorizontal = true, MaxRotation = 10, MaxZoom = 1.1, MaxWarp = 0.2, MaxLighting = 0.2 };

    /// <summary>
    /// No change to the images: says "off" where <see langword="null"/> leaves the choice to the data-size
    /// plan (<see cref="FastCnnOptions"/>; the plan augments large sets).
    /// </summary>
    public static Augmentation None { get; } = new() { AffineProbability = 0, LightingProbability = 0 };

    /// <summary>True when no draw can change an image.</summary>
    internal bool IsNone => !FlipHorizontal && !Dihedral && (AffineProbability == 0 || (MaxRotation == 0 && MaxZoom == 1 && MinScale == 1 && (MaxWarp == 0 || Mode == AugmentationMode.PerImage)))
        && (LightingProbability == 0 || MaxLighting == 0);

    /// <summary><see cref="SideOn"/> with all eight flips and quarter turns, for images with no "up" (fast.ai <c>transforms_top_down</c>).</summary>
    public static Augmentation TopDown { get; } = SideOn with { FlipHorizontal = false, Dihedral = true };

    /// <summary>
    /// The eight flips and quarter turns and fast.ai's lighting (±0.2), without rotation, zoom or warp, which change a
    /// drawing's size: what regression plans augment with (<see cref="TrainingPlan.For"/>). It keeps a size, a count or
    /// a score, but changes a position or an angle (the turns) and a brightness (the lighting) — set <see cref="None"/>
    /// or your own for targets like those.
    /// </summary>
    public static Augmentation SizeKeeping { get; } = new() { Dihedral = true, MaxLighting = 0.2 };

    /// <summary>The preset's name when this is one of them (the plan's log line), else null.</summary>
    internal string? PresetName =>
        this == SideOn ? nameof(SideOn) : this == TopDown ? nameof(TopDown) : this == SizeKeeping ? nameof(SizeKeeping) : null;

    /// <summary>
    /// This augmentation as test-time augmentation renders it: per image, without warp (what the model file stores).
    /// </summary>
    internal Augmentation ForTestTime => this with { MaxWarp = 0, Mode = AugmentationMode.PerImage };

    internal void Check()
    {
        if (!(MaxRotation is >= 0 and <= 180))
            throw new ArgumentOutOfRangeException(nameof(MaxRotation), $"Augmentation.MaxRotation must be in [0, 180] degrees (was {MaxRotation}).");
        if (!(MaxZoom >= 1) || double.IsInfinity(MaxZoom))
            throw new ArgumentOutOfRangeException(nameof(MaxZoom), $"Augmentation.MaxZoom must be 1 or more (was {MaxZoom}).");
        if (!(MinScale is > 0 and <= 1))
            throw new ArgumentOutOfRangeException(nameof(MinScale), $"Augmentation.MinScale must be in (0, 1] (was {MinScale}).");
        if (!(MaxWarp is >= 0 and < 1))
            throw new ArgumentOutOfRangeException(nameof(MaxWarp), $"Augmentation.MaxWarp must be in [0, 1) (was {MaxWarp}).");
        if (!Enum.IsDefined(Mode))
            throw new ArgumentOutOfRangeException(nameof(Mode), $"Augmentation.Mode must be Batch or PerImage (was {(int)Mode}).");
        if (!(MaxLighting is >= 0 and < 1))
            throw new ArgumentOutOfRangeException(nameof(MaxLighting), $"Augmentation.MaxLighting must be in [0, 1) (was {MaxLighting}).");
        if (!(AffineProbability is >= 0 and <= 1) || !(LightingProbability is >= 0 and <= 1))
            throw new ArgumentOutOfRangeException(nameof(AffineProbability),
                $"Augmentation probabilities must be in [0, 1] (were {AffineProbability} and {LightingProbability}).");
    }

    /// <summary>
    /// Draws one image's changes for <see cref="AugmentationMode.Batch"/>: each transform tosses its own coin
    /// (flip 1/2; rotation, zoom and warp <see cref="AffineProbability"/> each; brightness and contrast
    /// <see cref="LightingProbability"/> each), and every transform always takes the same count of numbers from
    /// <paramref name="random"/>, so changing one setting leaves the others' draws as they were.
    /// </summary>
    internal BatchAugmentationDraw DrawForBatch(Random random)
    {
        bool flip = false;
        int quarterTurns = 0;
        double flipCoin = random.NextDouble(), dihedral = random.NextDouble();
        if (Dihedral)
        {
            int k = Math.Min(7, (int)(dihedral * 8));
            flip = (k & 1) == 1;
            quarterTurns = k >> 1;
        }
        else if (FlipHorizontal)
        {
            flip = flipCoin < 0.5;
        }

        double rotateCoin = random.NextDouble(), rotate = random.NextDouble();
        double angle = MaxRotation > 0 && rotateCoin < AffineProbability ? (rotate * 2 - 1) * MaxRotation : 0;

        double zoomCoin = random.NextDouble(), zoomDraw = random.NextDouble(), zoomX = random.NextDouble(), zoomY = random.NextDouble();
        bool zooms = MaxZoom > 1 && zoomCoin < AffineProbability;
        double zoom = zooms ? 1 + zoomDraw * (MaxZoom - 1) : 1;

        double warpCoin = random.NextDouble(), warpXDraw = random.NextDouble(), warpYDraw = random.NextDouble();
        bool warps = MaxWarp > 0 && warpCoin < AffineProbability;
        double warpX = warps ? (warpXDraw * 2 - 1) * MaxWarp : 0, warpY = warps ? (warpYDraw * 2 - 1) * MaxWarp : 0;

        // RandomResizedCrop has no coin in fast.ai: every training image is cropped when MinScale < 1.
        double areaDraw = random.NextDouble(), ratioDraw = random.NextDouble(), cropX = random.NextDouble(), cropY = random.NextDouble();
        double cropWidth = 1, cropHeight = 1;
        if (MinScale < 1)
        {
            double area = MinScale + areaDraw * (1 - MinScale);
            double ratio = Math.Exp(Math.Log(3.0 / 4) + ratioDraw * Math.Log(16.0 / 9));
            cropWidth = Math.Min(1, Math.Sqrt(area * ratio));
            cropHeight = Math.Min(1, Math.Sqrt(area / ratio));
        }

        double brightnessCoin = random.NextDouble(), brightnessDraw = random.NextDouble();
        double contrastCoin = random.NextDouble(), contrastDraw = random.NextDouble();
        // fast.ai: brightness draws a target level in [½(1 − m), ½(1 + m)] and adds its logit; contrast
        // multiplies the logits by a log-uniform factor in [1 − m, 1/(1 − m)].
        double brightness = MaxLighting > 0 && brightnessCoin < LightingProbability
            ? Logit(0.5 * (1 - MaxLighting) + brightnessDraw * MaxLighting) : 0;
        double contrast = MaxLighting > 0 && contrastCoin < LightingProbability
            ? Math.Exp((contrastDraw * 2 - 1) * -Math.Log(1 - MaxLighting)) : 1;

        return BatchAugmentationDraw.Create(flip, quarterTurns, angle, zoom, zoomX, zoomY, cropWidth, cropHeight, cropX, cropY,
            warpX, warpY, brightness, contrast);
    }

    private static double Logit(double p) => Math.Log(p / (1 - p));

    /// <summary>Draws one image's changes.</summary>
    internal AugmentationDraw Draw(Random random)
    {
        bool flip = false;
        int quarterTurns = 0;
        if (Dihedral)
        {
            int k = random.Next(8);
            flip = (k & 1) == 1;
            quarterTurns = k >> 1;
        }
        else if (FlipHorizontal)
        {
            flip = random.NextDouble() < 0.5;
        }

        double angle = 0, cropX = 0, cropY = 0, cropWidth = 1, cropHeight = 1;
        if (random.NextDouble() < AffineProbability)
        {
            angle = (random.NextDouble() * 2 - 1) * MaxRotation;
            double area = MinScale + random.NextDouble() * (1 - MinScale);
            double ratio = Math.Exp(Math.Log(3.0 / 4) + random.NextDouble() * Math.Log(16.0 / 9));
            cropWidth = MinScale < 1 ? Math.Min(1, Math.Sqrt(area * ratio)) : 1;
            cropHeight = MinScale < 1 ? Math.Min(1, Math.Sqrt(area / ratio)) : 1;
            double zoom = 1 + random.NextDouble() * (MaxZoom - 1);
            cropWidth /= zoom;
            cropHeight /= zoom;
            cropX = random.NextDouble() * (1 - cropWidth);
            cropY = random.NextDouble() * (1 - cropHeight);
        }

        double contrast = 1, brightness = 0;
        if (MaxLighting > 0 && random.NextDouble() < LightingProbability)
        {
            brightness = (random.NextDouble() * 2 - 1) * MaxLighting / 2;
            contrast = Math.Exp((random.NextDouble() * 2 - 1) * -Math.Log(1 - MaxLighting));
        }
        return new AugmentationDraw(flip, quarterTurns, angle, cropX, cropY, cropWidth, cropHeight, contrast, brightness);
    }
}
