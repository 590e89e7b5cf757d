using ML.FastCnn;
using Spectre.Console;

namespace ML.FastCnn.Samples;

/// <summary>
/// fast.ai's epoch table, printed as training goes: a header, then one row per epoch (epoch,
/// train_loss, valid_loss, accuracy, error_rate, time), with a progress bar on the line of the
/// running epoch when the console is interactive. Training reports from its own thread, so the
/// table writes plain lines rather than using a live display. As a callback, it starts a new table
/// under the next of its <see cref="Headings"/> at the start of each fit of a recipe.
/// </summary>
internal sealed class EpochTable : LearnerCallback, IProgress<EpochResult>, IProgress<BatchProgress>
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

    public void Report(BatchProgress value)
    {
        lock (_gate)
        {
            if (value.Epoch == 1 && value.Batch == 1)
                _offset = _rows;
            if (!_interactive || ((DateTime.UtcNow - _lastBar).TotalMilliseconds < 200 && value.Batch != value.Batches))
                return;
            int width = 30, done = value.Batch * width / Math.Max(1, value.Batches);
            Console.Write($"\r{_offset + value.Epoch,6} {new string('█', done)}{new string('░', width - done)} {value.Batch}/{value.Batches} loss {value.Loss:F4}   ");
            _lastBar = DateTime.UtcNow;
        }
    }

    public void Report(EpochResult value)
    {
        lock (_gate)
        {
            _rows = _offset + value.Epoch;
            string line = string.Format(Format, _rows, $"{value.TrainLoss:F6}", value.ValidLoss is { } v ? $"{v:F6}" : "",
                value.Accuracy is { } a ? $"{a:F6}" : "", value.ErrorRate is { } e ? $"{e:F6}" : "", $"{value.Duration:mm\\:ss}");
            Console.WriteLine(_interactive ? $"\r{line}{new string(' ', 20)}" : line);
        }
    }
}
