namespace ML.FastCnn;

/// <summary>One field of a CSV line as RFC 4180 writes it; every CSV file ML.FastCnn and its command line write uses it.</summary>
public static class CsvField
{
    private static readonly char[] NeedsQuotes = [',', '"', '\n', '\r'];

    /// <summary>
    /// <paramref name="value"/> as is, or in double quotes with its quotes doubled when it holds a comma,
    /// a double quote, a line feed or a carriage return (which would otherwise split the field or the line).
    /// </summary>
    /// <param name="value">The field's text; <see langword="null"/> writes an empty field.</param>
    public static string Escape(string? value) =>
        string.IsNullOrEmpty(value) ? "" : value.IndexOfAny(NeedsQuotes) < 0 ? value : $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";
}
