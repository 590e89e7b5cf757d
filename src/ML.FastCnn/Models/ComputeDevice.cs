namespace ML.FastCnn;

/// <summary>Where FastCnn trains and scores.</summary>
public enum ComputeDevice
{
    /// <summary>The first CUDA GPU when TorchSharp's CUDA backend finds one, otherwise the CPU.</summary>
    Auto,

    /// <summary>The CPU, always.</summary>
    Cpu,

    /// <summary>The first CUDA GPU; fails with a clear message when none is available.</summary>
    Cuda,
}
