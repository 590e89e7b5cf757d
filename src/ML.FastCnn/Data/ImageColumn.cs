using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;

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

    public bool IsEncodedBytes => InputColumns.IsEncodedBytes(Image.Type);

    /// <summary>Finds and checks the image column, with a message that says how to fix a bad schema.</summary>
    public static ImageColumn Bind(DataViewSchema schema, string imageColumnName, string? pathColumnName)
    {
        var image = InputColumns.CheckImage(schema, imageColumnName);
        var path = pathColumnName is null ? null : schema.GetColumnOrNull(pathColumnName);
        if (path is { Type: not TextDataViewType })
            path = null;
        return new ImageColumn(image, path);
    }

    /// <summary>
    /// A reader bound to a row (or cursor) that has <see cref="Columns"/> active: returns an owned
    /// copy of the current row's image (encoded bytes are decoded later, by whoever renders them).
    /// </summary>
    /// <param name="row">The row or cursor.</param>
    /// <param name="scoring">Reading for scoring (error messages advise accordingly).</param>
    public Reader CreateReader(DataViewRow row, bool scoring = false) => new(this, row, scoring);

    /// <summary>Reads one column's images from one row or cursor.</summary>
    internal sealed class Reader
    {
        private readonly DataViewRow _row;
        private readonly ValueGetter<MLImage>? _image;
        private readonly ValueGetter<VBuffer<byte>>? _bytes;
        private readonly ValueGetter<ReadOnlyMemory<char>>? _path;
        private MLImage _current = null!;
        private VBuffer<byte> _buffer;
        private readonly bool _scoring;

        public Reader(ImageColumn column, DataViewRow row, bool scoring)
        {
            _row = row;
            _scoring = scoring;
            if (column.IsEncodedBytes)
                _bytes = row.GetGetter<VBuffer<byte>>(column.Image);
            else
                _image = row.GetGetter<MLImage>(column.Image);
            _path = column.Path is { } p ? row.GetGetter<ReadOnlyMemory<char>>(p) : null;
        }

        /// <summary>The current row's image file, when the input has a path column.</summary>
        public string? Path()
        {
            if (_path is null)
                return null;
            ReadOnlyMemory<char> value = default;
            _path(ref value);
            return value.ToString();
        }

        /// <summary>The current row's image, owned by the caller.</summary>
        /// <exception cref="UnreadableImageException">The image is missing or cannot be read.</exception>
        public ImageSource Read()
        {
            try
            {
                if (_bytes is not null)
                {
                    _bytes(ref _buffer);
                    var bytes = _buffer.DenseValues().ToArray();
                    if (bytes.Length == 0)
                        throw new InvalidDataException(Path() is { } missing && !File.Exists(missing) ? "the file does not exist" : "the file is empty");
                    return ImageFileCheck.FindProblem(bytes) is { } damaged ? throw new InvalidDataException(damaged) : ImageSource.Encoded(bytes);
                }
                // LoadImages has decoded the file already, and decoders fill in a truncated PNG, GIF or WebP: check the file itself.
                var path = Path();
                if (path is not null && ImageFileCheck.FindProblem(path) is { } problem)
                    throw new InvalidDataException(problem);
                _image!(ref _current); // LoadImages disposes the previous image here
                if (_current is null || _current.Width == 0 || _current.Height == 0)
                    throw new InvalidDataException("no image was loaded (empty path?)");
                return ImageSource.CopyOf(_current);
            }
            catch (ArgumentException e) when (e.ParamName == "imageStream")
            {
                // ML.NET's words for bytes no decoder recognises: "Invalid input stream contents".
                throw Unreadable("not an image the decoders read (an unknown format, or a damaged header)", e);
            }
            catch (Exception e) when (e is not (OperationCanceledException or UnreadableImageException))
            {
                throw Unreadable(e.Message, e);
            }
        }

        /// <summary>The current row for a batch pipeline: its image, or why it could not be read (the policy decides later).</summary>
        public LabeledImage ReadRow(long position, float[] target)
        {
            try
            {
                return new LabeledImage(position, Read(), target, Path(), null);
            }
            catch (UnreadableImageException e)
            {
                return new LabeledImage(position, null, target, Path(), e);
            }
        }

        /// <summary>The error for the current row's image.</summary>
        public UnreadableImageException Unreadable(string reason, Exception? inner) => new(Path(), _row.Position, reason, inner, _scoring);
    }
}
