// libtorch 2.10 (TorchSharp 0.107) CPU: F.conv2d with channels-last ("NHWC in memory") tensors
// compared with the same convolution on plain NCHW tensors and with a float64 reference.
// Usage: dotnet run -c Release [-- options]
//   (no case)        run the built-in sweep, each case in a child process, print a table; exit 1 if any case is wrong
//   --case SPEC      run one case in this process, e.g. in=cl,w=cl,k=1,s=1,p=0,ci=64,co=64,n=1,hw=8,t=2,bias=1,via=f64
//   --inproc         run the sweep in this process (a native crash ends it)
//   --no-mkldnn      at::globalContext().setUserEnabledMkldnn(false) first (diagnosis only; not a TorchSharp API)
// Children run with ONEDNN_VERBOSE=1 only so that the table can name the oneDNN kernel of the channels-last conv.
// Env vars such as DNNL_MAX_CPU_ISA=AVX2 set on the parent reach every child. See docs/channels-last-convolution.md.
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

bool noMkldnn = args.Contains("--no-mkldnn");
int caseIndex = Array.IndexOf(args, "--case");
if (caseIndex >= 0)
{
    var spec = Case.Parse(args[caseIndex + 1]);
    if (noMkldnn) Native.DisableMkldnn();
    if (Environment.GetEnvironmentVariable("ONEDNN_VERBOSE") is not null) Native.UnbufferedStdout();
    var (diff, nchwDiff, wrongShare) = spec.Run();
    Console.WriteLine(FormattableString.Invariant($"RESULT {diff:E2} {nchwDiff:E2} {wrongShare:P0}"));
    return diff > Case.Tolerance ? 1 : 0;
}

var cases = Sweep().ToList();
bool inproc = args.Contains("--inproc");
if (inproc && noMkldnn) Native.DisableMkldnn();
Console.WriteLine($"TorchSharp {typeof(torch).Assembly.GetName().Version}, {RuntimeInformation.OSDescription}, {Environment.ProcessorCount} cores"
    + (noMkldnn ? ", mkldnn disabled" : "") + $", DNNL_MAX_CPU_ISA={Environment.GetEnvironmentVariable("DNNL_MAX_CPU_ISA") ?? "(unset)"}");
Console.WriteLine($"{"case",-72} {"max |Δ| vs float64",-19} {"wrong",-6} {"NCHW f32",-9} {"oneDNN kernel (channels-last conv)"}");
int wrong = 0;
foreach (var c in cases)
{
    string result;
    string nchw = "", share = "", kernel = "";
    if (inproc)
    {
        var (d, n, w) = c.Run();
        result = d.ToString("E2", CultureInfo.InvariantCulture);
        nchw = n.ToString("E2", CultureInfo.InvariantCulture);
        share = w.ToString("P0", CultureInfo.InvariantCulture);
        if (d > Case.Tolerance) { wrong++; result += " WRONG"; }
    }
    else
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (!Environment.ProcessPath!.EndsWith("ChannelsLastRepro")) start.ArgumentList.Add(typeof(Case).Assembly.Location);
        start.ArgumentList.Add("--case");
        start.ArgumentList.Add(c.ToString());
        if (noMkldnn) start.ArgumentList.Add("--no-mkldnn");
        start.Environment["ONEDNN_VERBOSE"] = "1"; // only to name the kernel; the parent prints no verbose output
        using var child = Process.Start(start)!;
        var stderr = child.StandardError.ReadToEndAsync();
        var stdout = child.StandardOutput.ReadToEnd();
        child.WaitForExit();
        var lines = stdout.Split('\n');
        var line = lines.FirstOrDefault(l => l.StartsWith("RESULT "));
        // The first convolution oneDNN runs after the marker is the channels-last one; none: ATen's own (non-oneDNN) kernel.
        var exec = lines.SkipWhile(l => !l.StartsWith("CHANNELS-LAST CONV")).FirstOrDefault(l => l.Contains(",exec,cpu,convolution,"));
        kernel = exec is null ? (line is null ? "" : "(not oneDNN)") : exec.Split(',')[6];
        if (line is null)
        {
            var err = stderr.Result.Split('\n').FirstOrDefault(l => l.Trim().Length > 0 && !l.Contains("NNPACK")) ?? "";
            result = child.ExitCode == 136 ? "crash (SIGFPE)" : $"crash (exit {child.ExitCode}) {err.Trim()}";
            wrong++;
        }
        else
        {
            var parts = line.Split(' ');
            result = parts[1];
            nchw = parts[2];
            share = parts[3];
            if (child.ExitCode != 0) { wrong++; result += " WRONG"; }
        }
    }
    Console.WriteLine($"{c,-72} {result,-19} {share,-6} {nchw,-9} {kernel}");
}
Console.WriteLine(wrong == 0 ? $"all {cases.Count} cases correct (tolerance {Case.Tolerance:E0})" : $"{wrong} of {cases.Count} cases wrong or crashed (tolerance {Case.Tolerance:E0})");
return wrong == 0 ? 0 : 1;

