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
        var mean = tensor(normalization.Mean, [1, 3, 1, 1], device: device);
        var std = tensor(normalization.Std, [1, 3, 1, 1], device: device);
        var x = bytes.to(device).to_type(float32).div_(maximum);
        return x.sub_(mean).div_(std).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Float pixels [N, 3, S, S] in [0, 1] on <paramref name="device"/>, normalised for batch augmentation: (x − mean)/std in one
    /// pass, as x·(1/std) − mean/std (within a float rounding of <see cref="Normalize"/>, which scoring keeps).
    /// </summary>
    public static Tensor NormalizeFloat(Tensor x, Device device, InputNormalization normalization)
    {
        using var scope = NewDisposeScope();
        var scale = tensor(normalization.Std.Select(s => 1 / s).ToArray(), [1, 3, 1, 1], device: device);
        var shift = tensor(normalization.Mean.Zip(normalization.Std, (m, s) => -m / s).ToArray(), [1, 3, 1, 1], device: device);
        return shift.addcmul(x, scale, KeptAliveScalars.One).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// A batch as the network's input on <paramref name="device"/>: augmented on the device when it carries batch
    /// draws (<see cref="ImageBatch.Draws"/>), otherwise its rendered squares normalised; with <paramref name="normalization"/> either way.
    /// </summary>
    public static Tensor ToInput(ImageBatch batch, Device device, InputNormalization normalization) =>
        batch.Draws is { } draws
            ? BatchAugmenter.Apply(batch.Images, draws, batch.OutputSize, device, normalization)
            : Normalize(batch.Images, device, normalization);
}
