using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace ML.FastCnn;

/// <summary>The CPU as libtorch's kernels see it: its name and the instruction sets that pick them.</summary>
internal static class CpuDescription
{
    /// <summary>"AMD EPYC" (Linux: /proc/cpuinfo; Windows: PROCESSOR_IDENTIFIER), or the architecture when unknown.</summary>
    public static string Model()
    {
        if (OperatingSystem.IsLinux() && File.Exists("/proc/cpuinfo"))
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            if (line is not null)
                return line[(line.IndexOf(':') + 1)..].Trim();
        }
        return Environment.GetEnvironmentVariable("PROCESSOR_IDENTIFIER") ?? RuntimeInformation.ProcessArchitecture.ToString();
    }

    /// <summary>The instruction sets present that matter to convolution kernels, e.g. "avx2 fma avx512f avx512bw avx512vnni avx512_bf16".</summary>
    public static string InstructionSets()
    {
        var sets = new List<string>();
        void Add(bool present, string name)
        {
            if (present)
                sets.Add(name);
        }
        Add(Avx2.IsSupported, "avx2");
        Add(Fma.IsSupported, "fma");
        Add(Avx512F.IsSupported, "avx512f");
        Add(Avx512BW.IsSupported, "avx512bw");
        Add(Avx512Vbmi.IsSupported, "avx512vbmi");
        Add(AvxVnni.IsSupported, "avx_vnni");
        Add(AdvSimd.IsSupported, "neon");
        // .NET has no intrinsics class for these; Linux lists them.
        var flags = LinuxFlags();
        foreach (var flag in new[] { "avx512_vnni", "avx512_bf16", "amx_tile" })
            Add(flags.Contains(flag), flag);
        return sets.Count == 0 ? "none detected" : string.Join(' ', sets);
    }

    /// <summary>
    /// Whether the CPU computes bfloat16 products natively (x86: avx512_bf16 or amx_bf16; ARM: bf16), as Linux reports it;
    /// false where it cannot tell (.NET has no intrinsics class for these).
    /// </summary>
    public static bool HasBFloat16Instructions()
    {
        var flags = LinuxFlags();
        return flags.Contains("avx512_bf16") || flags.Contains("amx_bf16") || (AdvSimd.IsSupported && flags.Contains("bf16"));
    }

    /// <summary>Linux's CPU feature list: x86's "flags" line, ARM's "Features" line.</summary>
    private static HashSet<string> LinuxFlags()
    {
        if (!OperatingSystem.IsLinux() || !File.Exists("/proc/cpuinfo"))
            return [];
        var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal) || l.StartsWith("Features", StringComparison.Ordinal));
        return line is null ? [] : line[(line.IndexOf(':') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet();
    }
}