static IEnumerable<Case> Sweep()
{
    // ResNet18's layer4 downsample at 32-px input: 1x1, stride 2, 256 -> 512 channels, 2x2 -> 1x1 (here 4x4 -> 2x2).
    var down = new Case { Kernel = 1, Stride = 2, Padding = 0, InChannels = 256, OutChannels = 512, Batch = 8, Size = 4 };
    foreach (var (inCl, wCl) in new[] { (false, false), (false, true), (true, false), (true, true) })
        yield return down with { InputChannelsLast = inCl, WeightChannelsLast = wCl };
    foreach (var hw in new[] { 1, 2, 7, 8, 14, 16, 18, 20, 28, 32, 56 })
        yield return down with { Size = hw };
    foreach (var n in new[] { 1, 2, 32 })
        yield return down with { Batch = n };
    foreach (var (ci, co) in new[] { (64, 128), (128, 256), (256, 256), (256, 320), (256, 384), (256, 448), (256, 496), (256, 768), (512, 512), (2048, 512) })
        yield return down with { InChannels = ci, OutChannels = co };
    yield return down with { Stride = 1 };
    yield return down with { Stride = 1, Size = 8 };
    yield return down with { Threads = 1 };
    yield return down with { Bias = false };
    yield return down with { Via = "f32" };
    yield return down with { Repeat = 3 };
    // 3x3 and 7x7 (ResNet stem) convolutions, channels-last.
    foreach (var hw in new[] { 2, 4, 8, 32, 56 })
    {
        yield return new Case { Kernel = 3, Stride = 1, Padding = 1, InChannels = 256, OutChannels = 256, Batch = 8, Size = hw };
        yield return new Case { Kernel = 3, Stride = 2, Padding = 1, InChannels = 256, OutChannels = 512, Batch = 8, Size = hw };
    }
    foreach (var hw in new[] { 32, 96 })
        yield return new Case { Kernel = 7, Stride = 2, Padding = 3, InChannels = 3, OutChannels = 64, Batch = 8, Size = hw };
    // 1x1 convolutions of ResNet50's bottlenecks (stride 1 and the stride-2 downsamples).
    var bottleneck = new Case { Kernel = 1, Stride = 1, Padding = 0, Batch = 8, Size = 4 };
    foreach (var (ci, co, s) in new[] { (256, 1024, 1), (512, 2048, 1), (1024, 512, 1), (1024, 256, 1), (2048, 512, 1), (512, 1024, 2), (1024, 2048, 2) })
    {
        yield return bottleneck with { InChannels = ci, OutChannels = co, Stride = s };
        if ((ci, co, s) == (256, 1024, 1))
        {
            yield return bottleneck with { InChannels = ci, OutChannels = co, InputChannelsLast = false, WeightChannelsLast = false };
            yield return bottleneck with { InChannels = ci, OutChannels = co, Batch = 1, Size = 1 };
            yield return bottleneck with { InChannels = ci, OutChannels = co, Size = 14, Threads = 1 };
        }
    }
}

record Case
{
    public const double Tolerance = 1e-4;
    public bool InputChannelsLast { get; init; } = true;
    public bool WeightChannelsLast { get; init; } = true;
    public int Kernel { get; init; } = 3;
    public int Stride { get; init; } = 1;
    public int Padding { get; init; } = 1;
    public int InChannels { get; init; } = 64;
    public int OutChannels { get; init; } = 64;
    public int Batch { get; init; } = 1;
    public int Size { get; init; } = 8;
    public int Threads { get; init; } = 2;
    public bool Bias { get; init; } = true;
    /// <summary>"f64": made channels-last in float64, then to_type(Float32) (as the scoring code did); "f32": made in float32.</summary>
    public string Via { get; init; } = "f64";
    public int Repeat { get; init; } = 1;

    public override string ToString() =>
        $"in={(InputChannelsLast ? "cl" : "nchw")},w={(WeightChannelsLast ? "cl" : "nchw")},k={Kernel},s={Stride},p={Padding},ci={InChannels},co={OutChannels},n={Batch},hw={Size},t={Threads},bias={(Bias ? 1 : 0)},via={Via}" + (Repeat > 1 ? $",rep={Repeat}" : "");

    public static Case Parse(string spec)
    {
        var c = new Case();
        foreach (var kv in spec.Split(',').Select(p => p.Split('=')))
        {
            string v = kv[1];
            c = kv[0] switch
            {
                "in" => c with { InputChannelsLast = v == "cl" },
                "w" => c with { WeightChannelsLast = v == "cl" },
                "k" => c with { Kernel = int.Parse(v) },
                "s" => c with { Stride = int.Parse(v) },
                "p" => c with { Padding = int.Parse(v) },
                "ci" => c with { InChannels = int.Parse(v) },
                "co" => c with { OutChannels = int.Parse(v) },
                "n" => c with { Batch = int.Parse(v) },
                "hw" => c with { Size = int.Parse(v) },
                "t" => c with { Threads = int.Parse(v) },
                "bias" => c with { Bias = v == "1" },
                "via" => c with { Via = v },
                "rep" => c with { Repeat = int.Parse(v) },
                _ => throw new ArgumentException($"unknown key {kv[0]}"),
            };
        }
        return c;
    }

