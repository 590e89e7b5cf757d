using Microsoft.ML;

namespace ML.FastCnn.Tests;

/// <summary>
/// Which device training and loading use: <see cref="ComputeDevice"/> with ML.NET's own GPU settings
/// (<c>MLContext.GpuDeviceId</c>, <c>FallbackToCpu</c>). The decision is tested for any number of GPUs; the
/// settings are shown to reach it through a trainer and a model loader on this machine, which has none.
/// </summary>
[TestClass]
public sealed class DeviceSelectionTests
{
    private static readonly string NoBackendFolder = AppContext.BaseDirectory; // the tests ship TorchSharp-cpu only

    private static (TorchSharp.torch.Device Device, List<string> Warnings) Decide(ComputeDevice choice, int? gpuDeviceId, bool fallbackToCpu, int gpus)
    {
        var warnings = new List<string>();
        var device = DeviceSelector.Resolve(choice, new GpuSettings(gpuDeviceId, fallbackToCpu), gpus, warnings.Add, NoBackendFolder);
        return (device, warnings);
    }

    [TestMethod]
    public void GpuDeviceIdPicksTheGpuAndAnIndexOutOfRangeSaysWhichExist()
    {
        var (device, _) = Decide(ComputeDevice.Auto, gpuDeviceId: 1, fallbackToCpu: false, gpus: 2);
        Assert.AreEqual(TorchSharp.DeviceType.CUDA, device.type);
        Assert.AreEqual(1, device.index);
        Assert.AreEqual(0, Decide(ComputeDevice.Cuda, gpuDeviceId: null, fallbackToCpu: false, gpus: 2).Device.index, "no GpuDeviceId: the first GPU");

        var e = Assert.ThrowsExactly<InvalidOperationException>(() => Decide(ComputeDevice.Cuda, gpuDeviceId: 2, fallbackToCpu: false, gpus: 2));
        StringAssert.Contains(e.Message, "GpuDeviceId = 2");
        StringAssert.Contains(e.Message, "2 CUDA GPUs (0–1)");
        Assert.AreEqual(TorchSharp.DeviceType.CPU, Decide(ComputeDevice.Cpu, gpuDeviceId: 1, fallbackToCpu: false, gpus: 2).Device.type, "Cpu is a choice");
    }

    [TestMethod]
    public void AskingForAGpuWithoutOneFailsUnlessFallbackToCpuIsSet()
    {
        foreach (var (choice, id) in new[] { (ComputeDevice.Auto, (int?)0), (ComputeDevice.Cuda, null) })
        {
            var e = Assert.ThrowsExactly<InvalidOperationException>(() => Decide(choice, id, fallbackToCpu: false, gpus: 0));
            StringAssert.Contains(e.Message, "no CUDA GPU");
            StringAssert.Contains(e.Message, "FallbackToCpu = true");

            var (device, warnings) = Decide(choice, id, fallbackToCpu: true, gpus: 0);
            Assert.AreEqual(TorchSharp.DeviceType.CPU, device.type);
            Assert.HasCount(1, warnings);
            StringAssert.Contains(warnings[0], "running on the CPU");
        }
        var (auto, none) = Decide(ComputeDevice.Auto, gpuDeviceId: null, fallbackToCpu: false, gpus: 0);
        Assert.AreEqual(TorchSharp.DeviceType.CPU, auto.type);
        Assert.IsEmpty(none, "Auto without a GPU and without a CUDA backend is the CPU, quietly");
    }

    [TestMethod]
    public void TrainingReadsTheContextsGpuDeviceId()
    {
        if (TorchSharp.torch.cuda.is_available())
            Assert.Inconclusive("This machine has a CUDA GPU: GpuDeviceId = 0 is valid here.");
        var ml = new MLContext(seed: 1) { GpuDeviceId = 0 };
        var data = TestData.Preprocessing(ml).Fit(ml.Data.LoadFromEnumerable(TestData.FashionMnist("train", 2))).Transform(ml.Data.LoadFromEnumerable(TestData.FashionMnist("train", 2)));
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => FastCnnLearner.Create(ml, data, TestData.TinyOptions().Learner).Dispose());
        StringAssert.Contains(e.Message, "MLContext.GpuDeviceId = 0");
    }

    [TestMethod]
    public void LoadingReadsTheContextsGpuDeviceIdAndFallsBackWhenAllowed()
    {
        if (TorchSharp.torch.cuda.is_available())
            Assert.Inconclusive("This machine has a CUDA GPU: GpuDeviceId = 0 is valid here.");
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "format-1.6-seeded.zip");

        var strict = new MLContext { GpuDeviceId = 0 };
        var e = Assert.Throws<Exception>(() => strict.Model.Load(path, out _));
        StringAssert.Contains(e.ToString(), "MLContext.GpuDeviceId = 0");

        var lenient = new MLContext { GpuDeviceId = 0, FallbackToCpu = true };
        var log = TestData.CaptureLog(lenient);
        var model = lenient.Model.Load(path, out _);
        Assert.IsNotNull(FastCnn.FindTransformer(model));
        Assert.IsTrue(log.Any(l => l.Contains("running on the CPU", StringComparison.Ordinal)), "the fallback is a warning in the log");
        (model as IDisposable)?.Dispose();
    }
}
