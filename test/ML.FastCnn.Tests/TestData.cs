using System.Diagnostics;
using Microsoft.ML;

namespace ML.FastCnn.Tests;

/// <summary>Small pipelines and options shared by the tests: tiny ResNet-18s on 32-pixel images.</summary>
internal static class TestData
{
    public static FastCnnOptions TinyOptions(IDataView? validation = null) => new()
    {
        Epochs = 4,
        LearningRate = 2e-3,
        Learner =
        {
            Architecture = CnnArchitecture.ResNet18,
            ImageSize = 32,
            BatchSize = 16,
            Seed = 1,
            Weights = PretrainedWeights.None,
            ValidationSet = validation,
        },
        Scoring = { BatchSize = 8 },
    };

#if DEBUG
    public const string Configuration = "Debug";
#else
    public const string Configuration = "Release";
#endif

    /// <summary>The repository's root folder (holds MLFastCnn.sln and the sample data).</summary>
    public static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(directory!.FullName, "MLFastCnn.sln")))
            directory = directory.Parent;
        return directory.FullName;
    }

    /// <summary>The first <paramref name="perClass"/> images of every class of the Fashion-MNIST sample's <paramref name="subset"/> (train or valid).</summary>
    public static List<ImageRow> FashionMnist(string subset, int perClass) =>
        Directory.GetDirectories(Path.Combine(RepositoryRoot(), "data", "fashion-mnist-sample", subset)).Order(StringComparer.Ordinal)
            .SelectMany(folder => Directory.GetFiles(folder, "*.png").Order(StringComparer.Ordinal).Take(perClass)
                .Select(path => new ImageRow { ImagePath = path, Label = Path.GetFileName(folder) }))
            .ToList();

    /// <summary>Text label → key, image path → MLImage: what users put before the trainer.</summary>
    public static IEstimator<ITransformer> Preprocessing(MLContext ml) =>
        ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: "ImagePath"));

    /// <summary>Collects MLContext's log lines that come from FastCnn.</summary>
    public static List<string> CaptureLog(MLContext ml)
    {
        var lines = new List<string>();
        ml.Log += (_, e) =>
        {
            if (e.Source.Contains("FastCnn", StringComparison.Ordinal))
            {
                lock (lines)
                    lines.Add(e.Message);
            }
        };
        return lines;
    }

    /// <summary>Runs test/ML.FastCnn.ModelProbe in a fresh process (see its usage) and returns its output lines.</summary>
    public static List<string> RunProbe(string first, IEnumerable<string> arguments) =>
        RunProgram(Path.Combine(RepositoryRoot(), "test", "ML.FastCnn.ModelProbe", "bin", Configuration, "net10.0", "ML.FastCnn.ModelProbe.dll"), arguments.Prepend(first));

    /// <summary>Runs a built .NET program (<paramref name="dll"/>) in a fresh process; asserts it succeeds and returns its output lines.</summary>
    public static List<string> RunProgram(string dll, IEnumerable<string> arguments) =>
        Run("dotnet", [dll, .. arguments]).Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();

    /// <summary>Runs <paramref name="command"/>; asserts it succeeds (else fails with its output) and returns its standard output.</summary>
    public static string Run(string command, params string[] arguments)
    {
        var (code, stdout, stderr) = Start(command, arguments);
        Assert.AreEqual(0, code, $"{command} {string.Join(' ', arguments)}:\n{stdout}\n{stderr}");
        return stdout;
    }

    /// <summary>Runs the samples' command line (src/ML.FastCnn.Samples) in a fresh process: exit code and stdout + stderr.</summary>
    public static (int ExitCode, string Output) Cli(params string[] args)
    {
        var (code, stdout, stderr) = CliStreams(args);
        return (code, stdout + stderr);
    }

    /// <summary>
    /// Runs the samples' command line in a fresh process: exit code, standard output and standard error apart
    /// (machine-readable output is parsed from standard output only: native libraries may write to standard error).
    /// </summary>
    public static (int ExitCode, string Stdout, string Stderr) CliStreams(params string[] args) => CliStreams(new Dictionary<string, string>(), args);

    /// <summary><see cref="CliStreams(string[])"/> with extra environment variables for the process.</summary>
    public static (int ExitCode, string Stdout, string Stderr) CliStreams(IReadOnlyDictionary<string, string> environment, params string[] args) =>
        Start("dotnet", [Path.Combine(RepositoryRoot(), "src", "ML.FastCnn.Samples", "bin", Configuration, "net10.0", "ML.FastCnn.Samples.dll"), .. args], environment);

    private static (int ExitCode, string Stdout, string Stderr) Start(string command, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(command) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            start.Environment[name] = value;
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result, stderr);
    }

    /// <summary>
    /// A tiny model trained on <paramref name="rows"/> (see <see cref="TinyOptions"/>), with the preprocessing it
    /// follows and the raw rows: <c>Preprocessing.Append(Model)</c> is what a user saves.
    /// </summary>
    public static (FastCnnTransformer Model, ITransformer Preprocessing, IDataView Raw) TinyModel(MLContext ml, IEnumerable<ImageRow> rows, int epochs = 1,
        ClassifierHead head = ClassifierHead.Fastai)
    {
        var raw = ml.Data.LoadFromEnumerable(rows);
        var preprocessing = Preprocessing(ml).Fit(raw);
        var options = TinyOptions();
        options.Epochs = epochs;
        options.Learner.Head = head;
        return (FastCnn.Train(ml, options).Fit(preprocessing.Transform(raw)), preprocessing, raw);
    }
}
