using System.Text.Json;

namespace ML.FastCnn.Tests;

/// <summary>
/// Windows and macOS applications of the package restore and build here, though we cannot run them
/// (docs/platforms.md). The package is packed once into a temporary feed; test/PackageConsumer (ML.FastCnn +
/// TorchSharp-cpu, whose libtorch-cpu brings the linux-x64, win-x64 and osx-arm64 backends, already in the package
/// cache since this project references TorchSharp-cpu too) is built with <c>-r</c> for each runtime. Its output must
/// hold every native library that runtime loads and none of another system's, and the libstdc++ step must be skipped
/// for Windows and macOS (it is for Linux output only) and run for Linux.
/// </summary>
[TestClass]
[TestCategory(Categories.Integration)]
public sealed class PlatformBuildTests
{
    private const string PatchTarget = "FastCnnPatchLibTorchSharp";

    // The native files each runtime needs: TorchSharp's binding and libtorch (and its OpenMP), SkiaSharp and HarfBuzz
    // (MLImage, plots), ONNX Runtime (ONNX export checks, the ResNet18 backbone), and the app host.
    private static readonly Dictionary<string, string[]> NativeFiles = new()
    {
        ["win-x64"] = ["LibTorchSharp.dll", "torch_cpu.dll", "torch.dll", "c10.dll", "libiomp5md.dll",
            "libSkiaSharp.dll", "libHarfBuzzSharp.dll", "onnxruntime.dll", "PackageConsumer.exe"],
        ["osx-arm64"] = ["libLibTorchSharp.dylib", "libtorch_cpu.dylib", "libtorch.dylib", "libc10.dylib", "libomp.dylib",
            "libSkiaSharp.dylib", "libHarfBuzzSharp.dylib", "libonnxruntime.dylib", "PackageConsumer"],
        ["linux-x64"] = ["libLibTorchSharp.so", "libtorch_cpu.so", "libtorch.so", "libc10.so",
            "libSkiaSharp.so", "libHarfBuzzSharp.so", "libonnxruntime.so", "PackageConsumer"],
    };

    private static string s_folder = "";
    private static TestPackage? s_package;

    [ClassInitialize]
    public static void PackOnce(TestContext _)
    {
        s_folder = Path.Combine(Path.GetTempPath(), "fastcnn-tests", $"platforms-{Guid.NewGuid():N}");
        s_package = new TestPackage(s_folder).Pack();
    }

    [ClassCleanup]
    public static void RemovePackage()
    {
        s_package?.Dispose();
        if (Directory.Exists(s_folder))
            Directory.Delete(s_folder, recursive: true);
    }

    [TestMethod]
    [DataRow("win-x64")]
    [DataRow("osx-arm64")]
    [DataRow("linux-x64")]
    public void AnApplicationBuildsForTheRuntimeWithItsNativeLibraries(string runtime)
    {
        var package = s_package!;
        // The machine's NuGet sources too: the app host of win-x64 or osx-arm64 is not in the cache otherwise.
        var app = package.Consumer($"app-{runtime}", offline: false);
        try
        {
            var log = Path.Combine(app, "build.log");
            // -getTargetResult prints (as JSON) whether the libstdc++ step ran or was skipped by its condition.
            string result;
            try
            {
                result = TestData.Run("dotnet", "build", app, "-c", "Release", "-r", runtime, "--self-contained", "false",
                    $"-p:FastCnnVersion={package.Version}", "-t:Build", $"-getTargetResult:{PatchTarget}", $"-flp:logfile={log};verbosity=normal");
            }
            catch (AssertFailedException failed) when (File.Exists(log))
            {
                throw new AssertFailedException($"{failed.Message}\n{File.ReadAllText(log)}", failed);
            }
            var built = File.ReadAllText(log);
            StringAssert.Contains(built, "Build succeeded", built);
            StringAssert.Contains(built, "0 Warning(s)", built);

            var patch = JsonDocument.Parse(result).RootElement.GetProperty("TargetResults").GetProperty(PatchTarget).GetProperty("Result").GetString();
            Assert.AreEqual(runtime.StartsWith("linux", StringComparison.Ordinal) ? "Success" : "Skipped", patch,
                $"the libstdc++ step runs for Linux output only ({runtime})\n{built}");
            if (!runtime.StartsWith("linux", StringComparison.Ordinal))
                Assert.DoesNotContain("weaken-glibcxx", built, $"no libstdc++ step for {runtime}");

            var output = Path.Combine(app, "bin", "Release", "net10.0", runtime);
            var files = Directory.GetFiles(output, "*", SearchOption.AllDirectories)
                .Select(f => Path.GetRelativePath(output, f).Replace('\\', '/')).ToHashSet();
            var missing = NativeFiles[runtime].Where(f => !files.Contains(f)).ToList();
            Assert.IsEmpty(missing, $"{runtime} output lacks {string.Join(", ", missing)}; it has:\n{string.Join('\n', files.Order())}");
            var foreign = NativeFiles.Where(other => other.Key != runtime).SelectMany(other => other.Value)
                .Where(f => f != "PackageConsumer" && files.Contains(f)).ToList();
            Assert.IsEmpty(foreign, $"{runtime} output holds another system's native files: {string.Join(", ", foreign)}");
            Assert.IsFalse(files.Any(f => f.StartsWith("runtimes/", StringComparison.Ordinal)), "a runtime-specific build has no runtimes/ folder");
            Assert.Contains("DnnImageModels/ResNet18Onnx/ResNet18.onnx", files, "the offline ResNet18 backbone travels with every runtime");
        }
        finally
        {
            Directory.Delete(app, recursive: true); // hundreds of MB of native libraries per runtime
        }
    }
}
