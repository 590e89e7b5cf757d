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
/// suggestion is used. With a pretrained backbone the <see cref="FastCnnOptions.Recipe"/> runs (a
/// <see cref="FastCnnLearner"/> method of the same name); with random weights, a one-cycle fit of all
/// layers (<see cref="FastCnnOptions.Schedule"/> overrides the one-cycle). For your own recipe use
/// <see cref="FastCnnLearner"/> directly.
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

    /// <summary>Checks the input columns and returns the schema with the task's output columns added (Score and PredictedLabel; PredictedLabels for multi-label; Score alone for regression).</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var label = InputColumns.CheckShape(inputSchema, _options.Learner.ImageColumnName, _options.Learner.LabelColumnName);
        var task = LabelColumn.Resolve(label, _options.Learner.Task);
        var columns = inputSchema.ToDictionary(c => c.Name);
        var predicted = task == ImageTask.MultiLabel ? _options.Scoring.PredictedLabelsColumnName : _options.Scoring.PredictedLabelColumnName;
        foreach (var output in ScoreColumnsSchema.MakeShape(label, task, _options.Scoring.ScoreColumnName, predicted))
            columns[output.Name] = output;
        return new SchemaShape(columns.Values);
    }

    /// <summary>
    /// Trains the network on <paramref name="input"/>: the plan (<see cref="FastCnnLearner.Plan"/>, from the data and the
    /// options), the learner, the plan's recipe (<see cref="FastCnnLearner.Train"/>), the transformer. Everything that can be
    /// checked is checked before training starts.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or of the wrong type, or there are fewer than two classes or no usable rows.</exception>
    /// <exception cref="UnreadableImageException">An image cannot be read and <see cref="FastCnnLearner.Options.BadImages"/> is Fail.</exception>
    /// <exception cref="TrainingDivergedException">The loss became NaN or infinite.</exception>
    /// <exception cref="OperationCanceledException"><see cref="FastCnnOptions.CancellationToken"/> was cancelled.</exception>
    public FastCnnTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var learner = FastCnnLearner.Create(_environment, input, _options.Learner, _options, "FastCnnTrainer", _options.CancellationToken);
        learner.Train(learner.Plan, _options.CancellationToken);
        return learner.ToTransformer(_options.Scoring);
    }
}
