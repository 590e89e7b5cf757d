namespace ML.FastCnn;

/// <summary>
/// The parts every recipe shares: the plan checked against the learner, the learning rate (given or from
/// the range test), progressive resizing's two stages and the time budget's share of the main phase.
/// </summary>
internal sealed class RecipeRun
{
    /// <summary>Training steps timed to judge a <see cref="TrainingPlan.TimeBudget"/>.</summary>
    private const int BudgetProbeSteps = 4;

    private readonly FastCnnLearner _learner;
    private readonly CancellationToken _cancel;

    /// <summary>Checks <paramref name="plan"/> against the learner and puts it at the plan's first size.</summary>
    public RecipeRun(FastCnnLearner learner, TrainingPlan plan, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(plan);
        Checks.UserArg(plan.BatchSize == learner.BatchSize, nameof(plan),
            $"BatchSize {plan.BatchSize} differs from the learner's {learner.BatchSize}: the batch size is fixed when the learner is created (FastCnnLearner.Options.BatchSize)");
        Checks.UserArg(plan.Epochs >= 0 && plan.FreezeEpochs >= 0, nameof(plan), $"Epochs and FreezeEpochs must be 0 or more (were {plan.Epochs} and {plan.FreezeEpochs})");
        Checks.UserArg(plan.ImageSize >= FastCnnLearner.Options.MinImageSize && plan.StartImageSize is null or >= FastCnnLearner.Options.MinImageSize, nameof(plan),
            $"ImageSize and StartImageSize must be {FastCnnLearner.Options.MinImageSize} or more (were {plan.ImageSize} and {plan.StartImageSize})");
        Checks.UserArg(plan.LearningRate is null || (plan.LearningRate > 0 && double.IsFinite(plan.LearningRate.Value)), nameof(plan),
            $"LearningRate must be a positive number, or null to run the range test (was {plan.LearningRate})");
        plan.LearningRateFinder?.Check(nameof(plan));
        _learner = learner;
        _cancel = cancel;
        Plan = plan;
        learner.ImageSize = StartSize();
    }

    public TrainingPlan Plan { get; }

    /// <summary>The plan's learning rate, or the range test's valley suggestion (run now, at the current size and freezing).</summary>
    public double LearningRate()
    {
        if (Plan.LearningRate is { } given)
            return given;
        var sweep = Plan.LearningRateFinder ?? new LearningRateFinderOptions();
        var finder = new LearningRateFinderOptions
        {
            StartLearningRate = sweep.StartLearningRate,
            EndLearningRate = sweep.EndLearningRate,
            StopOnDivergence = sweep.StopOnDivergence,
            Iterations = Math.Max(2, Plan.FinderIterations),
        };
        return _learner.FindLearningRate(finder, cancellationToken: _cancel).Suggest(LearningRateSuggestion.Valley);
    }

    /// <summary>
    /// The size up to the main phase's second half: the plan's start size with progressive resizing (when the
    /// main phase can be split), else the plan's size.
    /// </summary>
    private int StartSize()
    {
        if (Plan.StartImageSize is not { } start || start == Plan.ImageSize)
            return Plan.ImageSize;
        if (Plan.Epochs < 2 || Plan.Schedule?.Epochs is not null)
        {
            _learner.Log($"Progressive resizing skipped: {(Plan.Epochs < 2 ? "the main phase has fewer than two epochs" : "the schedule fixes its own epochs")}; all at {Plan.ImageSize}px.");
            return Plan.ImageSize;
        }
        _learner.Log($"Progressive resizing: {start}px up to the second half of the main phase, then {Plan.ImageSize}px.");
        return start;
    }

    /// <summary>
    /// Runs the main phase's <paramref name="epochs"/> through <paramref name="fit"/> (epochs, first stage?):
    /// all at once, or — progressive resizing — the first half (rounded down) at the start size and the rest at
    /// the plan's size, each stage its own fit.
    /// </summary>
    public IReadOnlyList<EpochResult> MainPhase(int epochs, Func<int, bool, IReadOnlyList<EpochResult>> fit)
    {
        var results = new List<EpochResult>();
        int first = _learner.ImageSize == Plan.ImageSize ? 0 : epochs / 2;
        if (first > 0)
            results.AddRange(fit(first, true));
        _learner.ImageSize = Plan.ImageSize;
        results.AddRange(fit(epochs - first, first == 0));
        return results;
    }

    /// <summary>
    /// Runs the main phase (<paramref name="main"/>) after the head-only epochs <paramref name="head"/>, then keeps
    /// the weights with the lower validation loss (<see cref="TrainingPlan.KeepBestPhase"/>) and logs the choice.
    /// Without a validation set, head epochs or main epochs, the main phase's weights stay.
    /// </summary>
    public IReadOnlyList<EpochResult> KeepingTheBetterPhase(IReadOnlyList<EpochResult> head, Func<IReadOnlyList<EpochResult>> main)
    {
        if (!Plan.KeepBestPhase || head.Count == 0 || head[^1].ValidLoss is not { } headLoss)
            return main();
        using var headWeights = new WeightSnapshot(_learner.Network);
        var results = main();
        if (results.Count == 0)
            return results;
        // A callback (keep-best, early stopping) may have put back an earlier epoch's weights: judge the weights as they are.
        double? mainLoss = _learner.Callbacks.Any(c => c is KeepBestModel) ? _learner.Validate(_cancel).Loss : results[^1].ValidLoss;
        if (mainLoss is not { } loss || loss <= headLoss)
        {
            _learner.Log($"Kept the weights of the main phase: validation loss {mainLoss:F4}, after the head epochs {headLoss:F4}.");
            return results;
        }
        headWeights.Restore();
        _learner.Log($"Kept the head-only weights: validation loss {headLoss:F4} after the head epochs, {loss:F4} after the main phase, which made the model worse (TrainingPlan.KeepBestPhase).");
        return results;
    }

    /// <summary>
    /// The plan's main-phase epochs, or with a time budget as many of them as fit into what is left of it
    /// after <paramref name="epochsBefore"/> more epochs, judged from a few timed steps of the current setup.
    /// </summary>
    public int MainPhaseEpochs(int epochsBefore)
    {
        int planned = Plan.Epochs;
        if (Plan.TimeBudget is not { } budget || planned == 0)
            return planned;
        double perEpoch = _learner.EstimateEpochSeconds(BudgetProbeSteps, _cancel);
        double left = (budget - _learner.Age).TotalSeconds;
        int epochs = Math.Clamp((int)Math.Floor(left / perEpoch) - epochsBefore, 1, planned);
        _learner.Log($"Time budget {budget:g}: {Math.Max(0, left):F0} s left, about {perEpoch:F0} s per epoch: {epochs} of the plan's {planned} epochs.");
        return epochs;
    }
}
