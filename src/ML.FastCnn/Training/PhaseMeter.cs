using System.Diagnostics;

namespace ML.FastCnn;

/// <summary>
/// Measures one long phase: counts what is done, reports <see cref="PhaseProgress"/> after every step and
/// writes a log line before <see cref="LogInterval"/> has passed since the last one, so that no stretch of training is silent for long.
/// </summary>
internal sealed class PhaseMeter(string phase, long total, string unit, Action<string> log, IProgress<PhaseProgress>? progress)
{
    /// <summary>Time between log lines: under the 10 s that users notice as a hang.</summary>
    public static readonly TimeSpan LogInterval = TimeSpan.FromSeconds(8);

    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TimeSpan _lastLog;
    private TimeSpan _lastAdvance;

    public long Done { get; private set; }

    public TimeSpan Elapsed => _clock.Elapsed;

    public double PerSecond => Done / Math.Max(_clock.Elapsed.TotalSeconds, 1e-9);

    /// <summary>Time left at the speed so far; null before anything is done.</summary>
    public TimeSpan? Remaining => Done == 0 ? null : TimeSpan.FromSeconds(Math.Max(0, total - Done) / PerSecond);

    /// <summary>
    /// Counts <paramref name="items"/> more and reports; <paramref name="enrich"/> adds what the phase knows beyond
    /// the meter, and the log line mentions the fit's time left when it has one.
    /// </summary>
    public void Advance(long items, Func<PhaseProgress, PhaseProgress>? enrich = null)
    {
        Done += items;
        var now = new PhaseProgress(phase, Done, total, unit, PerSecond, Remaining);
        if (enrich is not null)
            now = enrich(now);
        progress?.Report(now);
        // The line comes now when waiting for the next step (as long as this one took) would pass the interval: on a
        // loaded machine steps slow down, and a line every 8 s "or after the step that crosses it" left 11 s gaps.
        var elapsed = _clock.Elapsed;
        var step = elapsed - _lastAdvance;
        _lastAdvance = elapsed;
        if (elapsed - _lastLog + step < LogInterval)
            return;
        _lastLog = elapsed;
        string fit = now.FitRemaining is { } f ? $" in the epoch, {Duration(f)} in the fit" : "";
        log($"{phase}: {Done:N0} of {total:N0} {unit} ({PerSecond:F1} {unit}/s), about {Duration(Remaining ?? TimeSpan.Zero)} left{fit}.");
    }

    /// <summary>Logs the phase's total when it took long enough to have been reported.</summary>
    public void Finish()
    {
        if (_clock.Elapsed >= LogInterval)
            log($"{phase}: {Done:N0} {unit} in {Duration(_clock.Elapsed)} ({PerSecond:F1} {unit}/s).");
    }

    /// <summary>"45 s", "3 min 20 s", "1 h 5 min".</summary>
    public static string Duration(TimeSpan t) => t.TotalHours >= 1 ? $"{(int)t.TotalHours} h {t.Minutes} min"
        : t.TotalMinutes >= 1 ? $"{(int)t.TotalMinutes} min {t.Seconds} s" : $"{Math.Ceiling(t.TotalSeconds):F0} s";
}
