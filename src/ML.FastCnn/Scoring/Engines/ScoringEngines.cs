using System.Collections.Concurrent;
using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>
/// The engines one trained network scores with. Before an engine other than the reference is first
/// used, it runs a probe batch (three seeded random images, batched and the first one alone) and
/// must give the reference forward's probabilities within <see cref="ScoringEngineCheck.Tolerance"/>;
/// an engine that differs, throws or fails to start is dropped with one warning, and scoring falls
/// back to the next candidate, at last to the reference. <see cref="ScoringEngine.Auto"/> takes the
/// fastest candidate that passes, timed once per process and network shape. Owned by the classifier;
/// not thread-safe (the classifier calls it under its forward lock).
/// </summary>
internal sealed class ScoringEngines(ImageClassifier classifier, Func<ImageClassifier, ScoringEngine, IScoringForward> start) : IDisposable
{
    // Timing is per machine and network shape, not per model: measured once per process.
    private static readonly ConcurrentDictionary<string, ScoringEngine> s_fastest = new();

    private readonly Dictionary<ScoringEngine, IScoringForward> _started = [];
    private readonly Dictionary<ScoringEngine, ScoringEngineCheck> _checks = [];
    private readonly Dictionary<ScoringEngine, ScoringEngine> _chosen = [];
    private IScoringForward? _reference;
    private float[]? _probeReference;

    public ScoringEngines(ImageClassifier classifier) : this(classifier, Start)
    {
    }

    /// <summary>The self-check results so far, one per engine tried.</summary>
    public IReadOnlyCollection<ScoringEngineCheck> Checks => _checks.Values;

    /// <summary>The engine that scores for <paramref name="requested"/>: checked, or the reference.</summary>
    public IScoringForward For(ScoringEngine requested, MLNetLog log)
    {
        if (!_chosen.TryGetValue(requested, out var engine))
        {
            engine = Choose(requested, log);
            _chosen[requested] = engine;
        }
        return engine == ScoringEngine.Reference ? Reference : _started[engine];
    }

    private IScoringForward Reference => _reference ??= new ReferenceForward(classifier);

    private ScoringEngine Choose(ScoringEngine requested, MLNetLog log)
    {
        if (requested == ScoringEngine.Reference)
            return ScoringEngine.Reference;
        var candidates = requested == ScoringEngine.Auto ? AutoCandidates() : [requested];
        var passed = candidates.Where(c => Check(c, log)).ToList();
        if (passed.Count == 0)
        {
            log.Info($"Scoring engine: Reference, the network's own forward (no faster engine passed the self-check: {string.Join("; ", candidates.Select(c => _checks[c]))}).");
            return ScoringEngine.Reference;
        }
        var chosen = passed.Count == 1 ? passed[0] : s_fastest.GetOrAdd(ShapeKey(), _ => Fastest(passed, log));
        if (!passed.Contains(chosen))
            chosen = passed[0];
        log.Info($"Scoring engine: {chosen} ({_checks[chosen]}, against the network's own forward on {ProbeImages} probe images).");
        return chosen;
    }

    /// <summary>ONNX Runtime first where it runs (the CPU), then TorchSharp: the order is only a tie-break, the timing probe decides.</summary>
    private ScoringEngine[] AutoCandidates() => classifier.Device.type == DeviceType.CPU
        ? [ScoringEngine.OnnxRuntime, ScoringEngine.TorchSharp]
        : [ScoringEngine.TorchSharp];

    private const int ProbeImages = 3;

