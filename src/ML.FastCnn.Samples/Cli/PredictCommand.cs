using System.CommandLine;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using ML.FastCnn;

namespace ML.FastCnn.Samples;

/// <summary>
/// <c>predict &lt;model.zip&gt; &lt;image…&gt;</c>: the most probable class of each image, one line per
/// image (never wrapped, so scripts can read it), or JSON / CSV. A bad image gets its own error and
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
        var format = new Option<OutputFormat>("--format") { Description = "text (path, class, probability; tab-separated), json or csv", DefaultValueFactory = _ => OutputFormat.Text };
        var command = new Command("predict", "Classify images with a saved model.");
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

    private sealed record Result(string Path, string? Label, float Probability, IReadOnlyDictionary<string, float>? Probabilities, string? Error);

    /// <summary>Prints every result; returns how many images failed.</summary>
    private static int Run(string modelPath, string[] images, OutputFormat format)
    {
        var ml = CliContext.Create(seed: null);
        var model = FastCnn.LoadModel(ml, modelPath, out _);
        _ = CliErrors.FastCnnStep(model); // the command line's wording for a model without one, before scoring
        var paths = images.Select(Path.GetFullPath).ToList();
        var readable = paths.Where(File.Exists).ToList();
        // One pass over the readable files; an unreadable one fails alone (FastCnn.ScoreEach).
        var scores = new Dictionary<string, ImageScore>(); // a path given twice is scored twice, alike
        foreach (var (path, score) in readable.Zip(FastCnn.ScoreEach(ml, model, readable.Select(p => new ImageFolderRow { ImagePath = p }).ToList())))
            scores[path] = score;
        var results = paths.Select(path => scores.TryGetValue(path, out var score)
            ? score.Succeeded
                ? new Result(path, score.PredictedLabel, score.Probability, score.Probabilities, null)
                : new Result(path, null, 0, null, score.Error is UnreadableImageException u ? u.Reason : score.Error!.Message)
            : new Result(path, null, 0, null, "the file does not exist")).ToList();
        Print(results, format);
        return results.Count(r => r.Error is not null);
    }

    private static void Print(List<Result> results, OutputFormat format)
    {
        switch (format)
        {
            case OutputFormat.Json:
                var json = results.Select(r => r.Error is null
                    ? (object)new { path = r.Path, label = r.Label, probability = r.Probability, probabilities = r.Probabilities }
                    : new { path = r.Path, error = r.Error });
                Console.WriteLine(JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true }));
                break;
            case OutputFormat.Csv:
                Console.WriteLine("path,label,probability,error");
                foreach (var r in results)
                    Console.WriteLine(string.Join(',', CsvField.Escape(r.Path), CsvField.Escape(r.Label), r.Error is null ? r.Probability.ToString("F4", System.Globalization.CultureInfo.InvariantCulture) : "", CsvField.Escape(r.Error)));
                break;
            default:
                foreach (var r in results)
                {
                    if (r.Error is null)
                        Console.WriteLine($"{r.Path}\t{r.Label}\t{r.Probability.ToString("F4", System.Globalization.CultureInfo.InvariantCulture)}");
                    else
                        Console.Error.WriteLine($"error: {r.Path}: {r.Error}");
                }
                break;
        }
    }
}
