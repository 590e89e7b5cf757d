namespace ML.FastCnn;

/// <summary>
/// The changes drawn for one image: flips and quarter turns, a rotation in degrees, the crop
/// (fractions of the image's width and height), and lighting (contrast factor around mid-grey,
/// brightness shift in [−0.5, 0.5] of the full range), and how the image becomes a square
/// (<see cref="Resize"/>; for <see cref="ResizeMethod.Crop"/>, <see cref="ResizePosition"/> places the
/// square along the long side: 0 at the start, ½ centred, 1 at the end).
/// </summary>
internal readonly record struct AugmentationDraw(
    bool FlipHorizontal,
    int QuarterTurns,
    double Angle,
    double CropX,
    double CropY,
    double CropWidth,
    double CropHeight,
    double Contrast,
    double Brightness,
    ResizeMethod Resize = ResizeMethod.Squish,
    double ResizePosition = 0.5)
{
    /// <summary>No change: the whole image, upright.</summary>
    public static AugmentationDraw Identity { get; } = new(false, 0, 0, 0, 0, 1, 1, 1, 0);

    public bool ChangesLighting => Contrast != 1 || Brightness != 0;
}
