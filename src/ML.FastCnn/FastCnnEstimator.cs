using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Runtime;

namespace ML.FastCnn;

/// <summary>
/// Trains a TorchVision ResNet image classifier inside an ML.NET pipeline, the fast.ai way.
/// Create it with <see cref="FastCnn.Train(MLContext, FastCnnOptions)"/> or
/// <c>mlContext.MulticlassClassification.Trainers.FastCnn(options)</c>.
/// </summary>
/// <remarks>
/// What the options leave open is planned from the data (<see cref="TrainingPlan"/>, logged). When
/// <see cref="FastCnnOptions.LearningRate"/> is not set, the learning-rate range test runs and its valley
/// suggestion is used. With a pretrained backbone the <see cref="FastCnnOptions.Recipe"/> runs:
/// <see cref="TrainingRecipe.Precompute"/> (default) or <see cref="TrainingRecipe.FineTune"/>; with
/// random weights, a one-cycle fit of all layers (<see cref="FastCnnOptions.Schedule"/> overrides the
/// one-cycle). For other recipes use <see cref="FastCnnLearner"/> directly.
/// </remarks>
public sealed class FastCnnEstimator : IEstimator<FastCnnTransformer>
{
    private readonly IHostEnvironment _environment;
    private readonly FastCnnOptions _options;

    internal FastCnnEstimator(IHostEnvironment environment, FastCnnOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Check();
        _environment = environment;
        _options = options;
    }

