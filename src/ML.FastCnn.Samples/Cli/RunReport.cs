using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using ML.FastCnn;
using Spectre.Console;

namespace ML.FastCnn.Samples;

/// <summary>
/// What `train`, the main job and `interpret` leave in their output folder besides the model: history.csv,
/// training_curves.png, the interpretation pictures and one report.html that holds them all.
/// </summary>
internal static class RunReport
{
    /// <summary>Writes history.csv and training_curves.png from a recorder that watched the training; returns the curves' path (null: nothing recorded).</summary>
    public static string? SaveHistory(Recorder recorder, string folder)
    {
        if (recorder.Batches.Count == 0)
            return null;
        recorder.SaveCsv(Path.Combine(folder, "history.csv"));
        var curves = Path.Combine(folder, "training_curves.png");
        recorder.SaveTrainingCurves(curves);
        return curves;
    }

    /// <summary>The metrics ML.NET's evaluator reports, as report rows.</summary>
    public static IEnumerable<KeyValuePair<string, string>> Metrics(MulticlassClassificationMetrics metrics)
    {
        var c = CultureInfo.InvariantCulture;
        return
        [
            new("accuracy (micro)", metrics.MicroAccuracy.ToString("P2", c)),
            new("accuracy (macro)", metrics.MacroAccuracy.ToString("P2", c)),
            new("error rate", (1 - metrics.MicroAccuracy).ToString("P2", c)),
            new("log-loss", metrics.LogLoss.ToString("F4", c)),
            new("log-loss reduction", metrics.LogLossReduction.ToString("F4", c)),
        ];
    }

    /// <summary>Adds the interpretation of <paramref name="rows"/> to the report (pictures written into <paramref name="folder"/>) and writes most_confused.csv.</summary>
    public static FastCnnInterpretation Interpret(FastCnnReport report, ITransformer model, IDataView rows, string folder, int top, bool gradCam)
    {
        var interpretation = FastCnnInterpretation.Create(model, rows);
        report.AddInterpretation(interpretation, folder, top, gradCam);
        interpretation.SaveMostConfusedCsv(Path.Combine(folder, "most_confused.csv"));
        var confused = interpretation.MostConfused().Take(5).Select(p => $"{p.Actual} → {p.Predicted} ({p.Count})");
        AnsiConsole.MarkupLineInterpolated($"Most confused: {string.Join(", ", confused)}");
        return interpretation;
    }

    /// <summary>Saves the report and says where it is.</summary>
    public static void Save(FastCnnReport report, string folder)
    {
        var path = Path.Combine(folder, "report.html");
        report.Save(path);
        AnsiConsole.MarkupLineInterpolated($"Report: [bold]{path}[/]");
    }
}
