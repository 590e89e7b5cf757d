using System.Text.Json;

namespace ML.FastCnn.Tests;

/// <summary>The doctor command: what a user runs first when results differ between machines.</summary>
[TestClass]
[TestCategory(Categories.Integration)]
public sealed class DoctorTests
{
    [TestMethod]
    public void DoctorPassesOnThisMachineAndWritesJsonToStandardOutputOnly()
    {
        var (code, stdout, stderr) = TestData.CliStreams("doctor", "--format", "json");

        Assert.AreEqual(0, code, stdout + stderr);
        var report = JsonDocument.Parse(stdout).RootElement;
        Assert.IsTrue(report.GetProperty("passed").GetBoolean(), stdout);
        var checks = report.GetProperty("checks").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!);
        foreach (var name in new[] { ".NET", "CPU", "libstdc++ step", "TorchSharp", "Threads", "oneDNN", "NNPACK", "Allocator", "CUDA", "Plot fonts", "Weights cache" })
            Assert.IsTrue(checks.ContainsKey(name), $"'{name}' in {string.Join(", ", checks.Keys)}");
        // Every engine is checked against the network's own forward, on the shapes where a CPU's kernel bug was seen.
        var engineChecks = checks.Where(c => c.Key.StartsWith("Scoring engine", StringComparison.Ordinal)).ToList();
        Assert.AreEqual(6, engineChecks.Count, string.Join(", ", checks.Keys));
        foreach (var (name, check) in engineChecks)
        {
            Assert.IsTrue(check.GetProperty("passed").GetBoolean(), $"{name}: {check.GetProperty("detail").GetString()}");
            Assert.IsTrue(check.GetProperty("value").GetDouble() <= 1e-4, name);
        }
        Assert.IsTrue(checks["Speed: training"].GetProperty("value").GetDouble() > 0);
        Assert.IsTrue(checks["Speed: scoring"].GetProperty("value").GetDouble() > 0);
        if (OperatingSystem.IsLinux())
            StringAssert.StartsWith(checks["Allocator"].GetProperty("detail").GetString(), "glibc keeps freed memory for reuse");
        // libtorch's NNPACK warning (printed on CPUs NNPACK does not support) is gone: ML.FastCnn turns NNPACK off.
        Assert.IsFalse(stderr.Contains("NNPACK", StringComparison.Ordinal), stderr);
    }

    [TestMethod]
    public void TheAllocatorIsLeftAsItIsWhenTheUserSaysSo()
    {
        var (code, stdout, stderr) = TestData.CliStreams(new Dictionary<string, string> { ["FASTCNN_SYSTEM_MALLOC"] = "1" }, "doctor", "--no-speed", "--format", "json");

        Assert.AreEqual(0, code, stdout + stderr);
        var allocator = JsonDocument.Parse(stdout).RootElement.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "Allocator");
        StringAssert.StartsWith(allocator.GetProperty("detail").GetString(), "not changed");
    }

    [TestMethod]
    public void OneFailedCheckFailsTheReportAndItsLineSaysWhy()
    {
        var diagnosis = new FastCnnDiagnosis(
        [
            new DiagnosticCheck("CPU", true, "AMD EPYC"),
            new DiagnosticCheck("Scoring engine TorchSharp, ResNet18 at 32 px", false, "max |Δp| 3.0E-3", 0.003, "max |Δp|"),
        ]);

        Assert.IsFalse(diagnosis.Passed);
        CollectionAssert.AreEqual(new[] { "ok      CPU: AMD EPYC", "FAILED  Scoring engine TorchSharp, ResNet18 at 32 px: max |Δp| 3.0E-3" },
            diagnosis.ToString().Split(Environment.NewLine));
        var json = JsonDocument.Parse(diagnosis.ToJson()).RootElement;
        Assert.IsFalse(json.GetProperty("passed").GetBoolean());
        Assert.AreEqual(0.003, json.GetProperty("checks")[1].GetProperty("value").GetDouble());
        Assert.IsFalse(json.GetProperty("checks")[0].TryGetProperty("value", out _), "no number, no field");
    }
}
