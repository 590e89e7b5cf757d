namespace ML.FastCnn;

/// <summary>One image file and its class: a row of a folder dataset (columns <c>ImagePath</c>, <c>Label</c>).</summary>
public sealed class ImageFolderRow
{
    /// <summary>Full path of the image file.</summary>
    public string ImagePath { get; set; } = "";

    /// <summary>The class: the name of the folder the file is in (under train/ or valid/).</summary>
    public string Label { get; set; } = "";
}
