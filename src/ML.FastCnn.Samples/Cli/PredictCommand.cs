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
        var classes = ModelParts.FastCnn(model).ClassNames;
        var paths = images.Select(Path.GetFullPath).ToList();
        var results = Score(ml, model, classes, paths);
        Print(results, format);
        return results.Count(r => r.Error is not null);
    }

    /// <summary>All images in batches; when one is unreadable, each on its own, so only that one fails.</summary>
    private static List<Result> Score(MLContext ml, ITransformer model, IReadOnlyList<string> classes, List<string> paths)
    {
        var readable = paths.Where(File.Exists).ToList();
        var scores = new Dictionary<string, float[]>();
        var errors = paths.Where(p => !File.Exists(p)).ToDictionary(p => p, _ => "the file does not exist");
        try
        {
            var batch = Transform(ml, model, readable);
            for (int i = 0; i < readable.Count; i++)
                scores[readable[i]] = batch[i];
        }
        catch (UnreadableImageException)
        {
            foreach (var path in readable)
            {
                try
                {
                    scores[path] = Transform(ml, model, [path])[0];
                }
                catch (UnreadableImageException e)
                {
                    errors[path] = e.Reason;
                }
            }
        }
        return paths.Select(path =>
        {
            if (errors.TryGetValue(path, out var error))
                return new Result(path, null, 0, null, error);
            var p = scores[path];
            int best = Array.IndexOf(p, p.Max());
            return new Result(path, classes[best], p[best], classes.Select((c, k) => (c, k)).ToDictionary(x => x.c, x => p[x.k]), null);
        }).ToList();
    }

    private static List<float[]> Transform(MLContext ml, ITransformer model, IEnumerable<string> paths) =>
        model.Transform(ml.Data.LoadFromEnumerable(paths.Select(p => new ImageFolderRow { ImagePath = p }))).GetColumn<float[]>("Score").ToList();

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
                    Console.WriteLine(string.Join(',', Csv(r.Path), Csv(r.Label ?? ""), r.Error is null ? r.Probability.ToString("F4", System.Globalization.CultureInfo.InvariantCulture) : "", Csv(r.Error ?? "")));
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

    private static string Csv(string value) => value.IndexOfAny([',', '"', '\n', '\r']) < 0 ? value : $"\"{value.Replace("\"", "\"\"")}\"";
}
