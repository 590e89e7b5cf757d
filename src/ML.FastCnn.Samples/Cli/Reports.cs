using Microsoft.ML.Data;
using ML.FastCnn;
using Spectre.Console;

namespace ML.FastCnn.Samples;

/// <summary>Metrics of every task as Spectre lines and tables: the confusion matrix, the per-class table of a multi-label model.</summary>
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

    /// <summary>accuracy_multi, micro and macro F1, mAP, and each class's threshold, precision, recall, F1, AP and support.</summary>
    public static void Metrics(string title, MultiLabelMetrics metrics)
    {
        AnsiConsole.MarkupLineInterpolated(
            $"[bold]{title}[/]: accuracy_multi {metrics.AccuracyMulti:P1}, micro F1 {metrics.MicroF1:F3}, macro F1 {metrics.MacroF1:F3}, mAP {metrics.MeanAveragePrecision:F3} ({metrics.Rows} images)");
        var table = new Table().Border(TableBorder.Simple).Title("per class (predicted: probability above the threshold)");
        foreach (var column in new[] { "class", "threshold", "precision", "recall", "F1", "AP", "images" })
            table.AddColumn(column == "class" ? new TableColumn(column) : new TableColumn(column).RightAligned());
        foreach (var c in metrics.PerClass)
            table.AddRow(Markup.Escape(c.Name), $"{c.Threshold:F2}", $"{c.Precision:F3}", $"{c.Recall:F3}", $"{c.F1:F3}", $"{c.AveragePrecision:F3}", $"{c.Support}");
        AnsiConsole.Write(table);
    }

    /// <summary>R², mean absolute error and root mean squared error (ML.NET's regression evaluator).</summary>
    public static void Metrics(string title, RegressionMetrics metrics) =>
        AnsiConsole.MarkupLineInterpolated($"[bold]{title}[/]: R² {metrics.RSquared:F3}, mean absolute error {metrics.MeanAbsoluteError:G4}, root mean squared error {metrics.RootMeanSquaredError:G4}");
}
