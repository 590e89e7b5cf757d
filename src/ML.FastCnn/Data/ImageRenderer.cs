using SkiaSharp;

namespace ML.FastCnn;

/// <summary>
/// Renders an image into the network's input square with SkiaSharp: resized with Skia's high
/// quality filter (bicubic when enlarging, mipmaps when shrinking: the filter ML.NET's
/// <c>ResizeImages</c> uses for IsoCrop/IsoPad, so an exported ONNX model fed by ML.NET sees the
/// same pixels FastCnn trained on), squished, cropped or padded to a square as the draw's
/// <see cref="ResizeMethod"/> says (padding reflects the image, as fast.ai's default pad mode), optionally
/// cropped, zoomed, rotated, flipped and relit, with mirrored edges where a rotation reveals
/// them (fast.ai's reflection padding). Alpha is dropped. Writes 3·S² bytes, R then G then B planes (CHW).
/// Thread-safe: every call uses its own bitmaps.
/// </summary>
internal static class ImageRenderer
{
    public static void Render(SKBitmap source, int size, AugmentationDraw draw, Span<byte> chw)
    {
        if (chw.Length != 3 * size * size)
            throw new ArgumentException($"Expected room for {3 * size * size} bytes, got {chw.Length}.", nameof(chw));

        using var target = Draw(source, size, draw);

        ReadOnlySpan<byte> rgba = ImageSource.PixelSpan(target);
        int plane = size * size;
        for (int i = 0; i < plane; i++)
        {
            // Skia draws premultiplied; undo it so translucent pixels keep their colour (as PIL's
            // convert("RGB") does for fast.ai). Fully transparent pixels stay black.
            int alpha = rgba[4 * i + 3];
            for (int c = 0; c < 3; c++)
            {
                int value = rgba[4 * i + c];
                chw[c * plane + i] = alpha switch
                {
                    255 => (byte)value,
                    0 => 0,
                    _ => (byte)Math.Min(255, (value * 255 + alpha / 2) / alpha),
                };
            }
        }
    }

    /// <summary>
    /// Renders <paramref name="source"/> into an S×S square of unpremultiplied RGBA bytes (4·S², as Skia lays
    /// them out), the input of batch augmentation: a plain copy when the source is that square already in
    /// that layout (an image cached at the presize), otherwise one Skia resample, whose pixels Skia itself
    /// converts to unpremultiplied RGBA. No per-pixel loop in C#: the batch moves as bytes to the device.
    /// </summary>
    public static void RenderRgba(SKBitmap source, int size, AugmentationDraw draw, Span<byte> rgba)
    {
        if (rgba.Length != 4 * size * size)
            throw new ArgumentException($"Expected room for {4 * size * size} bytes, got {rgba.Length}.", nameof(rgba));
        if (source.Width == size && source.Height == size && source.ColorType == SKColorType.Rgba8888 && source.AlphaType == SKAlphaType.Unpremul
            && draw with { Resize = ResizeMethod.Squish, ResizePosition = 0.5 } == AugmentationDraw.Identity)
        {
            ImageSource.PixelSpan(source).CopyTo(rgba);
            return;
        }

        using var target = Draw(source, size, draw);
        unsafe
        {
            fixed (byte* pixels = rgba)
            {
                var info = new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Unpremul);
                if (!target.PeekPixels().ReadPixels(info, (IntPtr)pixels, info.RowBytes, 0, 0))
                    throw new InvalidOperationException("SkiaSharp could not convert the rendered image to RGBA.");
            }
        }
    }

    /// <summary>The draw's square of <paramref name="source"/>, premultiplied RGBA as Skia draws it (mirrored edges).</summary>
    private static SKBitmap Draw(SKBitmap source, int size, AugmentationDraw draw)
    {
        var target = new SKBitmap(new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Premul));
        using var canvas = new SKCanvas(target);
        using var paint = new SKPaint { FilterQuality = SKFilterQuality.High, IsAntialias = true };
        using var shader = SKShader.CreateBitmap(source, SKShaderTileMode.Mirror, SKShaderTileMode.Mirror, SourceToTarget(source, size, draw));
        using var lighting = draw.ChangesLighting ? Lighting(draw) : null;
        paint.Shader = shader;
        paint.ColorFilter = lighting;
        canvas.Clear(SKColors.Transparent);
        canvas.DrawRect(0, 0, size, size, paint);
        return target;
    }

    /// <summary>
    /// The region of the source (in source pixels) that becomes the square before augmentation: the whole
    /// image (Squish), its largest square placed along the long side (Crop), or the square around it (Pad).
    /// </summary>
    internal static (double X, double Y, double Width, double Height) Region(int width, int height, ResizeMethod method, double position)
    {
        switch (method)
        {
            case ResizeMethod.Crop:
            {
                int side = Math.Min(width, height);
                return (position * (width - side), position * (height - side), side, side);
            }
            case ResizeMethod.Pad:
            {
                int side = Math.Max(width, height);
                return ((width - side) / 2.0, (height - side) / 2.0, side, side);
            }
            default:
                return (0, 0, width, height);
        }
    }

    /// <summary>Maps source pixels to target pixels: crop centre to the origin, turn, flip, scale the crop to the square, centre it.</summary>
    private static SKMatrix SourceToTarget(SKBitmap source, int size, AugmentationDraw draw)
    {
        var region = Region(source.Width, source.Height, draw.Resize, draw.ResizePosition);
        float cropWidth = (float)(draw.CropWidth * region.Width), cropHeight = (float)(draw.CropHeight * region.Height);
        float centreX = (float)(region.X + draw.CropX * region.Width) + cropWidth / 2, centreY = (float)(region.Y + draw.CropY * region.Height) + cropHeight / 2;
        var matrix = SKMatrix.CreateTranslation(-centreX, -centreY);
        matrix = matrix.PostConcat(SKMatrix.CreateScale(size / cropWidth, size / cropHeight)); // the crop becomes the square; turning a square keeps it
        matrix = matrix.PostConcat(SKMatrix.CreateRotationDegrees((float)(draw.QuarterTurns * 90 + draw.Angle)));
        if (draw.FlipHorizontal)
            matrix = matrix.PostConcat(SKMatrix.CreateScale(-1, 1));
        return matrix.PostConcat(SKMatrix.CreateTranslation(size / 2f, size / 2f));
    }

    /// <summary>out = contrast·(in − ½) + ½ + brightness, per colour channel, alpha kept.</summary>
    private static SKColorFilter Lighting(AugmentationDraw draw)
    {
        float c = (float)draw.Contrast, shift = (float)(0.5 * (1 - draw.Contrast) + draw.Brightness);
        return SKColorFilter.CreateColorMatrix(
        [
            c, 0, 0, 0, shift,
            0, c, 0, 0, shift,
            0, 0, c, 0, shift,
            0, 0, 0, 1, 0,
        ]);
    }
}
