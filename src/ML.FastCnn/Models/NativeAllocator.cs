using System.Runtime.InteropServices;

namespace ML.FastCnn;

/// <summary>
/// glibc's malloc hands large freed blocks straight back to the kernel (mmap/munmap, heap trimming), so
/// libtorch's activation buffers, freed after every forward and backward pass, are page-faulted in anew on
/// the next: ResNet18 training at 224 px ran at 12.5 img/s, 18.6 with freed memory kept for reuse (AMD EPYC,
/// docs/benchmarks.md). PyTorch users get the same with jemalloc or tcmalloc. Set once per process, on
/// Linux with glibc only, and not when the user chose: <c>MALLOC_MMAP_THRESHOLD_</c> or
/// <c>MALLOC_TRIM_THRESHOLD_</c> set, or <c>FASTCNN_SYSTEM_MALLOC=1</c>. The cost: the process keeps up to
/// 1 GB of freed memory instead of returning it.
/// </summary>
internal static unsafe class NativeAllocator
{
    public const string OptOutVariable = "FASTCNN_SYSTEM_MALLOC";
    private const int MmapThresholdOption = -3, TrimThresholdOption = -1; // M_MMAP_THRESHOLD, M_TRIM_THRESHOLD (malloc.h)
    private const int MmapThreshold = 32 << 20; // glibc's maximum on 64-bit
    private const int TrimThreshold = 1 << 30;

    /// <summary>What was done, for <c>doctor</c>.</summary>
    public static string State { get; private set; } = "not changed";

    public static void KeepFreedMemory()
    {
        if (!OperatingSystem.IsLinux())
        {
            State = "not changed (not Linux)";
            return;
        }
        if (EnvironmentSwitch.IsOn(Environment.GetEnvironmentVariable(OptOutVariable)) ||
            Environment.GetEnvironmentVariable("MALLOC_MMAP_THRESHOLD_") is not null || Environment.GetEnvironmentVariable("MALLOC_TRIM_THRESHOLD_") is not null)
        {
            State = $"not changed (the environment chose: {OptOutVariable}, MALLOC_MMAP_THRESHOLD_ or MALLOC_TRIM_THRESHOLD_)";
            return;
        }
        if (!NativeLibrary.TryLoad("libc.so.6", out var libc) || !NativeLibrary.TryGetExport(libc, "mallopt", out var address))
        {
            State = "not changed (no glibc mallopt)";
            return;
        }
        var mallopt = (delegate* unmanaged<int, int, int>)address;
        bool done = mallopt(MmapThresholdOption, MmapThreshold) == 1 & mallopt(TrimThresholdOption, TrimThreshold) == 1;
        State = done
            ? $"glibc keeps freed memory for reuse (mmap threshold {MmapThreshold >> 20} MB, trim threshold {TrimThreshold >> 30} GB); {OptOutVariable}=1 turns this off"
            : "mallopt refused the settings: unchanged";
    }
}
