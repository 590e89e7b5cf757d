using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.ML;

namespace ML.FastCnn;

/// <summary>
/// One self-contained HTML page about a run (<c>report.html</c>): settings, the epoch table, metrics,
/// tables and pictures, the pictures embedded as base64 PNG, no scripts and no links, so it opens offline
/// in any browser and can be mailed as one file. Sections appear in the order they are added.
/// </summary>
public sealed class FastCnnReport
{
    private readonly string _title;
    private readonly StringBuilder _body = new();

    /// <summary>A report titled <paramref name="title"/>.</summary>
    public FastCnnReport(string title)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(title);
        _title = title;
    }

    /// <summary>Adds a table of names and values (the run's options, metrics …).</summary>
    public FastCnnReport AddSettings(string heading, IEnumerable<KeyValuePair<string, string>> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return AddTable(heading, ["", ""], values.Select(v => (IReadOnlyList<string>)[v.Key, v.Value]), header: false);
    }

    /// <summary>Adds fast.ai's epoch table: epoch, train_loss, valid_loss, accuracy, error_rate, time; one block per fit.</summary>
    public FastCnnReport AddEpochs(string heading, IEnumerable<RecordedEpoch> epochs)
    {
        ArgumentNullException.ThrowIfNull(epochs);
        var c = CultureInfo.InvariantCulture;
        return AddTable(heading, ["fit", "epoch", "train_loss", "valid_loss", "accuracy", "error_rate", "time"],
            epochs.Select(e => (IReadOnlyList<string>)
            [
                (e.Fit + 1).ToString(c), e.Result.Epoch.ToString(c), e.Result.TrainLoss.ToString("F4", c), e.Result.ValidLoss?.ToString("F4", c) ?? "",
                e.Result.Accuracy?.ToString("F4", c) ?? "", e.Result.ErrorRate?.ToString("F4", c) ?? "", e.Result.Duration.ToString(@"mm\:ss\.f", c),
            ]));
    }

    /// <summary>Adds a table with a header row.</summary>
    public FastCnnReport AddTable(string heading, IReadOnlyList<string> columns, IEnumerable<IReadOnlyList<string>> rows) =>
        AddTable(heading, columns, rows, header: true);

    /// <summary>Adds preformatted text (for example ML.NET's formatted confusion table).</summary>
    public FastCnnReport AddText(string heading, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        Heading(heading);
        _body.Append("<pre>").Append(WebUtility.HtmlEncode(text)).Append("</pre>\n");
        return this;
    }

    /// <summary>Adds a PNG file, embedded in the page.</summary>
    /// <exception cref="FileNotFoundException"><paramref name="pngPath"/> does not exist.</exception>
    public FastCnnReport AddPicture(string heading, string pngPath, string? caption = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pngPath);
        if (!File.Exists(pngPath))
            throw new FileNotFoundException($"No picture at {pngPath}.", pngPath);
        Heading(heading);
        _body.Append("<figure><img alt=\"").Append(WebUtility.HtmlEncode(heading)).Append("\" src=\"data:image/png;base64,")
            .Append(Convert.ToBase64String(File.ReadAllBytes(pngPath))).Append("\">");
        if (caption is not null)
            _body.Append("<figcaption>").Append(WebUtility.HtmlEncode(caption)).Append("</figcaption>");
        _body.Append("</figure>\n");
        return this;
    }

    /// <summary>
    /// Adds what an interpretation shows: accuracy and loss, the confusion matrix, the most confused pairs,
    /// the top losses (with Grad-CAM when <paramref name="gradCam"/>) and the three per-class views. The
    /// pictures are written into <paramref name="pictureFolder"/> (confusion_matrix.png, top_losses.png,
    /// top_losses_gradcam.png, most_correct.png, most_incorrect.png, most_uncertain.png) and embedded.
    /// </summary>
    public FastCnnReport AddInterpretation(FastCnnInterpretation interpretation, string pictureFolder, int topLosses = 9, bool gradCam = false)
    {
        ArgumentNullException.ThrowIfNull(interpretation);
        ArgumentException.ThrowIfNullOrWhiteSpace(pictureFolder);
        Directory.CreateDirectory(pictureFolder);
        var c = CultureInfo.InvariantCulture;
        AddSettings("Interpretation", [
            new("images", interpretation.Predictions.Count.ToString(c)),
            new("accuracy", interpretation.Accuracy.ToString("P2", c)),
            new("error rate", (1 - interpretation.Accuracy).ToString("P2", c)),
            new("mean loss (log-loss)", interpretation.MeanLoss.ToString("F4", c)),
        ]);
        string Picture(string name) => Path.Combine(pictureFolder, name);
        interpretation.SaveConfusionMatrix(Picture("confusion_matrix.png"));
        AddPicture("Confusion matrix", Picture("confusion_matrix.png"), "Rows: actual class; columns: predicted class; numbers: images; colour: share of the row.");
        var confused = interpretation.MostConfused();
        AddTable("Most confused (actual → predicted)", ["actual", "predicted", "images"],
            confused.Take(15).Select(p => (IReadOnlyList<string>)[p.Actual, p.Predicted, p.Count.ToString(c)]));
        interpretation.SaveTopLosses(Picture("top_losses.png"), topLosses);
        AddPicture("Top losses", Picture("top_losses.png"), "Caption: predicted / actual / loss / probability of the prediction; red: wrong, green: right.");
        if (gradCam)
        {
            interpretation.SaveTopLosses(Picture("top_losses_gradcam.png"), topLosses, gradCam: true);
            AddPicture("Top losses with Grad-CAM", Picture("top_losses_gradcam.png"),
                "Where the evidence for the predicted class lies (last convolutional stage; red: most).");
        }
        foreach (var (view, name, heading) in new[]
        {
            (ClassView.MostCorrect, "most_correct.png", "Most correct per class"),
            (ClassView.MostIncorrect, "most_incorrect.png", "Most incorrect per class"),
            (ClassView.MostUncertain, "most_uncertain.png", "Most uncertain per class"),
        })
        {
            interpretation.SaveClassView(Picture(name), view);
            AddPicture(heading, Picture(name));
        }
        return this;
    }

    /// <summary>
    /// Adds what a multi-label interpretation shows: accuracy_multi, F1, mean average precision, exact matches and loss;
    /// the per-class table (threshold, precision, recall, F1, average precision, images); and the top losses, written into
    /// <paramref name="pictureFolder"/> as top_losses.png and embedded.
    /// </summary>
    public FastCnnReport AddInterpretation(MultiLabelInterpretation interpretation, string pictureFolder, int topLosses = 9)
    {
        ArgumentNullException.ThrowIfNull(interpretation);
        ArgumentException.ThrowIfNullOrWhiteSpace(pictureFolder);
        Directory.CreateDirectory(pictureFolder);
        var c = CultureInfo.InvariantCulture;
        var m = interpretation.Metrics;
        AddSettings("Multi-label interpretation", [
            new("images", m.Rows.ToString(c)),
            new("accuracy_multi (share of right class decisions)", m.AccuracyMulti.ToString("P2", c)),
            new("micro F1", m.MicroF1.ToString("F4", c)),
            new("macro F1", m.MacroF1.ToString("F4", c)),
            new("mean average precision", m.MeanAveragePrecision.ToString("F4", c)),
            new("exact match (every class right)", interpretation.ExactMatch.ToString("P2", c)),
            new("mean loss (binary cross-entropy)", interpretation.MeanLoss.ToString("F4", c)),
        ]);
        AddTable("Per class", ["class", "threshold", "precision", "recall", "F1", "average precision", "images with it"],
            m.PerClass.Select(k => (IReadOnlyList<string>)
            [
                k.Name, k.Threshold.ToString("F2", c), k.Precision.ToString("F3", c), k.Recall.ToString("F3", c), k.F1.ToString("F3", c),
                double.IsNaN(k.AveragePrecision) ? "–" : k.AveragePrecision.ToString("F3", c), k.Support.ToString(c),
            ]));
        var picture = Path.Combine(pictureFolder, "top_losses.png");
        interpretation.SaveTopLosses(picture, topLosses);
        AddPicture("Top losses", picture, "Caption: predicted classes / actual classes / loss; green: exactly right, red: a class missed or extra.");
        return this;
    }

    /// <summary>
    /// Adds what a regression interpretation shows: R², mean absolute and root mean squared error of each value; the
    /// predicted-against-actual plot and the largest errors, written into <paramref name="pictureFolder"/> as
    /// predicted_vs_actual.png and largest_errors.png and embedded.
    /// </summary>
    public FastCnnReport AddInterpretation(RegressionInterpretation interpretation, string pictureFolder, int largestErrors = 9)
    {
        ArgumentNullException.ThrowIfNull(interpretation);
        ArgumentException.ThrowIfNullOrWhiteSpace(pictureFolder);
        Directory.CreateDirectory(pictureFolder);
        var c = CultureInfo.InvariantCulture;
        AddTable("Regression interpretation", ["value", "images", "R²", "mean absolute error", "root mean squared error"],
            interpretation.Metrics.Select(m => (IReadOnlyList<string>)
            [
                m.Name, m.Count.ToString(c), m.RSquared.ToString("F4", c), m.MeanAbsoluteError.ToString("G5", c), m.RootMeanSquaredError.ToString("G5", c),
            ]));
        string Picture(string name) => Path.Combine(pictureFolder, name);
        interpretation.SavePredictedVsActual(Picture("predicted_vs_actual.png"));
        AddPicture("Predicted vs actual", Picture("predicted_vs_actual.png"), "One point per image; on the dashed line y = x the prediction is exact.");
        interpretation.SaveLargestErrors(Picture("largest_errors.png"), largestErrors);
        AddPicture("Largest errors", Picture("largest_errors.png"),
            "Caption: actual / predicted / error (predicted − actual); red: an error above the mean absolute error.");
        return this;
    }

    /// <summary>
    /// Interprets <paramref name="model"/> on <paramref name="data"/> whatever its task and adds the interpretation:
    /// <see cref="FastCnnInterpretation"/>, <see cref="MultiLabelInterpretation"/> or <see cref="RegressionInterpretation"/>
    /// by the model's <see cref="FastCnnTransformer.Task"/>, pictures written into <paramref name="pictureFolder"/>.
    /// </summary>
    /// <param name="model">A <see cref="FastCnnTransformer"/>, or a chain (for example a loaded model) with one inside.</param>
    /// <param name="data">Rows the model can transform, with a label column.</param>
    /// <param name="pictureFolder">Where the pictures go (created if missing).</param>
    /// <param name="labelColumnName">The label column, of the kind the task's interpretation reads.</param>
    /// <param name="count">Images in the top-losses (or largest-errors) grid.</param>
    /// <param name="gradCam">Single-label only: also the top losses with Grad-CAM.</param>
    public FastCnnReport AddInterpretation(ITransformer model, IDataView data, string pictureFolder, string labelColumnName = "Label", int count = 9, bool gradCam = false)
    {
        ArgumentNullException.ThrowIfNull(model);
        var transformer = FastCnn.FindTransformer(model) ?? throw FastCnn.NoFastCnnStep(nameof(model));
        return transformer.Task switch
        {
            ImageTask.MultiLabel => AddInterpretation(MultiLabelInterpretation.Create(model, data, labelColumnName), pictureFolder, count),
            ImageTask.Regression => AddInterpretation(RegressionInterpretation.Create(model, data, labelColumnName), pictureFolder, count),
            _ => AddInterpretation(FastCnnInterpretation.Create(model, data, labelColumnName), pictureFolder, count, gradCam),
        };
    }

    /// <summary>The page as HTML text.</summary>
    public string ToHtml() =>
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + WebUtility.HtmlEncode(_title) + "</title>\n<style>\n" + Style +
        "</style></head><body>\n<h1>" + WebUtility.HtmlEncode(_title) + "</h1>\n<p class=\"meta\">Written " +
        DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture) + " by ML.FastCnn.</p>\n" + _body + "</body></html>\n";

    /// <summary>Writes the page to <paramref name="path"/> (UTF-8).</summary>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var html = Encoding.UTF8.GetBytes(ToHtml());
        AtomicFile.Write(path, stream => stream.Write(html));
    }

    private FastCnnReport AddTable(string heading, IReadOnlyList<string> columns, IEnumerable<IReadOnlyList<string>> rows, bool header)
    {
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(rows);
        Heading(heading);
        _body.Append("<table>");
        if (header)
            _body.Append("<thead><tr>").AppendJoin("", columns.Select(h => $"<th>{WebUtility.HtmlEncode(h)}</th>")).Append("</tr></thead>");
        _body.Append("<tbody>");
        int count = 0;
        foreach (var row in rows)
        {
            _body.Append("<tr>").AppendJoin("", row.Select(v => $"<td>{WebUtility.HtmlEncode(v)}</td>")).Append("</tr>");
            count++;
        }
        if (count == 0)
            _body.Append("<tr><td colspan=\"").Append(Math.Max(1, columns.Count)).Append("\">(none)</td></tr>");
        _body.Append("</tbody></table>\n");
        return this;
    }

    private void Heading(string heading)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(heading);
        _body.Append("<h2>").Append(WebUtility.HtmlEncode(heading)).Append("</h2>\n");
    }

    private const string Style = """
        body { font-family: "DejaVu Sans", system-ui, sans-serif; margin: 2em auto; max-width: 1150px; color: #222; padding: 0 1em; }
        h1 { font-size: 1.6em; margin-bottom: 0.2em; }
        h2 { font-size: 1.2em; margin-top: 1.6em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; }
        .meta { color: #666; margin-top: 0; }
        table { border-collapse: collapse; font-size: 0.92em; }
        th, td { border: 1px solid #ddd; padding: 0.25em 0.7em; text-align: left; }
        th { background: #f3f3f3; }
        tbody tr:nth-child(even) { background: #fafafa; }
        td:not(:first-child) { font-variant-numeric: tabular-nums; }
        pre { background: #f6f6f6; padding: 0.8em; overflow-x: auto; font-size: 0.85em; }
        figure { margin: 0.5em 0; }
        img { max-width: 100%; height: auto; border: 1px solid #eee; }
        figcaption { color: #555; font-size: 0.9em; margin-top: 0.3em; }

        """;
}
