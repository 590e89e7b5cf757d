using TorchSharp;
using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>
/// Turns the user's <see cref="ComputeDevice"/> choice and ML.NET's GPU settings (<c>MLContext.GpuDeviceId</c>,
/// <c>MLContext.FallbackToCpu</c>, the ones ML.NET's own TorchSharp trainers read) into a TorchSharp device.
/// </summary>
internal static class DeviceSelector
{
    /// <summary>
    /// The device for <paramref name="choice"/>; first makes sure libtorch can start (<see cref="NativeBackend"/>).
    /// <see cref="ComputeDevice.Auto"/> without a GPU is the CPU, with a warning when the application ships a CUDA
    /// backend (in <paramref name="applicationFolder"/>, default the application's): the user meant the GPU.
    /// </summary>
    public static Device Resolve(ComputeDevice choice, Action<string>? warn = null, string? applicationFolder = null) =>
        Resolve(choice, default, warn, applicationFolder);

    /// <summary>As <see cref="Resolve(ComputeDevice, Action{string}?, string?)"/>, on the GPU <paramref name="gpu"/> names.</summary>
    public static Device Resolve(ComputeDevice choice, GpuSettings gpu, Action<string>? warn = null, string? applicationFolder = null)
    {
        NativeBackend.EnsureLoaded();
        return Resolve(choice, gpu, cuda.is_available() ? cuda.device_count() : 0, warn, applicationFolder ?? AppContext.BaseDirectory);
    }

    /// <summary>The decision alone, for a machine with <paramref name="cudaDevices"/> GPUs (tests give any count).</summary>
    internal static Device Resolve(ComputeDevice choice, GpuSettings gpu, int cudaDevices, Action<string>? warn, string applicationFolder)
    {
        if (choice == ComputeDevice.Cpu)
            return CPU;
        if (choice is not (ComputeDevice.Auto or ComputeDevice.Cuda))
            throw new ArgumentOutOfRangeException(nameof(choice), choice, "Use Auto, Cpu or Cuda.");
        if (cudaDevices > 0)
        {
            int index = gpu.DeviceId ?? 0;
            if (index < 0 || index >= cudaDevices)
                throw new InvalidOperationException(
                    $"MLContext.GpuDeviceId = {index}, but TorchSharp finds {cudaDevices} CUDA GPU{(cudaDevices == 1 ? "" : "s")} (0–{cudaDevices - 1}): " +
                    "set GpuDeviceId to one of them, or leave it null for the first.");
            return new Device(DeviceType.CUDA, index);
        }
        // No GPU. Asked for one (Device = Cuda, or a GpuDeviceId): ML.NET's rule — fall back only when told to.
        bool askedForGpu = choice == ComputeDevice.Cuda || gpu.DeviceId is not null;
        if (!askedForGpu)
            return CpuInsteadOfCuda(warn, applicationFolder);
        string asked = choice == ComputeDevice.Cuda ? "Device = Cuda" : $"MLContext.GpuDeviceId = {gpu.DeviceId}";
        if (gpu.FallbackToCpu)
        {
            warn?.Invoke($"{asked}, but TorchSharp finds no CUDA GPU: running on the CPU (MLContext.FallbackToCpu = true).");
            return CPU;
        }
        throw new InvalidOperationException(
            $"{asked}, but TorchSharp finds no CUDA GPU. Reference a CUDA backend package (see docs/deployment.md, 'GPU') on a machine " +
            "with an NVIDIA driver, set MLContext.FallbackToCpu = true to run on the CPU instead, or use Device = Auto or Cpu without a GpuDeviceId.");
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
