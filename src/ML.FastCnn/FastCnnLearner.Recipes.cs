namespace ML.FastCnn;

public sealed partial class FastCnnLearner
{
    /// <summary>
    /// Runs the recipe of <paramref name="plan"/> (default <see cref="Plan"/>): <see cref="FineTune(TrainingPlan?, CancellationToken)"/>,
    /// <see cref="FineTuneOnStoredActivations"/> or <see cref="Lesson1"/>. What <c>FastCnn.Train</c> does.
    /// </summary>
    /// <returns>Every epoch the recipe trained, range test excluded.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The plan does not fit this learner (its batch size differs) or has a value out of range.</exception>
    /// <exception cref="TrainingDivergedException">The loss became NaN or infinite.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public IReadOnlyList<EpochResult> Train(TrainingPlan? plan = null, CancellationToken cancellationToken = default) => (plan ?? Plan).Recipe switch
    {
        TrainingRecipe.FineTune => FineTune(plan, cancellationToken),
        TrainingRecipe.Lesson1 => Lesson1(plan, cancellationToken),
        _ => FineTuneOnStoredActivations(plan, cancellationToken),
    };

    /// <summary>
    /// fast.ai v2's <c>fine_tune</c> run from a plan (default <see cref="Plan"/>): the plan's augmentation on,
    /// its learning rate or the range test's, then <see cref="FineTune(int, double, int, LearningRateSchedule?, CancellationToken)"/>
    /// with its frozen and main epochs (main epochs within its time budget; with progressive resizing, the first
    /// half of them at its start size, each stage its own <c>fine_tune</c>), keeping the head-only weights when the
    /// main phase made the validation loss worse (<see cref="TrainingPlan.KeepBestPhase"/>). With random weights: one cycle of all layers.
    /// </summary>
    /// <inheritdoc cref="Train" path="/returns|/exception"/>
    public IReadOnlyList<EpochResult> FineTune(TrainingPlan? plan = null, CancellationToken cancellationToken = default)
    {
        var run = new RecipeRun(this, plan ?? Plan, cancellationToken);
        if (!IsPretrained)
            return AllLayersOneCycle(run, cancellationToken);
        var p = run.Plan;
        Augmentation = p.Augmentation;
        double lr = run.LearningRate();
        Unfreeze(); // the budget is judged on unfrozen steps; FineTune freezes again
        int epochs = run.MainPhaseEpochs(p.FreezeEpochs);
        var head = p.FreezeEpochs > 0 ? FineTune(0, lr, p.FreezeEpochs, cancellationToken: cancellationToken) : [];
        // also with FreezeEpochs = 0 (no frozen phase): the unfrozen phase keeps fine_tune's halved, discriminative rates
        var main = run.KeepingTheBetterPhase(head, () => run.MainPhase(epochs, (stageEpochs, _) => FineTune(stageEpochs, lr, 0, p.Schedule, cancellationToken)));
        return [.. head, .. main];
    }

    /// <summary>
    /// The default recipe, run from a plan (default <see cref="Plan"/>): the range test and the plan's frozen epochs
    /// (one cycle) on the frozen body's stored activations — cheap, the body runs once; then the plan's augmentation,
    /// all layers with the body's BatchNorm statistics kept (fast.ai v0.7's <c>bn_freeze</c>: the head learned with
    /// them) and rates from 1/200 to 1/2 of the head's, for the plan's epochs (within its time budget, progressive
    /// resizing as in <see cref="FineTune(TrainingPlan?, CancellationToken)"/>) with its schedule (default one-cycle,
    /// warm-up 0.3, div 5), keeping the head-only weights when the main phase made the validation loss worse
    /// (<see cref="TrainingPlan.KeepBestPhase"/>). With random weights: one cycle of all layers.
    /// </summary>
    /// <inheritdoc cref="Train" path="/returns|/exception"/>
    public IReadOnlyList<EpochResult> FineTuneOnStoredActivations(TrainingPlan? plan = null, CancellationToken cancellationToken = default)
    {
        var run = new RecipeRun(this, plan ?? Plan, cancellationToken);
        if (!IsPretrained)
            return AllLayersOneCycle(run, cancellationToken);
        var p = run.Plan;
        var results = new List<EpochResult>();
        bool precompute = PrecomputeActivations;
        Augmentation = null;
        PrecomputeActivations = true;
        Freeze();
        double lr = run.LearningRate();
        if (p.FreezeEpochs > 0)
            results.AddRange(FitOneCycle(p.FreezeEpochs, lr, cancellationToken));
        PrecomputeActivations = precompute;
        Augmentation = p.Augmentation;
        if (p.Epochs == 0)
            return results;
        Unfreeze();
        // Switching the body to batch statistics here would undo the head's training.
        FreezeBatchNormStatistics = true;
        var schedule = p.Schedule ?? LearningRateSchedule.OneCycle(warmupFraction: 0.3, divFactor: 5);
        results.AddRange(run.KeepingTheBetterPhase(results, () => run.MainPhase(schedule.Epochs ?? run.MainPhaseEpochs(0),
            (epochs, _) => Fit(epochs, LearningRates.Range(lr / 200, lr / 2), schedule, cancellationToken: cancellationToken))));
        return results;
    }

    /// <summary>
    /// fast.ai v0.7's lesson 1, run from a plan (default <see cref="Plan"/>): <see cref="FineTuneOnStoredActivations"/>
    /// with augmentation (the plan's, side-on when it has none; <see cref="ML.FastCnn.Augmentation.None"/> keeps it off)
    /// and SGDR for the body (<c>cycle_len 1, cycle_mult 2</c>: cycles of 1 and 2 epochs) unless the plan has its own schedule.
    /// </summary>
    /// <inheritdoc cref="Train" path="/returns|/exception"/>
    public IReadOnlyList<EpochResult> Lesson1(TrainingPlan? plan = null, CancellationToken cancellationToken = default)
    {
        var p = plan ?? Plan;
        return FineTuneOnStoredActivations(p with
        {
            Recipe = TrainingRecipe.Lesson1,
            Augmentation = p.Augmentation ?? ML.FastCnn.Augmentation.SideOn,
            Schedule = p.Schedule ?? LearningRateSchedule.Sgdr(cycles: 2, cycleLength: 1, cycleMultiplier: 2),
        }, cancellationToken);
    }

    /// <summary>Random weights, whatever the recipe: every layer from the start, one cycle (or the plan's schedule) at one rate.</summary>
    private IReadOnlyList<EpochResult> AllLayersOneCycle(RecipeRun run, CancellationToken cancellationToken)
    {
        var p = run.Plan;
        Checks.UserArg(p.Epochs >= 1, nameof(FastCnnOptions.Epochs), $"must be 1 or more with random weights: there is no frozen phase (was {p.Epochs})");
        Log("Random weights: every layer trains from the start, one cycle; no frozen phase.");
        Augmentation = p.Augmentation;
        Unfreeze();
        double lr = run.LearningRate();
        var schedule = p.Schedule ?? LearningRateSchedule.OneCycle();
        return run.MainPhase(schedule.Epochs ?? run.MainPhaseEpochs(0), (epochs, _) => Fit(epochs, lr, schedule, cancellationToken: cancellationToken));
    }
}
