namespace ML.FastCnn;

// The typed rows a CSV dataset becomes as a data view: ML.NET makes the Label column's type from the property's,
// so each task has its own row class.

/// <summary>A <see cref="ImageTask.SingleLabel"/> row: <c>Label</c> is text.</summary>
internal sealed class SingleLabelCsvViewRow
{
    public string ImagePath { get; set; } = "";

    public string Label { get; set; } = "";
}

/// <summary>A <see cref="ImageTask.MultiLabel"/> row: <c>Label</c> is a variable-length text vector.</summary>
internal sealed class MultiLabelCsvViewRow
{
    public string ImagePath { get; set; } = "";

    public string[] Label { get; set; } = [];
}

/// <summary>A <see cref="ImageTask.Regression"/> row: <c>Label</c> is a Single.</summary>
internal sealed class RegressionCsvViewRow
{
    public string ImagePath { get; set; } = "";

    public float Label { get; set; }
}
