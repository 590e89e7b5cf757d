using System.Globalization;

namespace ML.FastCnn;

/// <summary>
/// Records a run's training history, after fast.ai's <c>Recorder</c>: each batch's loss, learning rate
/// and momentum, and each epoch's row of the epoch table, across every fit it takes part in (for example
/// the frozen and the unfrozen phase of a recipe). The range test is not recorded.
/// <see cref="SaveCsv"/> writes <c>history.csv</c> (fast.ai's <c>CSVLogger</c>) and
/// <see cref="SaveTrainingCurves"/> draws the curves.
/// </summary>
/// <remarks>
/// Add one to <see cref="FastCnnLearner.Options.Callbacks"/> (every fit, the estimator's recipe included) or
/// pass it to one fit. Unlike most callbacks it keeps its records from one fit to the next; call
/// <see cref="Clear"/> to start again.
/// </remarks>
public sealed class Recorder : LearnerCallback
{
    private readonly List<RecordedBatch> _batches = [];
    private readonly List<RecordedEpoch> _epochs = [];
    private readonly Lock _lock = new();
    private bool _recording;
    private int _fit = -1;
    private int _iterationOffset;

    /// <summary>After the built-in callbacks, so it sees the rates the scheduler set and the epoch the others saw.</summary>
    public override int Order => CallbackOrder.Default;

    /// <summary>Every recorded training batch, in order.</summary>
    public IReadOnlyList<RecordedBatch> Batches
    {
        get
        {
            lock (_lock)
                return _batches.ToArray();
        }
    }

    /// <summary>Every recorded epoch, in order.</summary>
    public IReadOnlyList<RecordedEpoch> Epochs
    {
        get
        {
            lock (_lock)
                return _epochs.ToArray();
        }
    }

    /// <summary>Forgets everything recorded so far.</summary>
    public void Clear()
    {
        lock (_lock)
        {
            _batches.Clear();
            _epochs.Clear();
            _fit = -1;
            _iterationOffset = 0;
        }
    }

    /// <inheritdoc />
    public override void BeforeFit(FitContext context)
    {
        // The range test (which skips validation from its own BeforeFit) is a probe, not training.
        _recording = !context.SkipValidation;
        if (!_recording)
            return;
        lock (_lock)
        {
            _fit++;
            _iterationOffset = _batches.Count;
        }
    }

    /// <inheritdoc />
    public override void AfterBatch(FitContext context, BatchLoss loss)
    {
        if (!_recording)
            return;
        double value = loss.Value; // every batch's loss is the record
        lock (_lock)
            _batches.Add(new RecordedBatch(_fit, context.Epoch + 1, _iterationOffset + context.Iteration, value, context.LearningRate, context.Momentum));
    }

    /// <inheritdoc />
    public override void AfterEpoch(FitContext context, EpochResult result)
    {
        if (!_recording)
            return;
        lock (_lock)
            _epochs.Add(new RecordedEpoch(_fit, _iterationOffset + context.Iteration, result));
    }

    /// <summary>
    /// Writes the epochs as CSV (fast.ai's <c>CSVLogger</c> <c>history.csv</c>):
    /// <c>fit,epoch,train_loss,valid_loss,accuracy,error_rate,time</c>, one row per epoch; empty cells without a validation set.
    /// </summary>
    public void SaveCsv(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var c = CultureInfo.InvariantCulture;
        var lines = Epochs.Select(e => string.Join(',',
            (e.Fit + 1).ToString(c), e.Result.Epoch.ToString(c), e.Result.TrainLoss.ToString("R", c),
            e.Result.ValidLoss?.ToString("R", c) ?? "", e.Result.Accuracy?.ToString("R", c) ?? "", e.Result.ErrorRate?.ToString("R", c) ?? "",
            e.Result.Duration.TotalSeconds.ToString("F1", c)));
        AtomicFile.Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, leaveOpen: true);
            writer.Write(string.Join('\n', lines.Prepend("fit,epoch,train_loss,valid_loss,accuracy,error_rate,time")) + "\n");
        });
    }

    /// <summary>
    /// Saves four panels as one PNG (fast.ai's <c>plot_loss</c> and <c>plot_sched</c>): training loss per
    /// batch (exponentially smoothed, as fast.ai shows it) with the validation loss per epoch; validation
    /// accuracy per epoch; learning rate per batch; momentum per batch. Dotted lines separate the fits.
    /// </summary>
    /// <exception cref="InvalidOperationException">Nothing was recorded.</exception>
    public void SaveTrainingCurves(string path, int width = 1100, int height = 750)
    {
        var batches = Batches;
        if (batches.Count == 0)
            throw new InvalidOperationException("The recorder has no batches: add it to the learner's callbacks before training.");
        TrainingCurvesPlot.Save(batches, Epochs, path, width, height);
    }

    /// <summary>Losses smoothed as fast.ai's <c>AvgSmoothLoss</c>: an exponential moving average (β = 0.98), debiased.</summary>
    public static IReadOnlyList<double> Smooth(IReadOnlyList<double> losses, double beta = 0.98)
    {
        ArgumentNullException.ThrowIfNull(losses);
        var smooth = new double[losses.Count];
        double average = 0;
        int count = 0;
        for (int i = 0; i < losses.Count; i++)
        {
            if (double.IsFinite(losses[i]))
            {
                average = beta * average + (1 - beta) * losses[i];
                count++;
            }
            smooth[i] = count == 0 ? double.NaN : average / (1 - Math.Pow(beta, count));
        }
        return smooth;
    }
}
