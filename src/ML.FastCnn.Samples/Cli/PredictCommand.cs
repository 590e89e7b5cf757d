using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using ML.FastCnn;

namespace ML.FastCnn.Samples;

/// <summary>
/// <c>predict &lt;model.zip&gt; &lt;image…&gt;</c>: what the model says about each image — the most probable class
/// (single-label), the classes above their thresholds (multi-label), the value (regression) — one line per image (never
/// wrapped, so scripts can read it), or JSON / CSV. A bad image gets its own error and
/// does not stop the others; the exit code is 1 when any image failed.
/// </summary>
internal static class PredictCommand
{
    public enum OutputFormat
    {
        Text,
        Json,
        Csv,
    }

    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "a model.zip saved by train" };
        var images = new Argument<string[]>("images") { Description = "image files", Arity = ArgumentArity.OneOrMore };
        var format = new Option<OutputFormat>("--format") { Description = "text (tab-separated: path, then the class and its probability; the classes above their thresholds and every class:probability (multi-label); or the value), json or csv", DefaultValueFactory = _ => OutputFormat.Text };
        var command = new Command("predict", "Predict with a saved model: the class, the classes (multi-label) or the value (regression) of each image.");
        command.Add(model);
        command.Add(images);
        command.Add(format);
        command.SetAction(result =>
        {
            int failed = 0;
            int code = CliErrors.Run(() => failed = Run(result.GetRequiredValue(model), result.GetRequiredValue(images), result.GetValue(format)));
            return code != 0 ? code : failed > 0 ? 1 : 0;
        });
        return command;
    }

    private sealed record Result(string Path, ImageScore? Score, string? Error);

    /// <summary>Prints every result; returns how many images failed.</summary>
    private static int Run(string modelPath, string[] images, OutputFormat format)
    {
        var ml = CliContext.Create(seed: null);
        var model = FastCnn.LoadModel(ml, modelPath, out var inputSchema);
        var fastCnn = CliErrors.FastCnnStep(model); // the command line's wording for a model without one, before scoring
        var paths = images.Select(Path.GetFullPath).ToList();
        var readable = paths.Where(File.Exists).ToList();
        // One pass over the readable files; an unreadable one fails alone (FastCnn.ScoreEach).
        var scores = new Dictionary<string, ImageScore>(); // a path given twice is scored twice, alike
        foreach (var (path, score) in readable.Zip(ImageInput.ScoreFiles(ml, model, inputSchema, readable)))
            scores[path] = score;
        var results = paths.Select(path => scores.TryGetValue(path, out var score)
            ? score.Succeeded
                ? new Result(path, score, null)
                : new Result(path, null, score.Error is UnreadableImageException u ? u.Reason : score.Error!.Message)
            : new Result(path, null, "the file does not exist")).ToList();
        Print(results, format, fastCnn);
        return results.Count(r => r.Error is not null);
    }

    private static string Number(float value, string format = "F4") => value.ToString(format, CultureInfo.InvariantCulture);

    /// <summary>What a line of text says about a scored image: the class and its probability, the classes above their thresholds, or the value(s).</summary>
    private static string[] TextFields(ImageScore score) => score.Task switch
    {
        ImageTask.MultiLabel => [string.Join(' ', score.PredictedLabels), string.Join(' ', score.Probabilities.Select(p => $"{p.Key}:{Number(p.Value)}"))],
        ImageTask.Regression => [string.Join(' ', score.Values.Select(v => Number(v, "G6")))],
        _ => [score.PredictedLabel!, Number(score.Probability)],
    };

    /// <summary>What the JSON says about a scored image, per task.</summary>
    private static object JsonFields(string path, ImageScore score) => score.Task switch
    {
        ImageTask.MultiLabel => new { path, labels = score.PredictedLabels, probabilities = score.Probabilities },
        ImageTask.Regression when score.Value is { } value => new { path, value },
        ImageTask.Regression => new { path, values = score.Values },
        _ => new { path, label = score.PredictedLabel, probability = score.Probability, probabilities = score.Probabilities },
    };

    /// <summary>The CSV's columns after the path, per task (the error is the last column).</summary>
    private static (string Header, Func<ImageScore?, string> Fields) CsvColumns(FastCnnTransformer model) => model.Task switch
    {
        ImageTask.MultiLabel => (string.Join(',', ["labels", .. model.ClassNames.Select(CsvField.Escape)]),
            s => string.Join(',', [CsvField.Escape(s is null ? null : string.Join(' ', s.PredictedLabels)), .. model.ClassNames.Select(c => s is null ? "" : Number(s.Probabilities[c]))])),
        ImageTask.Regression => (model.ClassNames.Count == 1 ? "value" : string.Join(',', model.ClassNames.Select(CsvField.Escape)),
            s => string.Join(',', Enumerable.Range(0, model.ClassNames.Count).Select(i => s is null ? "" : Number(s.Values[i], "G6")))),
        _ => ("label,probability", s => $"{CsvField.Escape(s?.PredictedLabel)},{(s is null ? "" : Number(s.Probability))}"),
    };

    private static void Print(List<Result> results, OutputFormat format, FastCnnTransformer model)
    {
        switch (format)
        {
            case OutputFormat.Json:
                var json = results.Select(r => r.Score is { } score ? JsonFields(r.Path, score) : new { path = r.Path, error = r.Error });
                Console.WriteLine(JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true }));
                break;
            case OutputFormat.Csv:
                var (header, fields) = CsvColumns(model);
                Console.WriteLine($"path,{header},error");
                foreach (var r in results)
                    Console.WriteLine(string.Join(',', CsvField.Escape(r.Path), fields(r.Score), CsvField.Escape(r.Error)));
                break;
            default:
                foreach (var r in results)
                {
                    if (r.Score is { } score)
                        Console.WriteLine(string.Join('\t', [r.Path, .. TextFields(score)]));
                    else
                        Console.Error.WriteLine($"error: {r.Path}: {r.Error}");
                }
                break;
        }
    }
}
