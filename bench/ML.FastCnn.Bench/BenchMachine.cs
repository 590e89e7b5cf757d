namespace ML.FastCnn.Bench;

/// <summary>The machine a benchmark ran on, for its first line: numbers from different CPUs are not comparable.</summary>
internal static class BenchMachine
{
    /// <summary>"AMD EPYC, 2 cores" (Linux: /proc/cpuinfo's model name; Windows: PROCESSOR_IDENTIFIER).</summary>
    public static string Description
    {
        get
        {
            string? model = File.Exists("/proc/cpuinfo")
                ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
                : Environment.GetEnvironmentVariable("PROCESSOR_IDENTIFIER");
            return $"{model ?? "unknown CPU"}, {Environment.ProcessorCount} cores";
        }
    }
}
