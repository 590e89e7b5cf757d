using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>
/// Starts TorchSharp's native backend once, and when it cannot start says why. TorchSharp's own
/// message ("doesn't contain a reference to libtorch-cpu-linux-x64") is the same whether the
/// backend package is missing or its library fails to load (e.g. an old libstdc++); this looks.
/// </summary>
internal static class NativeBackend
{
    private static readonly Lazy<Exception?> s_failure = new(Start);
    private static bool s_nnpackOff;

    /// <summary>Whether NNPACK was turned off at start (see <see cref="LibTorchNative.TurnOffNnpack"/>).</summary>
    public static bool NnpackTurnedOff
    {
        get
        {
            EnsureLoaded();
            return s_nnpackOff;
        }
    }

    /// <summary>Throws an <see cref="InvalidOperationException"/> naming the cause and the fix when libtorch cannot be used.</summary>
    public static void EnsureLoaded()
    {
        if (s_failure.Value is { } failure)
            throw new InvalidOperationException(failure.Message, failure.InnerException);
    }

    private static Exception? Start()
    {
        try
        {
            NativeAllocator.KeepFreedMemory();
            InitializeDeviceType(DeviceType.CPU);
            s_nnpackOff = LibTorchNative.TurnOffNnpack();
            return null;
        }
        catch (Exception e) when (e is NotSupportedException or DllNotFoundException or TypeInitializationException or EntryPointNotFoundException)
        {
            return new InvalidOperationException(Diagnose(AppContext.BaseDirectory, e) +
                " FastCnn.Diagnose() (the command line's 'doctor') reports what loads on this machine.", e);
        }
    }

    /// <summary>Why TorchSharp could not start in an application whose files are in <paramref name="folder"/>.</summary>
    internal static string Diagnose(string folder, Exception failure)
    {
        string name = OperatingSystem.IsWindows() ? "LibTorchSharp.dll" : OperatingSystem.IsMacOS() ? "libLibTorchSharp.dylib" : "libLibTorchSharp.so";
        var library = Directory.Exists(folder)
            ? Directory.EnumerateFiles(folder, name, SearchOption.AllDirectories).FirstOrDefault()
            : null;
        if (library is null)
            return $"TorchSharp's native backend is missing: no {name} in '{folder}'. Add a backend package to the application: " +
                   "TorchSharp-cpu 0.107.0 (any OS), or TorchSharp-cuda-linux / TorchSharp-cuda-windows 0.107.0 for NVIDIA GPUs.";
        try
        {
            NativeLibrary.Free(NativeLibrary.Load(library));
            return $"TorchSharp could not start although '{library}' loads: {failure.Message}";
        }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
        {
            return ExplainLoadFailure(library, e.Message);
        }
    }

    /// <summary>What the dynamic loader's <paramref name="loader"/> message about <paramref name="library"/> means, and the fix.</summary>
    internal static string ExplainLoadFailure(string library, string loader)
    {
        int glibcxx = loader.IndexOf("GLIBCXX_", StringComparison.Ordinal);
        if (glibcxx < 0)
            return $"TorchSharp's native library '{library}' cannot be loaded: {loader}";
        string version = new(loader[glibcxx..].TakeWhile(c => c == '_' || c == '.' || char.IsLetterOrDigit(c)).ToArray());
        return $"TorchSharp's native library '{library}' needs {version} from libstdc++, which this system's is too old to have " +
               "(Debian 12 / Ubuntu 22.04). The ML.FastCnn package's build step marks that requirement weak in the build and publish " +
               "output; this copy was not patched. Rebuild or republish the application with ML.FastCnn referenced (its build log says " +
               $"'ML.FastCnn: ... marked that requirement weak'), or install libstdc++ from GCC 13 or newer. Loader: {loader}";
    }
}
