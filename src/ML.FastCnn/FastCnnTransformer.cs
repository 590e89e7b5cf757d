using System.ComponentModel;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace ML.FastCnn;

/// <summary>
/// A trained FastCnn image classifier. Adds <c>Score</c> (class probabilities, slot names = class
/// names) and <c>PredictedLabel</c> (key of the most probable class) to its input, scoring images
/// in batches; <c>mlContext.Model.Save</c> stores the network inside the model <c>.zip</c>.
/// </summary>
public sealed class FastCnnTransformer : ITransformer, IDisposable
{
    internal FastCnnTransformer(IHostEnvironment env, ImageClassifier classifier, string imageColumnName, string? imagePathColumnName,
        string scoreColumnName, string predictedLabelColumnName, int scoringBatchSize)
    {
        Host = env.Register(nameof(FastCnnTransformer));
        Classifier = classifier;
        ImageColumnName = imageColumnName;
        ImagePathColumnName = imagePathColumnName;
        ScoreColumnName = scoreColumnName;
        PredictedLabelColumnName = predictedLabelColumnName;
        ScoringBatchSize = scoringBatchSize;
    }

    internal IHost Host { get; }

    internal ImageClassifier Classifier { get; }

    /// <summary>The network's architecture.</summary>
    public ResNetArchitecture Architecture => Classifier.Architecture;

    /// <summary>Side in pixels of the square images the network sees.</summary>
    public int ImageSize => Classifier.ImageSize;

    /// <summary>The class names, in the order of the Score slots (the label's key order).</summary>
    public IReadOnlyList<string> ClassNames => Classifier.ClassNames;

    /// <summary>Name of the image input column.</summary>
    public string ImageColumnName { get; }

    /// <summary>Name of the optional image-path column used in error messages.</summary>
    public string? ImagePathColumnName { get; }

    /// <summary>Name of the output column of class probabilities.</summary>
    public string ScoreColumnName { get; }

    /// <summary>Name of the output column with the predicted class key.</summary>
    public string PredictedLabelColumnName { get; }

    /// <summary>Images per forward pass in <see cref="Transform"/>.</summary>
    public int ScoringBatchSize { get; }

    /// <inheritdoc />
    public bool IsRowToRowMapper => true;

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => new ScoringBinding(this, inputSchema).OutputSchema;

    /// <summary>Scores <paramref name="input"/> lazily, <see cref="ScoringBatchSize"/> images per forward pass.</summary>
    public IDataView Transform(IDataView input) => new BatchScoringDataView(input, new ScoringBinding(this, input.Schema));

    /// <inheritdoc />
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => new SingleRowMapper(new ScoringBinding(this, inputSchema));

    /// <summary>Used by <c>mlContext.Model.Save</c>; stores the network inside the model file.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    void ICanSaveModel.Save(ModelSaveContext ctx) => FastCnnModelFormat.Save(ctx, this);

    /// <summary>Frees the network's native memory.</summary>
    public void Dispose() => Classifier.Dispose();
}
