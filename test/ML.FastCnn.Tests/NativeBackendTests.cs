using System.Runtime.InteropServices;

namespace ML.FastCnn.Tests;

/// <summary>
/// When libtorch cannot start, TorchSharp says "doesn't contain a reference to libtorch-cpu-linux-x64"
/// whatever the cause; FastCnn's message names the real one and the fix.
/// </summary>
[TestClass]
public sealed class NativeBackendTests
{
    [TestMethod]
    public void WithoutABackendPackageTheMessageSaysWhichPackageToAdd()
    {
        var folder = Directory.CreateTempSubdirectory("fastcnn-app-").FullName;
        try
        {
            var message = NativeBackend.Diagnose(folder, new NotSupportedException("doesn't contain a reference to libtorch-cpu-linux-x64"));
            Assert.AreEqual($"TorchSharp's native backend is missing: no libLibTorchSharp.so in '{folder}'. Add a backend package to the application: " +
                "TorchSharp-cpu 0.107.0 (any OS), or TorchSharp-cuda-linux / TorchSharp-cuda-windows 0.107.0 for NVIDIA GPUs.", message);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    public void AutoWarnsWhenItFallsBackToTheCpuAlthoughACudaBackendShips()
    {
        if (TorchSharp.torch.cuda.is_available())
            Assert.Inconclusive("This machine has a CUDA GPU: Auto takes it.");
        var folder = Directory.CreateTempSubdirectory("fastcnn-app-").FullName;
        try
        {
            var warnings = new List<string>();
            Assert.AreEqual(TorchSharp.DeviceType.CPU, DeviceSelector.Resolve(ComputeDevice.Auto, warnings.Add, folder).type);
            Assert.IsEmpty(warnings, "a CPU-only application is where it should be");

            string native = Directory.CreateDirectory(Path.Combine(folder, "runtimes", "linux-x64", "native")).FullName;
            File.WriteAllBytes(Path.Combine(native, "libtorch_cuda.so"), []);
            Assert.AreEqual(TorchSharp.DeviceType.CPU, DeviceSelector.Resolve(ComputeDevice.Auto, warnings.Add, folder).type);

            Assert.HasCount(1, warnings);
            StringAssert.Contains(warnings[0], "libtorch_cuda.so");
            StringAssert.Contains(warnings[0], "no CUDA GPU");
            Assert.IsEmpty(WarningsFor(ComputeDevice.Cpu, folder), "Device = Cpu is a choice, not a fallback");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static List<string> WarningsFor(ComputeDevice choice, string folder)
    {
        var warnings = new List<string>();
        DeviceSelector.Resolve(choice, warnings.Add, folder);
        return warnings;
    }

    [TestMethod]
    public void ADamagedNativeLibraryIsNamedWithTheLoadersReason()
    {
        var folder = Directory.CreateTempSubdirectory("fastcnn-app-").FullName;
        try
        {
            var library = Path.Combine(folder, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
            Directory.CreateDirectory(Path.GetDirectoryName(library)!);
            File.WriteAllText(library, "not a shared library");
            var message = NativeBackend.Diagnose(folder, new NotSupportedException("doesn't contain a reference to libtorch-cpu-linux-x64"));
            StringAssert.StartsWith(message, $"TorchSharp's native library '{library}' cannot be loaded: ");
            StringAssert.Contains(message, library, "the loader's own reason follows, naming the file");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    public void AnUnpatchedLibraryOnAnOldLibstdcxxIsExplainedWithTheFix()
    {
        // TorchSharp's library as NuGet ships it (before the build's libstdc++ step), next to libtorch so only the version check can fail.
        var home = Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var shipped = Path.Combine(home, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        if (!OperatingSystem.IsLinux() || !File.Exists(shipped))
            Assert.Inconclusive("needs Linux and TorchSharp 0.107.0 in the NuGet cache");
        var copy = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", $"libLibTorchSharp-unpatched-{Guid.NewGuid():N}.so");
        File.Copy(shipped, copy);
        try
        {
            if (NativeLibrary.TryLoad(copy, out var handle))
            {
                NativeLibrary.Free(handle);
                Assert.Inconclusive("this system's libstdc++ is new enough: nothing to explain");
            }
            string loader;
            try
            {
                NativeLibrary.Load(copy);
                throw new AssertFailedException("unreachable");
            }
            catch (DllNotFoundException e)
            {
                loader = e.Message;
            }
            var message = NativeBackend.ExplainLoadFailure(copy, loader);
            StringAssert.StartsWith(message, $"TorchSharp's native library '{copy}' needs GLIBCXX_3.4.32 from libstdc++");
            StringAssert.Contains(message, "Rebuild or republish the application with ML.FastCnn referenced");
        }
        finally
        {
            File.Delete(copy);
        }
    }
}
