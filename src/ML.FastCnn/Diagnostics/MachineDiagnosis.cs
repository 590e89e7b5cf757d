using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>
/// The checks behind <see cref="FastCnn.Diagnose"/>. Each runs on its own: an exception becomes a
/// FAILED line with its message, and the next check still runs.
/// </summary>
internal static class MachineDiagnosis
{
    /// <summary>The networks and sizes the engines are checked on: the shapes where a CPU-specific kernel bug was seen (docs/channels-last-convolution.md), both heads, a bottleneck network.</summary>
    private static readonly (CnnArchitecture Architecture, ClassifierHead Head, int Size)[] CheckedShapes =
    [
        (CnnArchitecture.ResNet18, ClassifierHead.Fastai, 32),
        (CnnArchitecture.ResNet18, ClassifierHead.Linear, 96),
        (CnnArchitecture.ResNet50, ClassifierHead.Fastai, 32),
    ];

    public static FastCnnDiagnosis Run(bool speedProbe)
    {
        var checks = new List<DiagnosticCheck>();
        void Add(string name, Func<DiagnosticCheck> check)
        {
            try
            {
                checks.Add(check());
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                checks.Add(new DiagnosticCheck(name, false, $"{e.GetType().Name}: {e.Message}"));
            }
        }

        Add(".NET", () => new DiagnosticCheck(".NET", true, $"{RuntimeInformation.FrameworkDescription} on {RuntimeInformation.OSDescription} ({RuntimeInformation.RuntimeIdentifier})"));
        Add("CPU", () => new DiagnosticCheck("CPU", true, $"{CpuDescription.Model()}, {Environment.ProcessorCount} logical cores; {CpuDescription.InstructionSets()}"));
        Add("libstdc++ step", LibStdCxxStep);
        Add("TorchSharp", TorchSharpBackend);
        if (checks[^1].Passed)
        {
            Add("Threads", () => new DiagnosticCheck("Threads", true,
                $"libtorch {get_num_threads()} intra-op, {get_num_interop_threads()} inter-op; OpenMP {YesNo(LibTorchNative.HasOpenMP())}"));
            Add("oneDNN", () => LibTorchNative.HasOneDnn() is { } has
                ? new DiagnosticCheck("oneDNN", has, has ? "built in: libtorch's CPU convolutions run on it" : "not in this libtorch build: CPU convolutions are slow")
                : new DiagnosticCheck("oneDNN", true, "unknown (libtorch does not export the query on this platform)"));
            Add("NNPACK", () => new DiagnosticCheck("NNPACK", true,
                $"{(NativeBackend.NnpackTurnedOff ? "turned off by ML.FastCnn" : "could not be turned off")} (oneDNN runs the convolutions); supports this CPU: {YesNo(LibTorchNative.NnpackSupported())}"));
            Add("Allocator", () => new DiagnosticCheck("Allocator", true, NativeAllocator.State));
            Add("CUDA", () => new DiagnosticCheck("CUDA", true, cuda.is_available()
                ? $"{cuda.device_count()} device(s): training and TorchSharp scoring use the GPU with Device = Auto"
                : "no CUDA device (or a CPU-only backend package): everything runs on the CPU"));
            foreach (var (architecture, head, size) in CheckedShapes)
            {
                foreach (var engine in new[] { ScoringEngine.TorchSharp, ScoringEngine.OnnxRuntime })
                {
                    string name = $"Scoring engine {engine}, {architecture} ({head} head) at {size} px";
                    Add(name, () => EngineCheck(name, architecture, head, size, engine));
                }
            }
            if (speedProbe)
            {
                Add("Speed: training", TrainingSpeed);
                Add("Speed: scoring", ScoringSpeed);
            }
        }
        Add("Plot fonts", () =>
        {
            PlotFonts.EnsureAvailable();
            return new DiagnosticCheck("Plot fonts", true, OperatingSystem.IsLinux() ? "TrueType fonts under /usr/share/fonts" : "system fonts");
        });
        Add("Weights cache", WeightsCacheState);
        return new FastCnnDiagnosis(checks);
    }

    private static string YesNo(bool? value) => value switch { true => "yes", false => "no", null => "unknown" };

    private static DiagnosticCheck TorchSharpBackend()
    {
        try
        {
            NativeBackend.EnsureLoaded();
        }
        catch (InvalidOperationException e)
        {
            return new DiagnosticCheck("TorchSharp", false, e.Message);
        }
        string folder = AppContext.BaseDirectory;
        bool cudaBuild = Directory.EnumerateFiles(folder, "*torch_cuda*", SearchOption.AllDirectories).Any();
        return new DiagnosticCheck("TorchSharp", true,
            $"TorchSharp {typeof(torch).Assembly.GetName().Version}, libtorch {__version__} ({(cudaBuild ? "CUDA" : "CPU")} build); ONNX Runtime {OnnxRuntimeForward.Version}");
    }

