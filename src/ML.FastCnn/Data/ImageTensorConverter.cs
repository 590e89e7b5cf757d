using Microsoft.ML.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>
/// The network's input: images rendered to RGB squares (<see cref="ImageRenderer"/>), as uint8,
/// then normalised on the device with the network's own statistics (<see cref="InputNormalization"/>:
/// ImageNet's for the built-in backbones). The normalisation is always passed in, never assumed: a custom
/// backbone's must reach every place the network sees pixels.
/// </summary>
internal static class ImageTensorConverter
{
    /// <summary>Resized RGB pixels, 0–255, shape [3, size, size], dtype uint8.</summary>
    public static Tensor ToResizedBytes(MLImage image, int size, ResizeMethod resize = ResizeMethod.Squish)
    {
        using var source = ImageSource.CopyOf(image);
        var chw = new byte[3 * size * size];
        ImageRenderer.Render(source.Bitmap, size, AugmentationDraw.Identity with { Resize = resize }, chw);
        return tensor(chw, [3, size, size]);
    }

    /// <summary>A batch [N, 3, S, S] of uint8 pixels as float32 on <paramref name="device"/>, normalised with <paramref name="normalization"/>.</summary>
    public static Tensor Normalize(Tensor bytes, Device device, InputNormalization normalization)
    {
        using var scope = NewDisposeScope();
        // An explicit Scalar, alive until the end of the method: an implicit 255f temporary can be freed by
        // its finalizer while libtorch reads it (TorchSharp 0.107, DESIGN.md "TorchSharp scalars").
        using var maximum = 255f.ToScalar();
        var statistics = OnDevice(device, normalization);
        var x = bytes.to(device).to_type(float32).div_(maximum);
        return x.sub_(statistics.Mean).div_(statistics.Std).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Float pixels [N, 3, S, S] in [0, 1] on <paramref name="device"/>, normalised for batch augmentation: (x − mean)/std in one
    /// pass, as x·(1/std) − mean/std (within a float rounding of <see cref="Normalize"/>, which scoring keeps).
    /// </summary>
    public static Tensor NormalizeFloat(Tensor x, Device device, InputNormalization normalization)
    {
        using var scope = NewDisposeScope();
        var statistics = OnDevice(device, normalization);
        return statistics.Shift.addcmul(x, statistics.Scale, KeptAliveScalars.One).MoveToOuterDisposeScope();
    }

    /// <summary>The [1, 3, 1, 1] tensors of a normalisation on one device: mean and std, and 1/std and −mean/std.</summary>
    internal sealed record DeviceStatistics(Tensor Mean, Tensor Std, Tensor Scale, Tensor Shift);

    private static readonly Dictionary<(DeviceType Type, long Index, string Numbers), DeviceStatistics> s_onDevice = [];
    private static readonly Lock s_onDeviceLock = new();

    /// <summary>
    /// A normalisation's tensors on <paramref name="device"/>, made (one host-to-device copy each) the first time they are
    /// asked for and kept for the process's lifetime, outside every dispose scope; every batch used to copy them anew.
    /// </summary>
    /// <remarks>
    /// Why the process owns them rather than a model: they are four tensors of three floats per (device, normalisation), a
    /// process meets one or a few of each (ImageNet's, a custom backbone's), and they are only ever read (never an in-place
    /// operand), so threads and models can share them. A model owning them would have to hand them to every place that
    /// normalises (training, each scoring engine, Grad-CAM, activation caching, the diagnosis probe) and dispose them
    /// after its last scorer; the process's copy has no owner to outlive. Keyed by the numbers' bits, not the
    /// record (which compares its arrays by reference); a lock (not GetOrAdd) so that a race never makes tensors nobody frees.
    /// </remarks>
    internal static DeviceStatistics OnDevice(Device device, InputNormalization normalization)
    {
        var key = (device.type, device.index, Bits(normalization));
        lock (s_onDeviceLock)
        {
            if (!s_onDevice.TryGetValue(key, out var statistics))
            {
                // Computed on the host exactly as before (float division), then copied once.
                float[] scale = normalization.Std.Select(s => 1 / s).ToArray();
                float[] shift = normalization.Mean.Zip(normalization.Std, (m, s) => -m / s).ToArray();
                statistics = new DeviceStatistics(Make(normalization.Mean), Make(normalization.Std), Make(scale), Make(shift));
                s_onDevice.Add(key, statistics);
            }
            return statistics;
        }

        Tensor Make(float[] values) => tensor(values, [1, 3, 1, 1], device: device).DetachFromDisposeScope();
    }

    private static string Bits(InputNormalization normalization) =>
        string.Join(',', normalization.Mean.Concat(normalization.Std).Select(v => BitConverter.SingleToInt32Bits(v).ToString("x8", System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>
    /// A batch as the network's input on <paramref name="device"/>: augmented on the device when it carries batch
    /// draws (<see cref="ImageBatch.Draws"/>), otherwise its rendered squares normalised; with <paramref name="normalization"/> either way.
    /// </summary>
    public static Tensor ToInput(ImageBatch batch, Device device, InputNormalization normalization) =>
        batch.Draws is { } draws
            ? BatchAugmenter.Apply(batch.Images, draws, batch.OutputSize, device, normalization)
            : Normalize(batch.Images, device, normalization);
}
