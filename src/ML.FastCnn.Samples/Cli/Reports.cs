using Microsoft.ML.Data;
using Spectre.Console;

namespace ML.FastCnn.Samples;

/// <summary>Metrics and the confusion matrix as Spectre tables.</summary>
internal static class Reports
{
    public static void Metrics(string title, MulticlassClassificationMetrics metrics, IReadOnlyList<string> classes, bool confusion = true)
    {
        AnsiConsole.MarkupLineInterpolated($"[bold]{title}[/]: accuracy {metrics.MicroAccuracy:P1}, macro accuracy {metrics.MacroAccuracy:P1}, log-loss {metrics.LogLoss:F3}");
        if (!confusion)
            return;
        var table = new Table().Border(TableBorder.Simple).Title("confusion matrix (rows: truth, columns: predicted)");
        table.AddColumn("");
        foreach (var name in classes)
            table.AddColumn(new TableColumn(name).RightAligned());
        var counts = metrics.ConfusionMatrix.Counts;
        for (int i = 0; i < counts.Count; i++)
            table.AddRow([classes[i], .. counts[i].Select(c => c == 0 ? "." : ((int)c).ToString())]);
        AnsiConsole.Write(table);
    }
}
