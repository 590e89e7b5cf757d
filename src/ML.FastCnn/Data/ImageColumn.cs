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

    /// <summary>A text column naming each row's file: for error messages, and for reading the file itself (see <see cref="Reader.Read"/>).</summary>
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
        private FileDecoding _fileDecoding;
        private int _filesCompared;

        /// <summary>Rows on which the file's own decoding must match LoadImages' before the reader decodes files itself.</summary>
        internal const int RowsCompared = 4;

        /// <summary>Whether the reader passes a LoadImages row's file on undecoded (<see cref="FileDecoding.Proven"/>).</summary>
        internal FileDecoding Decoding => _fileDecoding;

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
                // LoadImages decodes in the cursor's getter, on the one thread that reads rows, and decoders fill in a truncated
                // PNG, GIF or WebP. When the path column names the file itself, read its bytes instead: checked here, decoded
                // later on the pipeline's workers, by the same decoder (SKBitmap.Decode) — once compared on a few rows.
                var path = Path();
                if (path is null)
                    return Loaded();
                if (!File.Exists(path))
                {
                    // A relative path may be relative to LoadImages' imageFolder: LoadImages finds it, or says why not.
                    if (!System.IO.Path.IsPathRooted(path))
                        return Loaded();
                    throw new InvalidDataException("the file does not exist");
                }
                if (_fileDecoding == FileDecoding.Off) // LoadImages decodes: the file's head and tail say whether it is whole
                {
                    if (ImageFileCheck.FindProblem(path) is { } damaged)
                        throw new InvalidDataException(damaged);
                    return Loaded();
                }
                var file = File.ReadAllBytes(path);
                if (ImageFileCheck.FindProblem(file) is { } problem)
                    throw new InvalidDataException(problem);
                if (_fileDecoding == FileDecoding.Proven)
                    return ImageSource.Encoded(file);
                var loaded = Loaded();
                _fileDecoding = !loaded.HasPixelsOf(file) ? FileDecoding.Off : ++_filesCompared < RowsCompared ? FileDecoding.Unproven : FileDecoding.Proven;
                return loaded;
            }
            catch (ArgumentException e) when (e.ParamName == "imageStream")
            {
                // ML.NET's words for bytes no decoder recognises: "Invalid input stream contents".
                throw Unreadable(ImageSource.UnknownFormat, e);
            }
            catch (Exception e) when (e is not (OperationCanceledException or UnreadableImageException))
            {
                throw Unreadable(e.Message, e);
            }
        }

        /// <summary>The image LoadImages decoded for the current row, copied.</summary>
        private ImageSource Loaded()
        {
            _image!(ref _current); // LoadImages disposes the previous image here
            if (_current is null || _current.Width == 0 || _current.Height == 0)
                throw new InvalidDataException("no image was loaded (empty path?)");
            return ImageSource.CopyOf(_current);
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

/// <summary>Whether a reader of a <c>LoadImages</c> column decodes the row's file itself (on the pipeline's workers).</summary>
internal enum FileDecoding
{
    /// <summary>Not yet compared with LoadImages' decoding on <see cref="ImageColumn.Reader.RowsCompared"/> rows: LoadImages decodes.</summary>
    Unproven,

    /// <summary>Same pixels on every compared row: the file's bytes are passed on and decoded by whoever renders them.</summary>
    Proven,

    /// <summary>A compared row differed (the path names another file than LoadImages read): LoadImages decodes, always.</summary>
    Off,
}
