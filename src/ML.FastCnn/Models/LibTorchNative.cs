using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>
/// The few libtorch settings and facts TorchSharp 0.107 does not expose, read from libtorch's own
/// exported functions (C++ names; Itanium ABI on Linux and macOS, MSVC's on Windows — the Windows
/// names are unverified here). Every call is optional: a missing symbol means "unknown", never an error.
/// </summary>
internal static unsafe class LibTorchNative
{
    private static readonly string TorchCpu = OperatingSystem.IsWindows() ? "torch_cpu.dll" : OperatingSystem.IsMacOS() ? "libtorch_cpu.dylib" : "libtorch_cpu.so";
    private static readonly string C10 = OperatingSystem.IsWindows() ? "c10.dll" : OperatingSystem.IsMacOS() ? "libc10.dylib" : "libc10.so";

    /// <summary>
    /// Turns libtorch's NNPACK convolutions off (<c>torch.backends.nnpack.set_flags(False)</c>). On CPUs
    /// NNPACK does not support (AMD Zen 4 among them) libtorch tries it for small convolutions and prints
    /// "Could not initialize NNPACK! Reason: Unsupported hardware" to standard error every time; where it is
    /// supported, oneDNN is what runs ResNet convolutions anyway. Off everywhere, so every CPU takes the same
    /// path and the console stays quiet. Returns false when the switch could not be found.
    /// </summary>
    public static bool TurnOffNnpack()
    {
        if (Export(TorchCpu, "_ZN2at13globalContextEv", "?globalContext@at@@YAAEAVContext@1@XZ") is not { } globalContext ||
            Export(TorchCpu, "_ZN2at7Context20setUserEnabledNNPACKEb", "?setUserEnabledNNPACK@Context@at@@QEAAX_N@Z") is not { } setEnabled)
            return false;
        var context = ((delegate* unmanaged<IntPtr>)globalContext)();
        ((delegate* unmanaged<IntPtr, byte, void>)setEnabled)(context, 0);
        return true;
    }

    /// <summary>Whether NNPACK supports this CPU (asked quietly: libtorch's warning is held back while asking); null when unknown.</summary>
    public static bool? NnpackSupported()
    {
        NativeBackend.EnsureLoaded();
        if (Export(TorchCpu, "_ZN2at6native17_nnpack_availableEv", "?_nnpack_available@native@at@@YA_NXZ") is not { } available)
            return null;
        var logLevel = Export(C10, "FLAGS_caffe2_log_level", "?FLAGS_caffe2_log_level@@3HA");
        int previous = logLevel is { } address ? Marshal.ReadInt32(address) : 0;
        try
        {
            if (logLevel is { } level)
                Marshal.WriteInt32(level, 2); // ERROR: warnings are not printed
            return ((delegate* unmanaged<byte>)available)() != 0;
        }
        finally
        {
            if (logLevel is { } level)
                Marshal.WriteInt32(level, previous);
        }
    }

    /// <summary>Whether this libtorch was built with oneDNN (MKL-DNN), which runs its CPU convolutions; null when unknown.</summary>
    public static bool? HasOneDnn() => Flag("_ZN2at7Context9hasMKLDNNEv", "?hasMKLDNN@Context@at@@SA_NXZ");

    /// <summary>Whether this libtorch was built with OpenMP (its CPU thread pool); null when unknown.</summary>
    public static bool? HasOpenMP() => Flag("_ZN2at7Context9hasOpenMPEv", "?hasOpenMP@Context@at@@SA_NXZ");

    /// <summary>
    /// libtorch's <c>set_data</c> (PyTorch's <c>param.data = other</c>): the first tensor keeps its identity (the same
    /// parameter to the optimizer, layer groups and modules) and takes the second's storage, dtype included.
    /// Null when libtorch does not export it (the MSVC name is unverified); mixed precision then stays off.
    /// </summary>
    public static Action<Tensor, Tensor>? SetData => s_setData.Value;

    private static readonly Lazy<Action<Tensor, Tensor>?> s_setData = new(FindSetData); // not at type load: NativeBackend calls this class while loading

    private static Action<Tensor, Tensor>? FindSetData()
    {
        NativeBackend.EnsureLoaded();
        if (Export(TorchCpu, "_ZN2at4_ops8set_data4callERNS_6TensorERKS2_", "?call@set_data@_ops@at@@SAXAEAVTensor@3@AEBV43@@Z") is not { } address)
            return null;
        var call = (delegate* unmanaged<IntPtr, IntPtr, void>)address;
        // A TorchSharp handle is a pointer to an at::Tensor: what the C++ references are in this calling convention.
        return (tensor, data) =>
        {
            call(tensor.Handle, data.Handle);
            GC.KeepAlive(tensor);
            GC.KeepAlive(data);
        };
    }

    private static bool? Flag(string itanium, string msvc)
    {
        NativeBackend.EnsureLoaded();
        return Export(TorchCpu, itanium, msvc) is { } function ? ((delegate* unmanaged<byte>)function)() != 0 : null;
    }

    /// <summary>The address of a libtorch function or variable; libtorch must be loaded (<see cref="NativeBackend"/> calls this while starting it).</summary>
    private static IntPtr? Export(string library, string itanium, string msvc)
    {
        if (!NativeLibrary.TryLoad(library, typeof(torch).Assembly, null, out var handle))
            return null;
        return NativeLibrary.TryGetExport(handle, OperatingSystem.IsWindows() ? msvc : itanium, out var address) ? address : null;
    }
}