    /// <summary>Linux: whether the libstdc++ this process loaded lacks GLIBCXX_3.4.32 (then TorchSharp only loads because the build step patched its copy).</summary>
    private static DiagnosticCheck LibStdCxxStep()
    {
        const string name = "libstdc++ step";
        if (!OperatingSystem.IsLinux())
            return new DiagnosticCheck(name, true, "not needed off Linux");
        NativeBackend.EnsureLoaded();
        var loaded = File.ReadLines("/proc/self/maps").Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "").ToHashSet();
        var libstdcxx = loaded.FirstOrDefault(p => Path.GetFileName(p).StartsWith("libstdc++.so", StringComparison.Ordinal));
        var torchSharp = loaded.FirstOrDefault(p => Path.GetFileName(p) == "libLibTorchSharp.so");
        if (libstdcxx is null)
            return new DiagnosticCheck(name, true, "no libstdc++ loaded");
        bool has = File.ReadAllBytes(libstdcxx).AsSpan().IndexOf("GLIBCXX_3.4.32"u8) >= 0;
        return new DiagnosticCheck(name, true, has
            ? $"not needed: {libstdcxx} has GLIBCXX_3.4.32"
            : $"needed ({libstdcxx} lacks GLIBCXX_3.4.32) and done: {torchSharp ?? "libLibTorchSharp.so"} loaded");
    }

    private static DiagnosticCheck EngineCheck(string name, CnnArchitecture architecture, ClassifierHead head, int size, ScoringEngine engine)
    {
        using var classifier = ProbeClassifier.Create(architecture, head, size);
        var check = classifier.CheckEngine(engine);
        return check.Error is not null
            ? new DiagnosticCheck(name, false, $"could not run: {check.Error}")
            : new DiagnosticCheck(name, check.Passed, $"{check.Numbers} against the network's own forward" +
                (check.Passed ? "" : $": scoring will not use {engine} on this machine"), check.LogitDifference, "max |Δlogit| / logit scale");
    }

    private const int ProbeSize = 64;

    /// <summary>Training steps of a ResNet18 at 64 px, batch 16, on the CPU (SGD, learning rate 0: speed only).</summary>
    private static DiagnosticCheck TrainingSpeed()
    {
        const int batch = 16, steps = 3;
        using var classifier = ProbeClassifier.Create(CnnArchitecture.ResNet18, ClassifierHead.Fastai, ProbeSize);
        var network = classifier.Network;
        network.train();
        using var optimizer = new ScalarSafeSgd([new SGD.ParamGroup(network.parameters(), 0, 0.9, 0, 0, false, false)], momentum: 0.9);
        double seconds = 0;
        for (int step = 0; step <= steps; step++)
        {
            using var scope = NewDisposeScope();
            var input = ImageTensorConverter.Normalize(ProbeClassifier.Images(batch, ProbeSize, seed: step), CPU, InputNormalization.ImageNet);
            var labels = tensor(Enumerable.Range(0, batch).Select(i => (long)(i % classifier.ClassNames.Count)).ToArray());
            var clock = Stopwatch.StartNew();
            optimizer.zero_grad();
            nn.functional.cross_entropy(network.call(input), labels).backward();
            optimizer.step();
            if (step > 0) // the first step warms up
                seconds += clock.Elapsed.TotalSeconds;
        }
        double rate = steps * batch / seconds;
        return new DiagnosticCheck("Speed: training", true, $"{rate:F0} img/s (ResNet18, {ProbeSize} px, batch {batch}, {get_num_threads()} threads)", rate, "img/s");
    }

    /// <summary>Scoring a batch of 32 images at 64 px with each engine, best of two after a warm-up, and the one Auto picks.</summary>
    private static DiagnosticCheck ScoringSpeed()
    {
        const int batch = 32;
        using var classifier = ProbeClassifier.Create(CnnArchitecture.ResNet18, ClassifierHead.Fastai, ProbeSize);
        using var scope = NewDisposeScope();
        var images = ProbeClassifier.Images(batch, ProbeSize, seed: 1);
        var text = new StringBuilder();
        double best = 0;
        foreach (var engine in new[] { ScoringEngine.Reference, ScoringEngine.TorchSharp, ScoringEngine.OnnxRuntime })
        {
            classifier.Predict(images, engine);
            double seconds = double.MaxValue;
            for (int run = 0; run < 2; run++)
            {
                var clock = Stopwatch.StartNew();
                classifier.Predict(images, engine);
                seconds = Math.Min(seconds, clock.Elapsed.TotalSeconds);
            }
            double rate = batch / seconds;
            best = Math.Max(best, rate);
            text.Append($"{engine} {rate:F0}, ");
        }
        text.Append($"img/s (ResNet18, {ProbeSize} px, batch {batch}); Auto scores with {classifier.EngineFor(ScoringEngine.Auto)}");
        return new DiagnosticCheck("Speed: scoring", true, text.ToString(), best, "img/s");
    }

    private static DiagnosticCheck WeightsCacheState()
    {
        string folder = WeightsCache.DefaultFolder();
        var cached = Directory.Exists(folder) ? Directory.GetFiles(folder, "*.pth").Select(Path.GetFileName).ToList() : [];
        bool offline = WeightsCache.OfflineFromEnvironment();
        return new DiagnosticCheck("Weights cache", true,
            $"{folder} ({(cached.Count == 0 ? "no ImageNet weights cached" : string.Join(", ", cached))}); " +
            $"{(offline ? $"offline ({WeightsCache.OfflineVariable} set): nothing is downloaded" : "downloads allowed when asked for")}; " +
            $"ML.NET's ResNet18 (offline ImageNet backbone): {(MLNetResNet18.Find() is not null ? "found" : "not found")}");
    }
}