    /// <summary>Checks the input columns and returns the schema with Score and PredictedLabel added.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var label = InputColumns.CheckShape(inputSchema, _options.Learner.ImageColumnName, _options.Learner.LabelColumnName);
        var columns = inputSchema.ToDictionary(c => c.Name);
        foreach (var output in ScoreColumnsSchema.MakeShape(label, _options.Scoring.ScoreColumnName, _options.Scoring.PredictedLabelColumnName))
            columns[output.Name] = output;
        return new SchemaShape(columns.Values);
    }

    /// <summary>Trains the network on <paramref name="input"/>; checks everything it can before training starts.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or of the wrong type, or there are fewer than two classes or no usable rows.</exception>
    /// <exception cref="UnreadableImageException">An image cannot be read and <see cref="FastCnnLearner.Options.BadImages"/> is Fail.</exception>
    /// <exception cref="TrainingDivergedException">The loss became NaN or infinite.</exception>
    /// <exception cref="OperationCanceledException"><see cref="FastCnnOptions.CancellationToken"/> was cancelled.</exception>
    public FastCnnTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var cancel = _options.CancellationToken;
        var clock = Stopwatch.StartNew();
        using var learner = FastCnnLearner.Create(_environment, input, _options.Learner, "FastCnnTrainer", cancel);
        var recipe = learner.IsPretrained ? _options.Recipe : TrainingRecipe.FineTune;
        var defaults = TrainingPlan.For(learner.TrainingImageCount, recipe);
        var finder = _options.LearningRateFinder ?? new LearningRateFinderOptions { Iterations = defaults.FinderIterations };
        var plan = defaults with
        {
            BatchSize = learner.BatchSize,
            Epochs = _options.Epochs ?? defaults.Epochs,
            FreezeEpochs = learner.IsPretrained ? _options.FreezeEpochs ?? defaults.FreezeEpochs : 0,
            FinderIterations = _options.LearningRate is null ? finder.Iterations : 0,
            Augmentation = _options.Learner.Augmentation ?? defaults.Augmentation,
        };
        learner.Augmentation = plan.Augmentation; // Augmentation.None becomes null (off) here
        learner.Log($"Plan ({(learner.IsPretrained ? recipe : "random weights, one cycle")}) for {plan with { Augmentation = learner.Augmentation }}.");
        int size = learner.ImageSize; // the size the fit ends at, also with progressive resizing
        StartSmall(learner, plan.Epochs);

        if (!learner.IsPretrained)
        {
            Checks.UserArg(plan.Epochs >= 1, nameof(FastCnnOptions.Epochs), $"must be 1 or more with random weights: there is no frozen phase (was {plan.Epochs})");
            learner.Unfreeze();
            double lr = _options.LearningRate ?? learner.FindLearningRate(finder, cancellationToken: cancel).Suggest(LearningRateSuggestion.Valley);
            var schedule = _options.Schedule ?? LearningRateSchedule.OneCycle();
            MainPhase(learner, schedule.Epochs ?? MainPhaseEpochs(learner, plan.Epochs, 0, clock, cancel), size, (epochs, _) => learner.Fit(epochs, lr, schedule, cancellationToken: cancel));
        }
        else if (recipe == TrainingRecipe.FineTune)
        {
            double lr = _options.LearningRate ?? learner.FindLearningRate(finder, cancellationToken: cancel).Suggest(LearningRateSuggestion.Valley);
            learner.Unfreeze(); // the budget is judged on unfrozen steps; FineTune freezes again
            int epochs = MainPhaseEpochs(learner, plan.Epochs, plan.FreezeEpochs, clock, cancel);
            // fast.ai's fine_tune, also with FreezeEpochs = 0 (no frozen phase; the unfrozen one keeps its halved, discriminative rates)
            MainPhase(learner, epochs, size, (stageEpochs, first) => learner.FineTune(stageEpochs, lr, first ? plan.FreezeEpochs : 0, _options.Schedule, cancel));
        }
        else
        {
            Precompute(learner, plan, size, finder, clock, cancel);
        }
        return learner.ToTransformer(_options.Scoring);
    }

    /// <summary>
    /// fast.ai v0.7's lesson 1: range test and head epochs on the frozen body's stored activations
    /// (cheap), then all layers with augmentation and the body's BatchNorm statistics kept
    /// (<c>bn_freeze</c>), from half the head's rate (first group: 1/100 of that).
    /// </summary>
    private void Precompute(FastCnnLearner learner, TrainingPlan plan, int size, LearningRateFinderOptions finder, Stopwatch clock, CancellationToken cancel)
    {
        var augmentation = learner.Augmentation;
        learner.Augmentation = null;
        learner.PrecomputeActivations = true;
        learner.Freeze();
        double lr = _options.LearningRate ?? learner.FindLearningRate(finder, cancellationToken: cancel).Suggest(LearningRateSuggestion.Valley);
        if (plan.FreezeEpochs > 0)
            learner.FitOneCycle(plan.FreezeEpochs, lr, cancel);
        learner.Augmentation = augmentation; // drops the stored activations: the body trains from here
        if (plan.Epochs == 0)
            return;
        learner.Unfreeze();
        // The head learned on activations made with the body's running BatchNorm statistics: keep them
        // (fast.ai v0.7's bn_freeze). Switching to batch statistics here undoes the head's training.
        learner.FreezeBatchNormStatistics = true;
        var schedule = _options.Schedule ?? LearningRateSchedule.OneCycle(warmupFraction: 0.3, divFactor: 5);
        MainPhase(learner, schedule.Epochs ?? MainPhaseEpochs(learner, plan.Epochs, 0, clock, cancel), size,
            (epochs, _) => learner.Fit(epochs, LearningRates.Range(lr / 200, lr / 2), schedule, cancellationToken: cancel));
    }

    /// <summary>
    /// With <see cref="FastCnnOptions.StartImageSize"/> (progressive resizing, when the main phase can be
    /// split): puts the learner at that size for everything up to the main phase's second half.
    /// </summary>
    private void StartSmall(FastCnnLearner learner, int mainEpochs)
    {
        int size = learner.ImageSize;
        if (_options.StartImageSize is not { } start || start == size)
            return;
        if (mainEpochs < 2 || _options.Schedule?.Epochs is not null)
        {
            learner.Log($"Progressive resizing skipped: {(mainEpochs < 2 ? "the main phase has fewer than two epochs" : "the schedule fixes its own epochs")}; all at {size}px.");
            return;
        }
        learner.Log($"Progressive resizing: {start}px up to the second half of the main phase, then {size}px.");
        learner.ImageSize = start;
    }

    /// <summary>
    /// Runs the main phase's <paramref name="epochs"/> through <paramref name="fit"/> (epochs, first stage?):
    /// all at once, or — progressive resizing — the first half (rounded down) at the start size and the rest at
    /// <paramref name="size"/>, each stage its own fit.
    /// </summary>
    private static void MainPhase(FastCnnLearner learner, int epochs, int size, Action<int, bool> fit)
    {
        int first = learner.ImageSize == size ? 0 : epochs / 2;
        if (first > 0)
            fit(first, true);
        learner.ImageSize = size;
        fit(epochs - first, first == 0);
    }

    /// <summary>Training steps timed to judge a <see cref="FastCnnOptions.TimeBudget"/>.</summary>
    private const int BudgetProbeSteps = 4;

    /// <summary>
    /// The plan's main-phase epochs, or with a <see cref="FastCnnOptions.TimeBudget"/> (and no explicit
    /// epochs) as many of them as fit into what is left after <paramref name="epochsBefore"/> more epochs.
    /// </summary>
    private int MainPhaseEpochs(FastCnnLearner learner, int planned, int epochsBefore, Stopwatch clock, CancellationToken cancel)
    {
        if (_options.TimeBudget is not { } budget || _options.Epochs is not null || planned == 0)
            return planned;
        double perEpoch = learner.EstimateEpochSeconds(BudgetProbeSteps, cancel);
        double left = (budget - clock.Elapsed).TotalSeconds;
        int epochs = Math.Clamp((int)Math.Floor(left / perEpoch) - epochsBefore, 1, planned);
        learner.Log($"Time budget {budget:g}: {Math.Max(0, left):F0} s left, about {perEpoch:F0} s per epoch: {epochs} of the plan's {planned} epochs.");
        return epochs;
    }
}
