using TorchSharp;
using static TorchSharp.torch;

namespace ML.FastCnn.Tests;

[TestClass]
public sealed class TorchSharpTests
{
    [TestMethod]
    public void NativeBackendLoadsAndComputes()
    {
        // On Debian 12 / Ubuntu 22.04 this needs build/TorchSharpNativeCompat.targets to have run.
        using var a = ones(2, 3);
        using var b = a.matmul(a.t());
        Assert.AreEqual(3f, b[0, 1].ToSingle());
    }
}
