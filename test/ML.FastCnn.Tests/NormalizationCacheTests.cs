using TorchSharp;
using static TorchSharp.torch;

namespace ML.FastCnn.Tests;

/// <summary>
/// The input normalisation's tensors are made once per device and kept (no host-to-device copy per batch): the
/// numbers are bit for bit what the per-batch tensors gave, and the kept tensors outlive the dispose scopes they were made in.
/// </summary>
[TestClass]
public sealed class NormalizationCacheTests
{
    private static readonly InputNormalization Custom = new([0.5f, 0.25f, 0.125f], [0.3f, 0.7f, 0.11f]);

    /// <summary>The code before the cache: fresh mean and std tensors per batch.</summary>
    private static Tensor FreshNormalize(Tensor bytes, InputNormalization normalization)
    {
        using var maximum = 255f.ToScalar();
        using var mean = tensor(normalization.Mean, [1, 3, 1, 1]);
        using var std = tensor(normalization.Std, [1, 3, 1, 1]);
        return bytes.to_type(float32).div_(maximum).sub_(mean).div_(std);
    }

    /// <summary>The code before the cache: fresh 1/std and −mean/std tensors per batch.</summary>
    private static Tensor FreshNormalizeFloat(Tensor x, InputNormalization normalization)
    {
        using var scale = tensor(normalization.Std.Select(s => 1 / s).ToArray(), [1, 3, 1, 1]);
        using var shift = tensor(normalization.Mean.Zip(normalization.Std, (m, s) => -m / s).ToArray(), [1, 3, 1, 1]);
        return shift.addcmul(x, scale, KeptAliveScalars.One);
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void TheKeptTensorsNormaliseBitForBitAsFreshOnesDid(bool custom)
    {
        var normalization = custom ? Custom : InputNormalization.ImageNet;
        using var scope = NewDisposeScope();
        using var generator = new torch.Generator(7);
        var bytes = randint(0, 256, [4, 3, 9, 9], dtype: uint8, generator: generator);
        var unit = rand([4, 3, 9, 9], generator: generator);

        for (int call = 0; call < 2; call++) // the first call makes the tensors, the second reuses them
        {
            var cached = ImageTensorConverter.Normalize(bytes, CPU, normalization);
            var fresh = FreshNormalize(bytes, normalization);
            CollectionAssert.AreEqual(Bits(fresh), Bits(cached), $"Normalize, call {call + 1}: bit for bit");
            CollectionAssert.AreEqual(Bits(FreshNormalizeFloat(unit, normalization)), Bits(ImageTensorConverter.NormalizeFloat(unit, CPU, normalization)),
                $"NormalizeFloat, call {call + 1}: bit for bit");
        }
    }

    private static int[] Bits(Tensor t) => [.. t.contiguous().data<float>().ToArray().Select(BitConverter.SingleToInt32Bits)];

    [TestMethod]
    public void TheTensorsAreMadeOncePerDeviceAndNumbersAndOutliveTheirScope()
    {
        ImageTensorConverter.DeviceStatistics first;
        using (NewDisposeScope())
            first = ImageTensorConverter.OnDevice(CPU, Custom);

        Assert.IsFalse(first.Mean.IsInvalid, "not freed by the scope it was made in");
        var equalNumbers = new InputNormalization([.. Custom.Mean], [.. Custom.Std]); // other arrays, same numbers
        Assert.AreSame(first, ImageTensorConverter.OnDevice(CPU, equalNumbers));
        Assert.AreSame(first, ImageTensorConverter.OnDevice(torch.CPU, Custom));
        Assert.AreNotSame(first, ImageTensorConverter.OnDevice(CPU, InputNormalization.ImageNet));
        CollectionAssert.AreEqual(Custom.Mean, first.Mean.data<float>().ToArray());
        CollectionAssert.AreEqual(Custom.Std, first.Std.data<float>().ToArray());
        CollectionAssert.AreEqual(new long[] { 1, 3, 1, 1 }, first.Shift.shape);
        Assert.AreEqual(CPU.type, first.Scale.device.type);
    }
}
