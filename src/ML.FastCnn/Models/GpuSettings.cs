namespace ML.FastCnn;

/// <summary>
/// ML.NET's GPU settings of an <c>MLContext</c>: which CUDA device (<c>GpuDeviceId</c>; null: the first) and whether
/// to run on the CPU when there is none (<c>FallbackToCpu</c>). Read from the environment by <see cref="MLNetSession.GpuOf"/>.
/// </summary>
internal readonly record struct GpuSettings(int? DeviceId, bool FallbackToCpu);
