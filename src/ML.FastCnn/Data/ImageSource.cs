using System.Runtime.InteropServices;
using Microsoft.ML.Data;
using SkiaSharp;

namespace ML.FastCnn;

/// <summary>
/// One image, owned: its pixels copied out of the row (an <see cref="MLImage"/> is disposed by
/// ML.NET when the cursor moves) or its encoded bytes, to be decoded and rendered on a worker thread.
/// </summary>
internal sealed class ImageSource : IDisposable
{
    private SKBitmap? _bitmap;
    private readonly byte[]? _encoded;

    private ImageSource(SKBitmap? bitmap, byte[]? encoded)
    {
        _bitmap = bitmap;
        _encoded = encoded;
    }

    /// <summary>Copies the pixels of <paramref name="image"/> (Bgra32 or Rgba32, premultiplied alpha as ML.NET decodes them).</summary>
    public static ImageSource CopyOf(MLImage image)
    {
        var colorType = image.PixelFormat == MLPixelFormat.Bgra32 ? SKColorType.Bgra8888 : SKColorType.Rgba8888;
        var bitmap = new SKBitmap(new SKImageInfo(image.Width, image.Height, colorType, SKAlphaType.Premul));
        var pixels = image.Pixels;
        if (pixels.Length != bitmap.ByteCount)
        {
            bitmap.Dispose();
            throw new InvalidDataException($"Expected {bitmap.ByteCount} bytes of pixels in a {image.Width}×{image.Height} MLImage, found {pixels.Length}.");
        }
        pixels.CopyTo(PixelSpan(bitmap));
        return new ImageSource(bitmap, null);
    }

    /// <summary>Encoded bytes (PNG, JPEG, …), decoded on first use.</summary>
    public static ImageSource Encoded(byte[] bytes) => new(null, bytes);

    /// <summary>Unpremultiplied RGBA pixels, e.g. an image kept in the cache at the training size.</summary>
    public static ImageSource Rgba(byte[] pixels, int width, int height)
    {
        var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        pixels.CopyTo(PixelSpan(bitmap));
        return new ImageSource(bitmap, null);
    }

    /// <summary>The decoded image; throws <see cref="InvalidDataException"/> when the bytes are not an image.</summary>
    public SKBitmap Bitmap
    {
        get
        {
            if (_bitmap is null)
            {
                if (_encoded is not { Length: > 0 })
                    throw new InvalidDataException("the file is empty or missing");
                _bitmap = Decode(_encoded);
            }
            return _bitmap;
        }
    }

    /// <summary>Why bytes that no decoder recognises cannot be used (the words for LoadImages' and for our own decoding).</summary>
    internal const string UnknownFormat = "not an image the decoders read (an unknown format, or a damaged header)";

    /// <summary>
    /// <paramref name="encoded"/> decoded as LoadImages decodes a file (<c>SKBitmap.Decode</c> of the format's codec);
    /// throws <see cref="InvalidDataException"/> when no decoder recognises it or it does not decode.
    /// </summary>
    private static SKBitmap Decode(byte[] encoded)
    {
        using var data = SKData.CreateCopy(encoded);
        using var codec = SKCodec.Create(data) ?? throw new InvalidDataException(UnknownFormat); // SKBitmap.Decode would throw ArgumentNullException
        return SKBitmap.Decode(codec) ?? throw new InvalidDataException("the bytes are not an image SkiaSharp can decode");
    }

    /// <summary>
    /// Whether decoding <paramref name="encoded"/> gives this image's size and pixels (in this image's colour type, as
    /// <see cref="MLImage"/> converts a grey or indexed decode).
    /// </summary>
    public bool HasPixelsOf(byte[] encoded)
    {
        SKBitmap decoded;
        try
        {
            decoded = Decode(encoded);
        }
        catch (InvalidDataException)
        {
            return false;
        }
        using var _ = decoded;
        if (decoded.Width != Bitmap.Width || decoded.Height != Bitmap.Height)
            return false;
        using var converted = decoded.ColorType == Bitmap.ColorType ? null : decoded.Copy(Bitmap.ColorType);
        var pixels = converted ?? decoded;
        return PixelSpan(pixels).SequenceEqual(PixelSpan(Bitmap));
    }

    public static unsafe Span<byte> PixelSpan(SKBitmap bitmap) => new((void*)bitmap.GetPixels(), bitmap.ByteCount);

    public void Dispose() => _bitmap?.Dispose();
}
