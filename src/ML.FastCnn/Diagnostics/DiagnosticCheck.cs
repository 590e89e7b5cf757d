namespace ML.FastCnn;

/// <summary>One line of <see cref="FastCnn.Diagnose"/>'s report: what was checked, whether it is fine, and the facts or numbers behind it.</summary>
/// <param name="Name">What was checked, e.g. "CPU" or "Scoring engine TorchSharp, ResNet18 at 96 px".</param>
/// <param name="Passed">False when this machine cannot do what the check asks (the doctor command then exits with 1).</param>
/// <param name="Detail">The facts or numbers, and for a failure what to do.</param>
/// <param name="Value">The check's main number when it has one (a difference, images per second); null otherwise.</param>
/// <param name="Unit">The unit of <paramref name="Value"/>, e.g. "img/s" or "max |Δp|".</param>
public sealed record DiagnosticCheck(string Name, bool Passed, string Detail, double? Value = null, string? Unit = null)
{
    /// <summary>"ok      name: detail" or "FAILED  name: detail".</summary>
    public override string ToString() => $"{(Passed ? "ok    " : "FAILED")}  {Name}: {Detail}";
}
