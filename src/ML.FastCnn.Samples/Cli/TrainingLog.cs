using Microsoft.ML;

namespace ML.FastCnn.Samples;

/// <summary>
/// Prints the trainer's own announcements from MLContext's log — the plan for the data's size and the
/// range test, before it starts and with its result, the progress of every long phase every few seconds (so the
/// console is never silent for long), which phase's weights a recipe kept — and each image left out with
/// <c>--bad-images skip</c>.
/// Epoch rows are the <see cref="EpochTable"/>'s.
/// </summary>
internal static class TrainingLog
{
    private static readonly string[] Announcements = ["Plan: ", "Random weights", "Progressive resizing", "Time budget", "Learning-rate range test", "Backbone:", "Fitting ", "Skipped",
        "Kept the", "Caching the", "Storing activations", "Range test", "Validating", "Scoring: ", "Mixed precision", "Training in float32"];

    // An interactive console shows the epochs' progress on the epoch table's bar.
    private static readonly string[] RedirectedOnly = ["Training, epoch"];

    public static void Attach(MLContext ml) => ml.Log += (_, e) =>
    {
        if (!e.Source.Contains("FastCnn", StringComparison.Ordinal))
            return;
        // ML.NET prefixes "[Source=…, Kind=…] "; keep the message itself.
        string message = e.Message[(e.Message.IndexOf("] ", StringComparison.Ordinal) + 2)..];
        if (Announcements.Any(a => message.StartsWith(a, StringComparison.Ordinal))
            || (Console.IsOutputRedirected && RedirectedOnly.Any(a => message.StartsWith(a, StringComparison.Ordinal))))
            Console.WriteLine(message);
    };
}
