using TorchSharp;
using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>
/// Applies <see cref="AugmentationMode.Batch"/> to an assembled batch on the training device: the uint8 RGBA
/// pixels [N, P, P, 4] (P: the presize) go to the device as they are, become float RGB planes there, are
/// resampled once to [N, 3, S, S] through one projective grid per image (<c>grid_sample</c>, bilinear,
/// reflection padding: fast.ai's defaults), relit in logit space when any image draws lighting, and
/// normalised with the network's statistics (ImageNet's for the built-in backbones). Only the small per-image parameters cross from the host.
/// </summary>
internal static class BatchAugmenter
{
    /// <summary>The network's input: normalised float32 [N, 3, <paramref name="size"/>, <paramref name="size"/>] on <paramref name="device"/>.</summary>
    /// <param name="rgba">Pixels [N, P, P, 4], uint8, on any device.</param>
    /// <param name="draws">Each image's changes (N of them).</param>
    /// <param name="size">The output side S.</param>
    /// <param name="device">Where the work is done and the result lives.</param>
    /// <param name="normalization">The network's input normalisation.</param>
    public static Tensor Apply(Tensor rgba, IReadOnlyList<BatchAugmentationDraw> draws, int size, Device device, InputNormalization normalization)
    {
        using var scope = NewDisposeScope();
        var images = Resample(ToFloatPlanes(rgba, device), draws, size);
        images = Relight(images, draws);
        return ImageTensorConverter.NormalizeFloat(images, device, normalization).MoveToOuterDisposeScope();
    }

    /// <summary>RGBA uint8 [N, P, P, 4] → RGB float32 [N, 3, P, P] in [0, 1], converted on <paramref name="device"/>.</summary>
    internal static Tensor ToFloatPlanes(Tensor rgba, Device device)
    {
        using var maximum = 255f.ToScalar();
        return rgba.to(device).narrow(3, 0, 3).permute(0, 3, 1, 2).to_type(ScalarType.Float32).div_(maximum);
    }

    /// <summary>One <c>grid_sample</c> for the whole batch; [N, 3, P, P] → [N, 3, S, S].</summary>
    internal static Tensor Resample(Tensor images, IReadOnlyList<BatchAugmentationDraw> draws, int size)
    {
        int n = draws.Count;
        var matrices = new float[n * 9];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < 9; j++)
                matrices[9 * i + j] = (float)draws[i].Homography[j];
        // Output pixel centres in [−1, 1] (align_corners = false), homogeneous: [S·S, 3], x fastest.
        var grid = new float[size * size * 3];
        for (int y = 0; y < size; y++)
        {
            for (int x = 0; x < size; x++)
            {
                int at = 3 * (y * size + x);
                grid[at] = (2 * x + 1) / (float)size - 1;
                grid[at + 1] = (2 * y + 1) / (float)size - 1;
                grid[at + 2] = 1;
            }
        }
        var device = images.device;
        var h = tensor(matrices, [n, 3, 3], device: device);
        var points = tensor(grid, [1, size * size, 3], device: device);
        var mapped = points.matmul(h.transpose(1, 2)); // [N, S·S, 3]
        var xy = mapped.narrow(2, 0, 2).div(mapped.narrow(2, 2, 1)).reshape(n, size, size, 2);
        return nn.functional.grid_sample(images, xy, GridSampleMode.Bilinear, GridSamplePaddingMode.Reflection, align_corners: false);
    }

    /// <summary>σ(contrast·logit(x) + brightness) per image, when any image changes lighting (fast.ai's <c>LightingTfm</c>).</summary>
    internal static Tensor Relight(Tensor images, IReadOnlyList<BatchAugmentationDraw> draws)
    {
        if (!draws.Any(d => d.ChangesLighting))
            return images;
        int n = draws.Count;
        var device = images.device;
        var contrast = tensor(draws.Select(d => (float)d.Contrast).ToArray(), [n, 1, 1, 1], device: device);
        var brightness = tensor(draws.Select(d => (float)d.Brightness).ToArray(), [n, 1, 1, 1], device: device);
        // fast.ai clamps to [1e-7, 1 − 1e-7] before the logit; float32 needs a wider margin to stay finite.
        // addcmul: brightness + contrast·logit in one pass over the batch.
        return brightness.addcmul(images.logit(1e-6), contrast, KeptAliveScalars.One).sigmoid_();
    }
}
