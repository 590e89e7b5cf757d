using Microsoft.ML.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>
/// Turns decoded images of any size and pixel format into the network's input: RGB, resized
/// bilinearly (antialiased when shrinking) to a square, normalised with ImageNet statistics.
/// </summary>
internal static class ImageTensorConverter
{
    // ImageNet channel statistics (RGB), as used by torchvision's and fast.ai's pretrained models.
    public static readonly float[] Mean = [0.485f, 0.456f, 0.406f];
    public static readonly float[] Std = [0.229f, 0.224f, 0.225f];

    /// <summary>Resized RGB pixels, 0–255, shape [3, size, size], dtype uint8 — compact enough to cache.</summary>
    public static Tensor ToResizedBytes(MLImage image, int size)
    {
        using var scope = NewDisposeScope();
        int width = image.Width, height = image.Height;
        var pixels = image.Pixels;
        int channels = pixels.Length / (width * height);
        if (channels != 4)
            throw new InvalidDataException($"Expected 4 bytes per pixel in an MLImage, found {channels}.");

        // MLImage holds Bgra32 or Rgba32; pick R, G, B in that order and drop alpha.
        long[] rgb = image.PixelFormat == MLPixelFormat.Bgra32 ? [2, 1, 0] : [0, 1, 2];
        var hwc = tensor(pixels.ToArray(), [height, width, 4]);
        var chw = hwc.index_select(2, tensor(rgb)).permute(2, 0, 1).unsqueeze(0).to_type(float32);
        // MLImage decodes with premultiplied alpha; undo it so translucent pixels keep their colour
        // (as PIL's convert("RGB") does for fast.ai). Fully transparent pixels stay black.
        var alpha = hwc.select(2, 3);
        if (alpha.min().ToByte() < 255)
            chw = chw.mul_(255f).div_(alpha.to_type(float32).clamp_min(1f)).clamp_(0f, 255f);
        var resized = width == size && height == size
            ? chw
            : nn.functional.interpolate(chw, [size, size], mode: InterpolationMode.Bilinear,
                align_corners: false, antialias: width > size || height > size);
        return resized.squeeze(0).round_().clamp_(0, 255).to_type(uint8).MoveToOuterDisposeScope();
    }

    /// <summary>A batch [N, 3, S, S] of uint8 pixels as normalised float32 on <paramref name="device"/>.</summary>
    public static Tensor Normalize(Tensor bytes, Device device)
    {
        using var scope = NewDisposeScope();
        var mean = tensor(Mean, [1, 3, 1, 1], device: device);
        var std = tensor(Std, [1, 3, 1, 1], device: device);
        var x = bytes.to(device).to_type(float32).div_(255f);
        return x.sub_(mean).div_(std).MoveToOuterDisposeScope();
    }
}
