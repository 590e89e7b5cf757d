using System.Diagnostics;

namespace ML.FastCnn;

/// <summary>
/// Measures one long phase: counts what is done, reports <see cref="PhaseProgress"/> after every step and
/// writes a log line before <see cref="LogInterval"/> has passed since the last one, so that no stretch of training is silent for long.
/// </summary>
/// <param name="phase">What is running, first in each line.</param>
/// <param name="total">Items the phase has; 0 or less when the data does not say (the lines then count without a total).</param>
/// <param name="unit">What an item is ("images", "batches").</param>
/// <param name="log">Where the lines go.</param>
/// <param name="progress">Receives every step's progress, or null.</param>
/// <param name="interval">Longest time between lines; null: <see cref="LogInterval"/>.</param>
internal sealed class PhaseMeter(string phase, long total, string unit, Action<string> log, IProgress<PhaseProgress>? progress, TimeSpan? interval = null)
{
    /// <summary>Time between log lines: under the 10 s that users notice as a hang.</summary>
    public static readonly TimeSpan LogInterval = TimeSpan.FromSeconds(8);

    private readonly TimeSpan _interval = interval ?? LogInterval;

    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TimeSpan _lastLog;
    private TimeSpan _lastAdvance;

    public long Done { get; private set; }

    public TimeSpan Elapsed => _clock.Elapsed;

    public double PerSecond => Done / Math.Max(_clock.Elapsed.TotalSeconds, 1e-9);

    /// <summary>Time left at the speed so far; null before anything is done.</summary>
    public TimeSpan? Remaining => Done == 0 || total <= 0 ? null : TimeSpan.FromSeconds(Math.Max(0, total - Done) / PerSecond);

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
        if (elapsed - _lastLog + step < _interval)
            return;
        _lastLog = elapsed;
        string fit = now.FitRemaining is { } f ? $" in the epoch, {Duration(f)} in the fit" : "";
        log(total <= 0 // a count the data view does not know
            ? $"{phase}: {Done:N0} {unit} so far ({PerSecond:F1} {unit}/s)."
            : $"{phase}: {Done:N0} of {total:N0} {unit} ({PerSecond:F1} {unit}/s), about {Duration(Remaining ?? TimeSpan.Zero)} left{fit}.");
    }

    /// <summary>Logs the phase's total when it took long enough to have been reported.</summary>
    public void Finish()
    {
        if (_clock.Elapsed >= _interval)
            log($"{phase}: {Done:N0} {unit} in {Duration(_clock.Elapsed)} ({PerSecond:F1} {unit}/s).");
    }

    /// <summary>"45 s", "3 min 20 s", "1 h 5 min".</summary>
    public static string Duration(TimeSpan t) => t.TotalHours >= 1 ? $"{(int)t.TotalHours} h {t.Minutes} min"
        : t.TotalMinutes >= 1 ? $"{(int)t.TotalMinutes} min {t.Seconds} s" : $"{Math.Ceiling(t.TotalSeconds):F0} s";
}