    /// <summary>permute(0,2,3,1).contiguous().permute(0,3,1,2): same values, NHWC in memory.</summary>
    static Tensor ChannelsLast(Tensor x) => x.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);

    Tensor Layout(Tensor x64, bool channelsLast) => !channelsLast
        ? x64.to_type(ScalarType.Float32)
        : Via == "f64" ? ChannelsLast(x64).to_type(ScalarType.Float32) : ChannelsLast(x64.to_type(ScalarType.Float32));

    /// <summary>Max |channels-last float32 − float64 reference| and max |NCHW float32 − reference|.</summary>
    public (double Diff, double NchwDiff, double WrongShare) Run()
    {
        torch.set_num_threads(Threads);
        using var scope = NewDisposeScope();
        torch.random.manual_seed(1);
        // Values exactly representable in float32, so the reference sees the same inputs.
        var x = randn(Batch, InChannels, Size, Size, dtype: ScalarType.Float32).to_type(ScalarType.Float64);
        var w = (randn(OutChannels, InChannels, Kernel, Kernel, dtype: ScalarType.Float32) / Math.Sqrt(InChannels * Kernel * Kernel)).to_type(ScalarType.Float64);
        var b = Bias ? (randn(OutChannels, dtype: ScalarType.Float32) * 0.1).to_type(ScalarType.Float64) : null;
        long[] strides = [Stride, Stride], padding = [Padding, Padding];
        var reference = nn.functional.conv2d(x, w, b, strides: strides, padding: padding);
        var b32 = b?.to_type(ScalarType.Float32);
        var nchw = nn.functional.conv2d(x.to_type(ScalarType.Float32), w.to_type(ScalarType.Float32), b32, strides: strides, padding: padding);
        double nchwDiff = (nchw.to_type(ScalarType.Float64) - reference).abs().max().item<double>();
        var xin = Layout(x, InputChannelsLast);
        var win = Layout(w, WeightChannelsLast);
        double diff = 0, wrongShare = 0;
        Console.WriteLine("CHANNELS-LAST CONV");
        for (int r = 0; r < Repeat; r++)
        {
            var y = nn.functional.conv2d(xin, win, b32, strides: strides, padding: padding);
            var error = (y.to_type(ScalarType.Float64) - reference).abs();
            diff = Math.Max(diff, error.max().item<double>());
            wrongShare = Math.Max(wrongShare, (error > Tolerance).to_type(ScalarType.Float64).mean().item<double>());
            var wrongChannels = (error > Tolerance).any(0).any(1).any(1).nonzero().flatten();
            if (wrongChannels.numel() > 0)
                Console.WriteLine($"wrong output channels: {wrongChannels[0].item<long>()}..{wrongChannels[-1].item<long>()} ({wrongChannels.numel()} of {OutChannels})");
        }
        return (diff, nchwDiff, wrongShare);
    }
}

static class Native
{
    /// <summary>at::globalContext().setUserEnabledMkldnn(false) — PyTorch's torch.backends.mkldnn.enabled = False, which TorchSharp does not expose.</summary>
    public static void DisableMkldnn()
    {
        _ = torch.zeros(1); // loads libtorch
        var lib = NativeLibrary.Load("libtorch_cpu.so", typeof(Native).Assembly, DllImportSearchPath.AssemblyDirectory);
        var globalContext = Marshal.GetDelegateForFunctionPointer<GlobalContext>(NativeLibrary.GetExport(lib, "_ZN2at13globalContextEv"));
        var set = Marshal.GetDelegateForFunctionPointer<SetBool>(NativeLibrary.GetExport(lib, "_ZN2at7Context20setUserEnabledMkldnnEb"));
        var get = Marshal.GetDelegateForFunctionPointer<GetBool>(NativeLibrary.GetExport(lib, "_ZNK2at7Context17userEnabledMkldnnEv"));
        var context = globalContext();
        set(context, false);
        if (get(context)) throw new InvalidOperationException("mkldnn still enabled");
    }

    /// <summary>setvbuf(stdout, NULL, _IONBF, 0): oneDNN's verbose lines (C stdio) then interleave with Console output.</summary>
    public static void UnbufferedStdout()
    {
        var libc = NativeLibrary.Load("libc.so.6");
        var stdout = Marshal.ReadIntPtr(NativeLibrary.GetExport(libc, "stdout"));
        Marshal.GetDelegateForFunctionPointer<SetVBuf>(NativeLibrary.GetExport(libc, "setvbuf"))(stdout, IntPtr.Zero, 2, 0);
    }

    delegate int SetVBuf(IntPtr stream, IntPtr buffer, int mode, nuint size);
    delegate IntPtr GlobalContext();
    delegate void SetBool(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool value);
    [return: MarshalAs(UnmanagedType.U1)] delegate bool GetBool(IntPtr context);
}
