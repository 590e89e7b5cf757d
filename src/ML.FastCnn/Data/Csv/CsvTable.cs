using Microsoft.VisualBasic.FileIO;

namespace ML.FastCnn;

/// <summary>
/// A CSV file read whole (RFC 4180: a header row, commas, fields in double quotes may hold commas, doubled quotes and
/// line breaks), each record with the line it starts on. Parsed by .NET's own <see cref="TextFieldParser"/>.
/// </summary>
internal sealed class CsvTable
{
    private CsvTable(string path, string[] header, List<CsvRecord> records)
    {
        Path = path;
        Header = header;
        Records = records;
    }

    /// <summary>The file's full path.</summary>
    public string Path { get; }

    /// <summary>The column names, from the first line.</summary>
    public IReadOnlyList<string> Header { get; }

    /// <summary>The records after the header, in file order; blank lines are skipped.</summary>
    public IReadOnlyList<CsvRecord> Records { get; }

    /// <summary>Reads <paramref name="path"/>; every record must have as many fields as the header.</summary>
    /// <exception cref="InvalidDataException">The file is empty, a quote is not closed, or a record has too few or too many fields.</exception>
    public static CsvTable Read(string path)
    {
        using var parser = new TextFieldParser(path) { TextFieldType = FieldType.Delimited, HasFieldsEnclosedInQuotes = true, TrimWhiteSpace = false };
        parser.SetDelimiters(",");
        var lines = new LineNumbers(path);
        try
        {
            var header = parser.ReadFields()
                ?? throw new InvalidDataException($"CSV file '{path}' is empty; it needs a header row naming its columns, then one row per image.");
            var records = new List<CsvRecord>();
            while (parser.ReadFields() is { } fields)
            {
                int line = lines.StartOf(fields, parser.LineNumber);
                if (fields.Length != header.Length)
                    throw new InvalidDataException(
                        $"Line {line} of CSV file '{path}' has {fields.Length} field(s); the header has {header.Length}. " +
                        "Put a field that holds a comma in double quotes (\"a,b.jpg\").");
                records.Add(new CsvRecord(fields, line));
            }
            return new CsvTable(path, header, records);
        }
        catch (MalformedLineException e)
        {
            throw new InvalidDataException(
                $"Line {e.LineNumber} of CSV file '{path}' cannot be read: a field that starts with a double quote must end with one, and a quote inside it is written twice (\"say \"\"hi\"\"\").", e);
        }
    }

    /// <summary>
    /// The line a record starts on. <see cref="TextFieldParser.LineNumber"/> says where the parser is after a record, but
    /// it skips blank lines unseen before one, so the start is counted back from the end: the record ends on the line before
    /// that (or on the file's last non-blank line, at the end) and spans one more line per line break inside its fields.
    /// </summary>
    private sealed class LineNumbers(string path)
    {
        private int? _lastLine;

        public int StartOf(string[] fields, long nextLine)
        {
            int end = nextLine > 0 ? (int)nextLine - 1 : _lastLine ??= LastNonBlankLine(path);
            return end - fields.Sum(LineBreaks);
        }

        private static int LineBreaks(string field)
        {
            int breaks = 0;
            for (int i = 0; i < field.Length; i++)
            {
                if (field[i] == '\n' || (field[i] == '\r' && (i + 1 == field.Length || field[i + 1] != '\n')))
                    breaks++;
            }
            return breaks;
        }

        private static int LastNonBlankLine(string path)
        {
            int line = 0, last = 0;
            foreach (var text in File.ReadLines(path))
            {
                line++;
                if (!string.IsNullOrWhiteSpace(text))
                    last = line;
            }
            return last;
        }
    }
}

/// <summary>One record of a <see cref="CsvTable"/>: its fields, and the line of the file it starts on (1 is the header).</summary>
internal sealed record CsvRecord(string[] Fields, int Line);
