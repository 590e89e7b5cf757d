using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>Turns the user's <see cref="ComputeDevice"/> choice into a TorchSharp device.</summary>
internal static class DeviceSelector
{
    /// <summary>
    /// The device for <paramref name="choice"/>; first makes sure libtorch can start (<see cref="NativeBackend"/>).
    /// <see cref="ComputeDevice.Auto"/> without a GPU is the CPU, with a warning when the application ships a CUDA
    /// backend (in <paramref name="applicationFolder"/>, default the application's): the user meant the GPU.
    /// </summary>
    public static Device Resolve(ComputeDevice choice, Action<string>? warn = null, string? applicationFolder = null)
    {
        NativeBackend.EnsureLoaded();
        return choice switch
        {
            ComputeDevice.Cpu => CPU,
            ComputeDevice.Auto when cuda.is_available() => CUDA,
            ComputeDevice.Auto => CpuInsteadOfCuda(warn, applicationFolder ?? AppContext.BaseDirectory),
            ComputeDevice.Cuda when cuda.is_available() => CUDA,
            ComputeDevice.Cuda => throw new InvalidOperationException(
                "Device = Cuda, but TorchSharp finds no CUDA GPU. Reference a CUDA backend package " +
                "(see docs/deployment.md, 'GPU') on a machine with an NVIDIA driver, or use Device = Auto or Cpu."),
            _ => throw new ArgumentOutOfRangeException(nameof(choice), choice, "Use Auto, Cpu or Cuda."),
        };
    }

    private static Device CpuInsteadOfCuda(Action<string>? warn, string applicationFolder)
    {
        if (warn is not null && CudaBackend(applicationFolder) is { } library)
            warn($"Device = Auto: the application ships a CUDA backend ({Path.GetFileName(library)}) but TorchSharp finds no CUDA GPU, so this runs on the CPU. " +
                 "Check the NVIDIA driver (nvidia-smi) and that the CUDA libraries load; Device = Cpu silences this.");
        return CPU;
    }

    /// <summary>libtorch's CUDA library in <paramref name="folder"/> or its runtimes/*/native folders, or null.</summary>
    internal static string? CudaBackend(string folder)
    {
        string[] names = ["libtorch_cuda.so", "torch_cuda.dll"];
        var folders = new List<string> { folder };
        string runtimes = Path.Combine(folder, "runtimes");
        if (Directory.Exists(runtimes))
            folders.AddRange(Directory.EnumerateDirectories(runtimes).Select(r => Path.Combine(r, "native")).Where(Directory.Exists));
        return folders.SelectMany(f => names.Select(n => Path.Combine(f, n))).FirstOrDefault(File.Exists);
    }
}
