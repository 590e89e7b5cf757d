using System.Collections.Concurrent;
using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>
/// The engines one trained network scores with. Before an engine other than the reference is first
/// used, it runs a probe batch (three seeded random images, batched and the first one alone) and
/// must give the reference forward's probabilities and logits within <see cref="ScoringEngineCheck.Tolerance"/>;
/// an engine that differs, throws or fails to start is dropped with one warning, and scoring falls
/// back to the next candidate, at last to the reference. <see cref="ScoringEngine.Auto"/> takes the
/// fastest of the candidates that pass and the reference (the first in that order within 20% of the
/// fastest), timed once per process and network shape; a custom backbone with a layer the faster engines do not know
/// scores with the reference, said in one information line. Owned by the classifier;
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
    private float[]? _probeReference; // the reference's logits of the probe batch

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
        if (requested != ScoringEngine.Auto)
            return Check(requested, log) ? Chosen(requested, log) : Chosen(ScoringEngine.Reference, log);
        // A custom backbone may hold layers only its own forward knows: not a fault of this machine, so no warning.
        if (classifier.Custom is not null && FoldedNetwork.Unsupported(classifier.Network, classifier.Head) is { } reason)
        {
            log.Info($"Scoring engine: Reference, the network's own forward ({reason}).");
            return ScoringEngine.Reference;
        }
        // Timed before for a network of this shape: only that engine needs starting (and its check).
        if (s_fastest.TryGetValue(ShapeKey(), out var fastest) && (fastest == ScoringEngine.Reference || Check(fastest, log)))
            return Chosen(fastest, log);
        var passed = AutoCandidates().Where(c => Check(c, log)).ToList();
        if (passed.Count == 0)
            return Chosen(ScoringEngine.Reference, log);
        // The reference takes part in the race: Auto is never slower than the plain forward.
        var chosen = Fastest([.. passed, ScoringEngine.Reference], log);
        s_fastest[ShapeKey()] = chosen;
        foreach (var unused in passed.Where(e => e != chosen))
        {
            _started[unused].Dispose();
            _started.Remove(unused);
        }
        return Chosen(chosen, log);
    }

    private ScoringEngine Chosen(ScoringEngine engine, MLNetLog log)
    {
        log.Info(engine == ScoringEngine.Reference
            ? $"Scoring engine: Reference, the network's own forward{(_checks.Count == 0 ? "" : $" ({string.Join("; ", _checks.Values)})")}."
            : $"Scoring engine: {engine} ({_checks[engine].Numbers} on {ProbeImages} probe images).");
        return engine;
    }

    /// <summary>ONNX Runtime first where it runs (the CPU), then TorchSharp: the order of preference when the timing probe finds them nearly as fast.</summary>
    private ScoringEngine[] AutoCandidates() => classifier.Device.type == DeviceType.CPU
        ? [ScoringEngine.OnnxRuntime, ScoringEngine.TorchSharp]
        : [ScoringEngine.TorchSharp];

    private const int ProbeImages = 3;

    /// <summary>Starts <paramref name="engine"/> and compares it with the reference; keeps it when it passes, logs one warning when not.</summary>
    public bool Check(ScoringEngine engine, MLNetLog log)
    {
        if (_checks.TryGetValue(engine, out var known) && (!known.Passed || _started.ContainsKey(engine)))
            return known.Passed;
        ScoringEngineCheck check;
        IScoringForward? forward = null;
        try
        {
            forward = start(classifier, engine);
            check = Compare(engine, forward);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            check = new ScoringEngineCheck(engine, double.NaN, double.NaN, $"{e.GetType().Name}: {e.Message}");
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
            : $"Scoring engine {engine} is not used: it differs from the network's own forward on the self-check ({check.Numbers}). " +
              "Scoring falls back to a slower engine; 'doctor' checks this machine.");
        return false;
    }

    private ScoringEngineCheck Compare(ScoringEngine engine, IScoringForward candidate)
    {
        using var scope = NewDisposeScope();
        var probe = ProbeClassifier.Images(ProbeImages, classifier.ImageSize, seed: 20);
        _probeReference ??= Reference.Logits(probe);
        int classes = classifier.ClassNames.Count;
        var batched = candidate.Logits(probe);
        var single = candidate.Logits(probe.narrow(0, 0, 1));
        if (batched.Length != _probeReference.Length || single.Length != classes)
            return new ScoringEngineCheck(engine, double.PositiveInfinity, double.PositiveInfinity);
        // The first image twice: batched and alone.
        float[] actual = [.. batched, .. single], expected = [.. _probeReference, .. _probeReference.AsSpan(0, classes)];
        double scale = Math.Max(1, expected.Max(Math.Abs)), logits = 0, probabilities = 0;
        for (int i = 0; i < actual.Length; i++)
            logits = Math.Max(logits, Difference(actual[i], expected[i]) / scale);
        var p = Softmax.Rows(actual, classes).SelectMany(r => r).ToArray();
        var q = Softmax.Rows(expected, classes).SelectMany(r => r).ToArray();
        for (int i = 0; i < p.Length; i++)
            probabilities = Math.Max(probabilities, Difference(p[i], q[i]));
        return new ScoringEngineCheck(engine, probabilities, logits);
    }

    // NaN compares false with everything: make it an infinite difference.
    private static double Difference(float actual, float expected) => float.IsFinite(actual) ? Math.Abs(actual - expected) : double.PositiveInfinity;

    private const double NearlyFastest = 0.8;

    /// <summary>
    /// Times each engine on one batch of 8 images (a warm-up, then the best of two) and returns the first of
    /// <paramref name="engines"/> (in order of preference) that is nearly the fastest.
    /// </summary>
    private ScoringEngine Fastest(IReadOnlyList<ScoringEngine> engines, MLNetLog log)
    {
        using var scope = NewDisposeScope();
        var batch = ProbeClassifier.Images(8, classifier.ImageSize, seed: 21);
        var speeds = engines.ToDictionary(e => e, e =>
        {
            var forward = e == ScoringEngine.Reference ? Reference : _started[e];
            double best = double.MaxValue;
            forward.Logits(batch);
            for (int run = 0; run < 2; run++)
            {
                var clock = Stopwatch.StartNew();
                forward.Logits(batch);
                best = Math.Min(best, clock.Elapsed.TotalSeconds);
            }
            return 8 / best;
        });
        log.Info($"Scoring engines timed at {classifier.ImageSize} px ({classifier.Description}): " +
                 string.Join(", ", speeds.Select(s => $"{s.Key} {s.Value:F0} img/s")) + ".");
        // In order of preference, the first within 20% of the fastest: timing noise on a busy machine
        // does not flip the choice (two processes on one machine score with the same engine, bit for bit).
        double fastest = speeds.Values.Max();
        return engines.First(e => speeds[e] >= NearlyFastest * fastest);
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
