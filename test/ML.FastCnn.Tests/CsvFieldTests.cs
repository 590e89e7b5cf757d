namespace ML.FastCnn.Tests;

/// <summary>CSV fields as RFC 4180 reads them back: quoted exactly when a comma, quote, CR or LF would break the line.</summary>
[TestClass]
public sealed class CsvFieldTests
{
    [TestMethod]
    [DataRow("plain text", "plain text")]
    [DataRow("", "")]
    [DataRow(null, "")]
    [DataRow("a,b", "\"a,b\"")]
    [DataRow("say \"hi\"", "\"say \"\"hi\"\"\"")]
    [DataRow("line\nbreak", "\"line\nbreak\"")]
    [DataRow("carriage\rreturn", "\"carriage\rreturn\"")]
    [DataRow("/images/it's; fine.png", "/images/it's; fine.png")]
    public void EscapeQuotesOnlyWhatWouldSplitAFieldOrALine(string? value, string expected) =>
        Assert.AreEqual(expected, CsvField.Escape(value));

    [TestMethod]
    public void AnEscapedLineSplitsBackIntoItsFields()
    {
        string[] fields = ["a,b", "quote \" inside", "multi\r\nline", "plain"];

        var line = string.Join(',', fields.Select(CsvField.Escape));

        CollectionAssert.AreEqual(fields, ParseRfc4180(line));
    }

    /// <summary>A reader written from RFC 4180's grammar, independent of <see cref="CsvField"/>.</summary>
    private static string[] ParseRfc4180(string line)
    {
        var fields = new List<string>();
        var field = new System.Text.StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else
            {
                field.Append(c);
            }
        }
        fields.Add(field.ToString());
        return [.. fields];
    }
}
