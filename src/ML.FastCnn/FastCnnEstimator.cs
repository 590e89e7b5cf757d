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
        };
        learner.Log($"Plan ({(learner.IsPretrained ? recipe : "random weights, one cycle")}) for {plan}.");

        if (!learner.IsPretrained)
        {
            Checks.UserArg(plan.Epochs >= 1, nameof(FastCnnOptions.Epochs), $"must be 1 or more with random weights: there is no frozen phase (was {plan.Epochs})");
            learner.Unfreeze();
            double lr = _options.LearningRate ?? learner.FindLearningRate(finder, cancellationToken: cancel).Suggest(LearningRateSuggestion.Valley);
            var schedule = _options.Schedule ?? LearningRateSchedule.OneCycle();
            learner.Fit(schedule.Epochs ?? plan.Epochs, lr, schedule, cancellationToken: cancel);
        }
        else if (recipe == TrainingRecipe.FineTune)
        {
            double lr = _options.LearningRate ?? learner.FindLearningRate(finder, cancellationToken: cancel).Suggest(LearningRateSuggestion.Valley);
            // fast.ai's fine_tune, also with FreezeEpochs = 0 (no frozen phase; the unfrozen one keeps its halved, discriminative rates)
            learner.FineTune(plan.Epochs, lr, plan.FreezeEpochs, _options.Schedule, cancel);
        }
        else
        {
            Precompute(learner, plan, finder, cancel);
        }
        return learner.ToTransformer(_options.Scoring);
    }

    /// <summary>
    /// fast.ai v0.7's lesson 1: range test and head epochs on the frozen body's stored activations
    /// (cheap), then all layers with augmentation and the body's BatchNorm statistics kept
    /// (<c>bn_freeze</c>), from half the head's rate (first group: 1/100 of that).
    /// </summary>
    private void Precompute(FastCnnLearner learner, TrainingPlan plan, LearningRateFinderOptions finder, CancellationToken cancel)
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
        learner.Fit(schedule.Epochs ?? plan.Epochs, LearningRates.Range(lr / 200, lr / 2), schedule, cancellationToken: cancel);
    }
}
