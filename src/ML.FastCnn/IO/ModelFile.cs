using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.ML;

namespace ML.FastCnn;

/// <summary>
/// Model files that say what is wrong with them. ML.NET's own messages for a damaged <c>.zip</c>
/// ("Failed to open a zip archive", "Exception has been thrown by the target of an invocation") name
/// neither the file nor the problem; <see cref="Load"/> does both.
/// </summary>
internal static class ModelFile
{
    public static ITransformer Load(MLContext ml, string path, out DataViewSchema inputSchema)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
            throw new FileNotFoundException($"Model file '{full}' does not exist.", full);
        try
        {
            return ml.Model.Load(full, out inputSchema);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new InvalidDataException($"Model file '{full}' cannot be loaded: {Explain(e)}", e);
        }
    }

    /// <summary>The innermost useful cause, in words that say what to do.</summary>
    private static string Explain(Exception e)
    {
        // ML.NET wraps a loader's own error: reflection, then "Error during class instantiation".
        while (e.InnerException is { } inner && (e is TargetInvocationException || e.Message.StartsWith("Error during class instantiation", StringComparison.Ordinal)))
            e = inner;
        string message = e.Message.TrimEnd('.');
        if (e is FormatException { InnerException: InvalidDataException zip } && message.Contains("zip archive", StringComparison.OrdinalIgnoreCase))
            return $"it is not a whole .zip ({zip.Message.TrimEnd('.')}): truncated, or not a model file. Copy it again in full, or save the model again.";
        if (message.Contains("Repository doesn't contain entry", StringComparison.Ordinal) || message.Contains("legacy format", StringComparison.Ordinal))
            return $"it is a .zip but not an ML.NET model ({(e.InnerException ?? e).Message.TrimEnd('.')}). Pass the file mlContext.Model.Save wrote.";
        if (message.Contains("because the model is too new", StringComparison.Ordinal))
        {
            // ML.NET: "… component 'X' … too new … Maximum expected version {the model's}, got {ours}."
            var versions = Regex.Match(message, @"version (\d+), got (\d+)");
            string detail = versions.Success ? $"model format {Format(versions.Groups[1].Value)}; this one reads up to {Format(versions.Groups[2].Value)}" : message;
            return message.Contains($"'{FastCnnModelFormat.LoaderSignature}'", StringComparison.Ordinal)
                ? $"it was saved by a newer ML.FastCnn than this one ({detail}). Update ML.FastCnn to load it."
                : $"a step of it was saved by a newer ML.NET than this one ({message.Split('\n')[0]}). Update ML.NET to load it.";
        }
        return message.EndsWith('.') ? message : message + ".";
    }

    private static string Format(string version) => uint.Parse(version) is var v ? $"{v >> 16}.{v & 0xFFFF}" : version;
}
