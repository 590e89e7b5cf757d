using Microsoft.ML;
using Microsoft.ML.Runtime;

namespace ML.FastCnn;

/// <summary>
/// Trains a TorchVision ResNet image classifier inside an ML.NET pipeline, the fast.ai way.
/// Create it with <see cref="FastCnn.Train(MLContext, FastCnnOptions)"/> or
/// <c>mlContext.MulticlassClassification.Trainers.FastCnn(options)</c>.
/// </summary>
/// <remarks>
/// The recipe: when <see cref="FastCnnOptions.LearningRate"/> is not set, run the learning-rate
/// range test and take its valley suggestion; then, with a pretrained backbone, fast.ai's
/// <c>fine_tune</c> (<see cref="FastCnnLearner.FineTune"/>), and otherwise a one-cycle fit of all
/// layers (<see cref="FastCnnOptions.Schedule"/> overrides the one-cycle). For other recipes
/// use <see cref="FastCnnLearner"/> directly.
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
        double learningRate = _options.LearningRate ?? learner.FindLearningRate(_options.LearningRateFinder, cancellationToken: cancel).Suggest(LearningRateSuggestion.Valley);

        if (learner.IsPretrained)
        {
            // fast.ai's fine_tune, also with FreezeEpochs = 0 (no frozen phase; the unfrozen one keeps its halved, discriminative rates)
            learner.FineTune(_options.Epochs, learningRate, _options.FreezeEpochs, _options.Schedule, cancel);
        }
        else
        {
            learner.Unfreeze();
            var schedule = _options.Schedule ?? LearningRateSchedule.OneCycle();
            learner.Fit(schedule.Epochs ?? _options.Epochs, learningRate, schedule, cancellationToken: cancel);
        }
        return learner.ToTransformer(_options.Scoring);
    }
}
