namespace ML.FastCnn.Samples;

/// <summary>
/// The column names of a CSV file, so that the commands can pick the label column and the task before
/// <c>LoadImageCsv</c> reads the rows (and say which column is missing in the command line's words).
/// </summary>
internal static class CsvHeader
{
    /// <summary>The first line's fields, trimmed; quoted fields may hold commas and doubled quotes.</summary>
    public static IReadOnlyList<string> Read(string path)
    {
        string line;
        using (var reader = new StreamReader(path))
            line = reader.ReadLine() ?? throw new CliException($"--labels: '{path}' is empty; it needs a header line (path column, label column, …).");
        var fields = new List<string>();
        var field = new System.Text.StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                    field.Append(line[++i]);
                else if (c == '"')
                    quoted = false;
                else
                    field.Append(c);
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(field.ToString().Trim());
                field.Clear();
            }
            else
            {
                field.Append(c);
            }
        }
        fields.Add(field.ToString().Trim());
        return fields;
    }
}
