using System.ComponentModel;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace ML.FastCnn;

/// <summary>
/// A trained FastCnn image classifier. Adds <c>Score</c> (class probabilities, slot names = class
/// names) and <c>PredictedLabel</c> (key of the most probable class) to its input, scoring images
/// in batches prepared on background threads; <c>mlContext.Model.Save</c> stores the network
/// inside the model <c>.zip</c>.
/// </summary>
public sealed class FastCnnTransformer : ITransformer, IDisposable
{
    internal FastCnnTransformer(IHostEnvironment env, ImageClassifier classifier, ScoringSettings settings)
    {
        Host = env.Register(nameof(FastCnnTransformer));
        Classifier = classifier;
        Settings = settings;
        classifier.AddOwner();
    }

    internal IHost Host { get; }

    internal ImageClassifier Classifier { get; }

    internal ScoringSettings Settings { get; }

    /// <summary>The network's architecture.</summary>
    public ResNetArchitecture Architecture => Classifier.Architecture;

    /// <summary>Side in pixels of the square images the network sees.</summary>
    public int ImageSize => Classifier.ImageSize;

    /// <summary>The class names, in the order of the Score slots (the label's key order).</summary>
    public IReadOnlyList<string> ClassNames => Classifier.ClassNames;

    /// <summary>Name of the image input column.</summary>
    public string ImageColumnName => Settings.ImageColumnName;

    /// <summary>Name of the optional image-path column used in error messages.</summary>
    public string? ImagePathColumnName => Settings.ImagePathColumnName;

    /// <summary>Name of the output column of class probabilities.</summary>
    public string ScoreColumnName => Settings.ScoreColumnName;

    /// <summary>Name of the output column with the predicted class key.</summary>
    public string PredictedLabelColumnName => Settings.PredictedLabelColumnName;

    /// <summary>Images per forward pass in <see cref="Transform"/>.</summary>
    public int ScoringBatchSize => Settings.ScoringBatchSize;

    /// <summary>Augmented views averaged with each image (test-time augmentation); 0 when off.</summary>
    public int TestTimeAugmentation => Settings.TestTimeAugmentation;

    /// <summary>
    /// The same model (sharing its network) scoring each image together with
    /// <paramref name="augmentedViews"/> augmented views, probabilities averaged (fast.ai's
    /// <c>TTA</c> uses 4); 0 turns test-time augmentation off.
    /// </summary>
    public FastCnnTransformer WithTestTimeAugmentation(int augmentedViews)
    {
        Host.CheckUserArg(augmentedViews >= 0, nameof(augmentedViews), $"must be 0 or more (was {augmentedViews})");
        return new FastCnnTransformer(Host, Classifier, Settings with { TestTimeAugmentation = augmentedViews });
    }

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

    /// <summary>Frees the network's native memory once no model made by <see cref="WithTestTimeAugmentation"/> shares it.</summary>
    public void Dispose() => Classifier.RemoveOwner();
}
