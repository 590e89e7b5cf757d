using System.Buffers.Binary;
using SkiaSharp;

namespace ML.FastCnn;

/// <summary>
/// Whether an image file is whole, before anything decodes it — what FastCnn checks for every image
/// it reads from a file or from encoded bytes, public so that an application can check uploads the
/// same way. Catches what decoders let through: SkiaSharp (and so ML.NET's <c>LoadImages</c>) decodes a
/// truncated PNG, JPEG, GIF or WebP without complaint, filling the missing part. A complete file of
/// these formats ends with a known trailer (or, for WebP, is as long as its header says); reading the
/// first and last bytes of a file is enough to tell. Other formats are left to the decoder. A few
/// bytes of padding after a PNG's IEND chunk or a JPEG's end-of-image marker are tolerated.
/// </summary>
public static class ImageFileCheck
{
    private const int HeadLength = 16, TailLength = 16;
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Why the file at <paramref name="path"/> is not a whole image, or null when nothing is known to be wrong.</summary>
    public static string? FindProblem(string path)
    {
        FileInfo file = new(path);
        if (!file.Exists)
            return "the file does not exist";
        if (file.Length == 0)
            return "the file is empty";
        using var stream = file.OpenRead();
        Span<byte> head = stackalloc byte[(int)Math.Min(HeadLength, file.Length)];
        stream.ReadExactly(head);
        Span<byte> tail = stackalloc byte[(int)Math.Min(TailLength, file.Length)];
        stream.Seek(-tail.Length, SeekOrigin.End);
        stream.ReadExactly(tail);
        return FindProblem(head, tail, file.Length);
    }

    /// <summary>
    /// Why a file named by a dataset listing (a folder, a CSV) cannot be used, or null: missing or empty always; with
    /// <paramref name="decode"/>, also truncated or in a format no decoder recognises (reads the header and the end only).
    /// </summary>
    internal static string? FindListingProblem(string path, bool decode)
    {
        if (!decode)
        {
            FileInfo file = new(path);
            return !file.Exists ? "the file does not exist" : file.Length == 0 ? "the file is empty" : null;
        }
        if (FindProblem(path) is { } damaged)
            return damaged;
        using var codec = SKCodec.Create(path, out var result);
        return codec is null ? $"not an image the decoders read ({result})" : null;
    }

    /// <summary>Why <paramref name="bytes"/> (a whole encoded file) is not a whole image, or null.</summary>
    public static string? FindProblem(ReadOnlySpan<byte> bytes) => bytes.IsEmpty
        ? "the file is empty"
        : FindProblem(bytes[..Math.Min(HeadLength, bytes.Length)], bytes[Math.Max(0, bytes.Length - TailLength)..], bytes.Length);

    private static string? FindProblem(ReadOnlySpan<byte> head, ReadOnlySpan<byte> tail, long length)
    {
        if (head.StartsWith(PngSignature))
            return tail.IndexOf("IEND"u8) >= 0 ? null : $"the PNG data is truncated ({length} bytes, no IEND chunk at the end)";
        if (head.StartsWith("GIF87a"u8) || head.StartsWith("GIF89a"u8))
            return tail[^1] == 0x3B ? null : $"the GIF data is truncated ({length} bytes, no trailer at the end)";
        if (head.Length >= 12 && head.StartsWith("RIFF"u8) && head[8..12].SequenceEqual("WEBP"u8))
        {
            long expected = BinaryPrimitives.ReadUInt32LittleEndian(head[4..8]) + 8L;
            return length >= expected ? null : $"the WebP data is truncated ({length} of {expected} bytes)";
        }
        if (head.Length >= 3 && head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF)
            return tail.IndexOf([(byte)0xFF, (byte)0xD9]) >= 0 ? null : $"the JPEG data is truncated ({length} bytes, no end-of-image marker)";
        return null;
    }
}