    /// <summary>Starts <paramref name="engine"/> and compares it with the reference; keeps it when it passes, logs one warning when not.</summary>
    public bool Check(ScoringEngine engine, MLNetLog log)
    {
        if (_checks.TryGetValue(engine, out var known))
            return known.Passed;
        ScoringEngineCheck check;
        IScoringForward? forward = null;
        try
        {
            forward = start(classifier, engine);
            check = new ScoringEngineCheck(engine, MaxDifference(forward));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            check = new ScoringEngineCheck(engine, double.NaN, $"{e.GetType().Name}: {e.Message}");
        }
        _checks[engine] = check;
        if (check.Passed)
        {
            _started[engine] = forward!;
            return true;
        }
        forward?.Dispose();
        log.Warning(check.Error is not null
            ? $"Scoring engine {engine} is not used: it could not run ({check.Error}). Scoring falls back to a slower engine; 'doctor' checks this machine."
            : $"Scoring engine {engine} is not used: its probabilities differ from the network's own forward by {check.MaxDifference:0.0E+0} on the self-check " +
              $"(tolerance {ScoringEngineCheck.Tolerance:0E+0}). Scoring falls back to a slower engine; 'doctor' checks this machine.");
        return false;
    }

    private double MaxDifference(IScoringForward candidate)
    {
        using var scope = NewDisposeScope();
        var probe = ProbeBatch(ProbeImages);
        _probeReference ??= Reference.Probabilities(probe);
        var batched = candidate.Probabilities(probe);
        var single = candidate.Probabilities(probe.narrow(0, 0, 1));
        int classes = classifier.ClassNames.Count;
        if (batched.Length != _probeReference.Length || single.Length != classes)
            return double.PositiveInfinity;
        double max = 0;
        for (int i = 0; i < batched.Length; i++)
            max = Math.Max(max, Difference(batched[i], _probeReference[i]));
        for (int i = 0; i < classes; i++)
            max = Math.Max(max, Difference(single[i], _probeReference[i]));
        return max;
    }

    // NaN compares false with everything: make it an infinite difference.
    private static double Difference(float actual, float expected) => float.IsFinite(actual) ? Math.Abs(actual - expected) : double.PositiveInfinity;

    /// <summary>Seeded random pixels at the network's size: the same probe for every engine and every run.</summary>
    private Tensor ProbeBatch(int images)
    {
        int size = classifier.ImageSize;
        var pixels = new byte[images * 3 * size * size];
        new Random(20).NextBytes(pixels);
        return tensor(pixels, [images, 3, size, size]);
    }

    /// <summary>Times each engine on one batch of 8 images (best of two, after the check's warm-up) and returns the fastest.</summary>
    private ScoringEngine Fastest(IReadOnlyList<ScoringEngine> engines, MLNetLog log)
    {
        using var scope = NewDisposeScope();
        var batch = ProbeBatch(8);
        var speeds = engines.ToDictionary(e => e, e =>
        {
            var forward = _started[e];
            double best = double.MaxValue;
            for (int run = 0; run < 2; run++)
            {
                var clock = Stopwatch.StartNew();
                forward.Probabilities(batch);
                best = Math.Min(best, clock.Elapsed.TotalSeconds);
            }
            return 8 / best;
        });
        log.Info($"Scoring engines timed at {classifier.ImageSize} px ({classifier.Description}): " +
                 string.Join(", ", speeds.Select(s => $"{s.Key} {s.Value:F0} img/s")) + ".");
        return speeds.MaxBy(s => s.Value).Key;
    }

    private string ShapeKey() => $"{classifier.Description}|{classifier.Head}|{classifier.ImageSize}|{classifier.ClassNames.Count}|{classifier.Device}";

    private static IScoringForward Start(ImageClassifier classifier, ScoringEngine engine) => engine switch
    {
        ScoringEngine.TorchSharp => new FoldedForward(classifier),
        ScoringEngine.OnnxRuntime => new OnnxRuntimeForward(classifier),
        ScoringEngine.Reference => new ReferenceForward(classifier),
        _ => throw new ArgumentOutOfRangeException(nameof(engine), engine, "Auto is not an engine to start."),
    };

    public void Dispose()
    {
        foreach (var forward in _started.Values)
            forward.Dispose();
        _started.Clear();
        _reference?.Dispose();
    }
}
