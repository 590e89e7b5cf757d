using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>
/// The image column of an input schema: an <see cref="MLImage"/> from <c>LoadImages</c> or encoded
/// bytes from <c>LoadRawImageBytes</c>. Creates per-row readers that return resized uint8 pixels.
/// </summary>
internal sealed class ImageColumn
{
    private ImageColumn(DataViewSchema.Column image, DataViewSchema.Column? path)
    {
        Image = image;
        Path = path;
    }

    /// <summary>The image column itself.</summary>
    public DataViewSchema.Column Image { get; }

    /// <summary>A text column naming each row's file, used only in error messages.</summary>
    public DataViewSchema.Column? Path { get; }

    /// <summary>The columns a reader needs active.</summary>
    public IEnumerable<DataViewSchema.Column> Columns => Path is { } path ? [Image, path] : [Image];

    public bool IsEncodedBytes => Image.Type is VectorDataViewType;

    /// <summary>Finds and checks the image column, with a message that says how to fix a bad schema.</summary>
    public static ImageColumn Bind(DataViewSchema schema, string imageColumnName, string? pathColumnName)
    {
        var image = schema.GetColumnOrNull(imageColumnName)
            ?? throw new ArgumentOutOfRangeException(nameof(imageColumnName),
                $"Image column '{imageColumnName}' not found in the input. Load images with " +
                $"mlContext.Transforms.LoadImages(\"{imageColumnName}\", imageFolder, \"ImagePath\") " +
                "or set FastCnnOptions.ImageColumnName to the name of your image column.");
        bool isImage = image.Type is ImageDataViewType;
        bool isBytes = image.Type is VectorDataViewType { ItemType: NumberDataViewType n } && n.RawType == typeof(byte);
        if (!isImage && !isBytes)
            throw new ArgumentOutOfRangeException(nameof(imageColumnName),
                $"Image column '{imageColumnName}' has type {image.Type}, but FastCnn needs an image " +
                "(from LoadImages) or encoded image bytes (from LoadRawImageBytes). Load the files with one of those.");

        var path = pathColumnName is null ? null : schema.GetColumnOrNull(pathColumnName);
        if (path is { Type: not TextDataViewType })
            path = null;
        return new ImageColumn(image, path);
    }

    /// <summary>A reader bound to a row (or cursor) that has <see cref="Columns"/> active.</summary>
    public Func<Tensor> CreateReader(DataViewRow row, int size)
    {
        Func<MLImage?> decode;
        bool owned; // Decoded bytes are ours to dispose; LoadImages disposes its own image on the next call.
        if (IsEncodedBytes)
        {
            var getter = row.GetGetter<VBuffer<byte>>(Image);
            VBuffer<byte> buffer = default;
            decode = () =>
            {
                getter(ref buffer);
                var bytes = buffer.DenseValues().ToArray();
                if (bytes.Length == 0)
                    throw new InvalidDataException("the file is empty or missing");
                using var stream = new MemoryStream(bytes);
                return MLImage.CreateFromStream(stream);
            };
            owned = true;
        }
        else
        {
            var getter = row.GetGetter<MLImage>(Image);
            MLImage image = null!;
            decode = () => { getter(ref image); return image; };
            owned = false;
        }

        ValueGetter<ReadOnlyMemory<char>>? pathGetter = Path is { } p ? row.GetGetter<ReadOnlyMemory<char>>(p) : null;
        return () =>
        {
            MLImage? image;
            try
            {
                image = decode();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                throw Unreadable(row, pathGetter, e.Message, e);
            }
            if (image is null || image.Width == 0 || image.Height == 0)
                throw Unreadable(row, pathGetter, "no image was loaded (empty path?)", null);
            try
            {
                return ImageTensorConverter.ToResizedBytes(image, size);
            }
            finally
            {
                if (owned)
                    image.Dispose();
            }
        };
    }

    private static UnreadableImageException Unreadable(DataViewRow row, ValueGetter<ReadOnlyMemory<char>>? pathGetter, string reason, Exception? inner)
    {
        string? path = null;
        if (pathGetter is not null)
        {
            ReadOnlyMemory<char> value = default;
            pathGetter(ref value);
            path = value.ToString();
        }
        return new UnreadableImageException(path, row.Position, reason, inner);
    }
}
