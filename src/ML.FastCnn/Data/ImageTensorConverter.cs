using Microsoft.ML.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>
/// The network's input: images rendered to RGB squares (<see cref="ImageRenderer"/>), as uint8,
/// then normalised with ImageNet statistics on the device.
/// </summary>
internal static class ImageTensorConverter
{
    // ImageNet channel statistics (RGB), as used by torchvision's and fast.ai's pretrained models.
    public static readonly float[] Mean = [0.485f, 0.456f, 0.406f];
    public static readonly float[] Std = [0.229f, 0.224f, 0.225f];

    /// <summary>Resized RGB pixels, 0–255, shape [3, size, size], dtype uint8.</summary>
    public static Tensor ToResizedBytes(MLImage image, int size, ResizeMethod resize = ResizeMethod.Squish)
    {
        using var source = ImageSource.CopyOf(image);
        var chw = new byte[3 * size * size];
        ImageRenderer.Render(source.Bitmap, size, AugmentationDraw.Identity with { Resize = resize }, chw);
        return tensor(chw, [3, size, size]);
    }

    /// <summary>A batch [N, 3, S, S] of uint8 pixels as normalised float32 on <paramref name="device"/>.</summary>
    public static Tensor Normalize(Tensor bytes, Device device)
    {
        using var scope = NewDisposeScope();
        // An explicit Scalar, alive until the end of the method: an implicit 255f temporary can be freed by
        // its finalizer while libtorch reads it (TorchSharp 0.107, DESIGN.md "TorchSharp scalars").
        using var maximum = 255f.ToScalar();
        var mean = tensor(Mean, [1, 3, 1, 1], device: device);
        var std = tensor(Std, [1, 3, 1, 1], device: device);
        var x = bytes.to(device).to_type(float32).div_(maximum);
        return x.sub_(mean).div_(std).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Float pixels [N, 3, S, S] in [0, 1] on <paramref name="device"/>, normalised for batch augmentation: (x − mean)/std in one
    /// pass, as x·(1/std) − mean/std (within a float rounding of <see cref="Normalize"/>, which scoring keeps).
    /// </summary>
    public static Tensor NormalizeFloat(Tensor x, Device device)
    {
        using var scope = NewDisposeScope();
        var scale = tensor(Std.Select(s => 1 / s).ToArray(), [1, 3, 1, 1], device: device);
        var shift = tensor(Mean.Zip(Std, (m, s) => -m / s).ToArray(), [1, 3, 1, 1], device: device);
        return shift.addcmul(x, scale, KeptAliveScalars.One).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// A batch as the network's input on <paramref name="device"/>: augmented on the device when it carries batch
    /// draws (<see cref="ImageBatch.Draws"/>), otherwise its rendered squares normalised.
    /// </summary>
    public static Tensor ToInput(ImageBatch batch, Device device) =>
        batch.Draws is { } draws ? BatchAugmenter.Apply(batch.Images, draws, batch.OutputSize, device) : Normalize(batch.Images, device);
}
