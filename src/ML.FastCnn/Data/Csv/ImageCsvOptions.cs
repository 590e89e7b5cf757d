namespace ML.FastCnn;

/// <summary>How <c>mlContext.Data.LoadImageCsv</c> reads a CSV file of image paths and labels (fast.ai <c>ImageDataLoaders.from_csv</c>).</summary>
public sealed class ImageCsvOptions
{
    /// <summary>
    /// What the label column holds: <see cref="ImageTask.SingleLabel"/> one class per image (the default),
    /// <see cref="ImageTask.MultiLabel"/> any number of classes separated by <see cref="LabelDelimiter"/>, or
    /// <see cref="ImageTask.Regression"/> a number. <see cref="ImageTask.Auto"/> is refused: a CSV's text does not say which.
    /// </summary>
    public ImageTask Task { get; set; } = ImageTask.SingleLabel;

    /// <summary>The column of image paths, relative to the image folder (or absolute). Null: the first column (fast.ai <c>fn_col=0</c>).</summary>
    public string? PathColumn { get; set; }

    /// <summary>The label column. Null: the second column (fast.ai <c>label_col=1</c>).</summary>
    public string? LabelColumn { get; set; }

    /// <summary>
    /// Text added to every path, for files listed without their extension (fast.ai <c>suff</c>; e.g. ".jpg" for the
    /// Planet dataset's <c>image_name</c> column). Default none.
    /// </summary>
    public string PathSuffix { get; set; } = "";

    /// <summary>
    /// The column that marks validation rows (true/false or 1/0, any case; fast.ai <c>valid_col</c>). Default "is_valid";
    /// when the CSV has no column of that name, a seeded <see cref="ValidationFraction"/> of the rows is set aside instead.
    /// Another name must be in the CSV. Null or empty: always split by <see cref="ValidationFraction"/>.
    /// </summary>
    public string? ValidColumn { get; set; } = DefaultValidColumn;

    /// <summary>What separates the labels of a row with <see cref="ImageTask.MultiLabel"/> (fast.ai <c>label_delim</c>). Default ' '.</summary>
    public char LabelDelimiter { get; set; } = ' ';

    /// <summary>
    /// Without a valid column: the fraction of the rows set aside for validation, drawn at random (fast.ai's
    /// <c>RandomSplitter</c>), in [0, 1). 0: no validation set. Default 0.2.
    /// </summary>
    public double ValidationFraction { get; set; } = 0.2;

    /// <summary>Seed of that split. Default 42.</summary>
    public int Seed { get; set; } = 42;

    /// <summary>
    /// What to do with a row whose image file is missing or empty (or, with <see cref="CheckImages"/>, truncated or not
    /// decodable): fail naming the line and the file, or leave the row out and list the file in
    /// <see cref="ImageCsvData.SkippedPaths"/>. Default Fail.
    /// </summary>
    public BadImagePolicy BadFiles { get; set; } = BadImagePolicy.Fail;

    /// <summary>
    /// Check every image file while reading the CSV — that a decoder recognises it and that it is not truncated (reads
    /// each file's header and end) — so bad files are found before training, not when first read. Default false
    /// (missing and empty files are always found).
    /// </summary>
    public bool CheckImages { get; set; }

    /// <summary>The name <see cref="ValidColumn"/> starts with, which may be absent from a CSV.</summary>
    internal const string DefaultValidColumn = "is_valid";
}
