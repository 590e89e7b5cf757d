namespace ML.FastCnn;

/// <summary>Where an <see cref="Augmentation"/> is applied to the training images.</summary>
public enum AugmentationMode
{
    /// <summary>
    /// The default: images are decoded and resized once to a presize a little larger than the training size
    /// (fast.ai's presizing), and the assembled batch is flipped, turned, rotated, zoomed, cropped and warped in
    /// one resample (<c>affine_grid</c>-style grid + <c>grid_sample</c>, reflection padding) and relit as
    /// tensor operations, on the training device. fast.ai <c>aug_transforms</c> as batch transforms.
    /// </summary>
    Batch,

    /// <summary>
    /// Each image is rendered with its own changes on the CPU by SkiaSharp while the batch is assembled
    /// (FastCnn's earlier default; costs CPU time per image). Has no perspective warp
    /// (<see cref="Augmentation.MaxWarp"/> is left out).
    /// </summary>
    PerImage,
}
