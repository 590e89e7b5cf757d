using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>Turns the user's <see cref="ComputeDevice"/> choice into a TorchSharp device.</summary>
internal static class DeviceSelector
{
    /// <summary>The device for <paramref name="choice"/>; first makes sure libtorch can start (<see cref="NativeBackend"/>).</summary>
    public static Device Resolve(ComputeDevice choice)
    {
        NativeBackend.EnsureLoaded();
        return choice switch
        {
            ComputeDevice.Cpu => CPU,
            ComputeDevice.Auto => cuda.is_available() ? CUDA : CPU,
            ComputeDevice.Cuda when cuda.is_available() => CUDA,
            ComputeDevice.Cuda => throw new InvalidOperationException(
                "Device = Cuda, but TorchSharp finds no CUDA GPU. Reference a CUDA backend package " +
                "(see docs/deployment.md, 'GPU') on a machine with an NVIDIA driver, or use Device = Auto or Cpu."),
            _ => throw new ArgumentOutOfRangeException(nameof(choice), choice, "Use Auto, Cpu or Cuda."),
        };
    }
}
