using TorchSharp;

namespace ML.FastCnn;

/// <summary>
/// TorchSharp 0.107 frees a <see cref="Scalar"/> in its finalizer and passes only its native handle
/// to libtorch, so an implicit <c>double</c>/<c>int</c> → Scalar temporary can be freed by a garbage
/// collection on another thread while libtorch still reads it (docs/torchsharp-scalar-lifetimes.md).
/// Constants our hot paths pass to libtorch live here for the life of the process; values that change
/// are explicit <c>using</c> locals, alive until the end of their scope.
/// </summary>
internal static class KeptAliveScalars
{
    /// <summary>1, as the <c>alpha</c> of an in-place add (a residual connection) or a counter's increment.</summary>
    public static readonly Scalar One = 1.ToScalar();
}
