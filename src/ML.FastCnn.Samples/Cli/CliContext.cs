using Microsoft.ML;
using Microsoft.ML.Runtime;

namespace ML.FastCnn.Samples;

/// <summary>
/// The MLContext every command uses: ML.FastCnn's warnings (a scoring engine that failed its self-check)
/// go to standard error as "warning: …", never to standard output, which
/// <c>predict --format json|csv</c> and <c>doctor --format json</c> keep machine-readable.
/// </summary>
internal static class CliContext
{
    public static MLContext Create(int? seed = 1)
    {
        var ml = new MLContext(seed);
        ml.Log += (_, e) =>
        {
            if (e.Kind == ChannelMessageKind.Warning && e.Source.Contains("FastCnn", StringComparison.Ordinal))
                Console.Error.WriteLine($"warning: {e.RawMessage}");
        };
        return ml;
    }
}
