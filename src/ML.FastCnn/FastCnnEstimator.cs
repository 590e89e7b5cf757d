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
    private readonly IHostEnvironment _env;
    private readonly IHost _host;
    private readonly FastCnnOptions _options;

    internal FastCnnEstimator(IHostEnvironment env, FastCnnOptions options)
    {
        _env = env;
        _host = env.Register(nameof(FastCnnEstimator));
        _host.CheckValue(options, nameof(options));
        options.Check(_host);
        _options = options;
    }

    /// <summary>Checks the input columns and returns the schema with Score and PredictedLabel added.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        _host.CheckValue(inputSchema, nameof(inputSchema));
        var label = TrainingInput.CheckShape(inputSchema, _options);
        var columns = inputSchema.ToDictionary(c => c.Name);
        foreach (var output in ScoreColumnsSchema.MakeShape(label, _options.ScoreColumnName, _options.PredictedLabelColumnName))
            columns[output.Name] = output;
        return new SchemaShape(columns.Values);
    }

    /// <summary>Trains the network on <paramref name="input"/>; checks everything it can before training starts.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or of the wrong type, or there are fewer than two classes or no usable rows.</exception>
    /// <exception cref="UnreadableImageException">An image cannot be read and <see cref="FastCnnOptions.BadImages"/> is Fail.</exception>
    /// <exception cref="TrainingDivergedException">The loss became NaN or infinite.</exception>
    /// <exception cref="OperationCanceledException"><see cref="FastCnnOptions.CancellationToken"/> was cancelled.</exception>
    public FastCnnTransformer Fit(IDataView input)
    {
        _host.CheckValue(input, nameof(input));
        using var learner = FastCnnLearner.Create(_env, input, _options, "FastCnnTrainer");
        double learningRate = _options.LearningRate ?? learner.FindLearningRate(_options.LearningRateFinder, _options.CancellationToken).Suggest(LearningRateSuggestion.Valley);

        if (learner.IsPretrained && _options.FreezeEpochs > 0)
        {
            learner.FineTune(_options.Epochs, learningRate, _options.FreezeEpochs, _options.Schedule, _options.CancellationToken);
        }
        else
        {
            learner.Unfreeze();
            var schedule = _options.Schedule ?? LearningRateSchedule.OneCycle();
            learner.Fit(schedule.Epochs ?? _options.Epochs, learningRate, schedule, _options.CancellationToken);
        }
        return learner.ToTransformer();
    }
}
