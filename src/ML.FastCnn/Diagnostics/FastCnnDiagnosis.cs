using System.Text.Json;
using System.Text.Json.Serialization;

namespace ML.FastCnn;

/// <summary>
/// What <see cref="FastCnn.Diagnose"/> found on this machine: the runtime and native libraries, the CPU,
/// the numerical self-checks of every scoring engine against the network's own forward, and a speed probe.
/// </summary>
public sealed class FastCnnDiagnosis
{
    internal FastCnnDiagnosis(IReadOnlyList<DiagnosticCheck> checks) => Checks = checks;

    /// <summary>Every check, in the order run.</summary>
    public IReadOnlyList<DiagnosticCheck> Checks { get; }

    /// <summary>True when every check passed.</summary>
    public bool Passed => Checks.All(c => c.Passed);

    /// <summary>One line per check (see <see cref="DiagnosticCheck.ToString"/>).</summary>
    public override string ToString() => string.Join(Environment.NewLine, Checks);

    /// <summary>The report as JSON: <c>{"passed": …, "checks": [{"name", "passed", "detail", "value", "unit"}…]}</c>.</summary>
    public string ToJson() => JsonSerializer.Serialize(new { passed = Passed, checks = Checks }, s_json);

    private static readonly JsonSerializerOptions s_json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}
