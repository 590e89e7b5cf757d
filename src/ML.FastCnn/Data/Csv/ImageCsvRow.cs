namespace ML.FastCnn;

/// <summary>One row of a CSV dataset: an image file and its labels or number.</summary>
/// <param name="ImagePath">Full path of the image file.</param>
/// <param name="Labels">
/// The row's classes: exactly one with <see cref="ImageTask.SingleLabel"/>, any number (none included) with
/// <see cref="ImageTask.MultiLabel"/>, none with <see cref="ImageTask.Regression"/>.
/// </param>
/// <param name="Value">The row's number with <see cref="ImageTask.Regression"/>; otherwise null.</param>
/// <param name="Line">The line of the CSV file the row starts on (the header is line 1).</param>
public sealed record ImageCsvRow(string ImagePath, IReadOnlyList<string> Labels, float? Value, int Line);
