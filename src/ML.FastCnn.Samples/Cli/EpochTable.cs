using ML.FastCnn;
using Spectre.Console;

namespace ML.FastCnn.Samples;

/// <summary>
/// fast.ai's epoch table, printed as training goes: a header, then one row per epoch (epoch,
/// train_loss, valid_loss, accuracy, error_rate, time), with a progress bar on the line of the
/// running epoch when the console is interactive (images/s, and the time left in the fit once an epoch has
/// run); redirected output gets the library's progress lines instead (<see cref="TrainingLog"/>). Training reports from its own thread, so the
/// table writes plain lines rather than using a live display. As a callback, it starts a new table
/// under the next of its <see cref="Headings"/> at the start of each fit of a recipe.
/// </summary>
internal sealed class EpochTable : LearnerCallback, IProgress<EpochResult>, IProgress<BatchProgress>, IProgress<PhaseProgress>
{
    private readonly Queue<string> _headings = new();
    private const string Format = "{0,6} {1,12} {2,12} {3,10} {4,11} {5,7}";
    private readonly bool _interactive = !Console.IsOutputRedirected;
    private readonly object _gate = new();
    private int _rows;
    private int _offset; // rows of earlier fits in the same table (fine-tuning fits twice)
    private DateTime _lastBar;

    /// <summary>Prints <paramref name="title"/> and the header, then runs <paramref name="train"/>.</summary>
    public void Run(string title, Action train)
    {
        Start(title);
        train();
    }

    /// <summary>Titles of the next fits, one per fit, in order.</summary>
    public void Headings(params string[] titles) => Array.ForEach(titles, _headings.Enqueue);

    /// <summary>The plan of the learner whose fits the table showed (null before the first fit).</summary>
    public TrainingPlan? Plan { get; private set; }

    public override void BeforeFit(FitContext context)
    {
        Plan ??= context.Learner.Plan;
        if (_headings.TryDequeue(out var title))
            Start(title);
    }

    private void Start(string title)
    {
        AnsiConsole.MarkupLineInterpolated($"[bold]{title}[/]");
        Console.WriteLine(string.Format(Format, "epoch", "train_loss", "valid_loss", "accuracy", "error_rate", "time"));
        _rows = _offset = 0;
    }

    private double _loss;

    public void Report(BatchProgress value)
    {
        lock (_gate)
        {
            if (value.Epoch == 1 && value.Batch == 1)
                _offset = _rows;
            _loss = value.Loss;
        }
    }

    public void Report(PhaseProgress value)
    {
        lock (_gate)
        {
            if (!_interactive || value.Phase != "Training" || ((DateTime.UtcNow - _lastBar).TotalMilliseconds < 200 && value.Done != value.Total))
                return;
            int width = 30, done = (int)(value.Done * width / Math.Max(1, value.Total));
            string left = value.FitRemaining is { } fit ? $", fit {Short(fit)} left" : value.Remaining is { } epoch ? $", epoch {Short(epoch)} left" : "";
            Console.Write($"\r{_offset + value.Epoch,6} {new string('█', done)}{new string('░', width - done)} {value.PerSecond:F0} img/s{left}, loss {_loss:F4}   ");
            _lastBar = DateTime.UtcNow;
        }
    }

    private static string Short(TimeSpan t) => t.TotalHours >= 1 ? $"{(int)t.TotalHours}h{t.Minutes:D2}m" : $"{(int)t.TotalMinutes}:{t.Seconds:D2}";

    public void Report(EpochResult value)
    {
        lock (_gate)
        {
            _rows = _offset + value.Epoch;
            string line = string.Format(Format, _rows, $"{value.TrainLoss:F6}", value.ValidLoss is { } v ? $"{v:F6}" : "",
                value.Accuracy is { } a ? $"{a:F6}" : "", value.ErrorRate is { } e ? $"{e:F6}" : "", $"{value.Duration:mm\\:ss}");
            Console.WriteLine(_interactive ? $"\r{line}{new string(' ', 40)}" : line);
        }
    }
}
