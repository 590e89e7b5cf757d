using Microsoft.VisualBasic.FileIO;

namespace ML.FastCnn.Samples;

/// <summary>
/// The column names of a CSV file, so that the commands can pick the label column and the task before
/// <c>LoadImageCsv</c> reads the rows (and say which column is missing in the command line's words).
/// </summary>
internal static class CsvHeader
{
    /// <summary>The first line's fields, trimmed; quoted fields may hold commas and doubled quotes (.NET's <see cref="TextFieldParser"/>, as <c>LoadImageCsv</c>).</summary>
    public static IReadOnlyList<string> Read(string path)
    {
        using var parser = new TextFieldParser(path) { TextFieldType = FieldType.Delimited, HasFieldsEnclosedInQuotes = true, TrimWhiteSpace = false };
        parser.SetDelimiters(",");
        try
        {
            var fields = parser.ReadFields() ?? throw new CliException($"--labels: '{path}' is empty; it needs a header line (path column, label column, …).");
            return [.. fields.Select(f => f.Trim())];
        }
        catch (MalformedLineException e)
        {
            throw new CliException($"--labels: the header line of '{path}' is not valid CSV ({e.Message.TrimEnd('.')}): close every quoted field.");
        }
    }
}
