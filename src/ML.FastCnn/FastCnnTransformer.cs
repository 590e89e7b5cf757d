using System.ComponentModel;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace ML.FastCnn;

/// <summary>
/// A trained FastCnn image model. A classifier adds <c>Score</c> (class probabilities, slot names = class
/// names) and <c>PredictedLabel</c> (key of the most probable class) to its input; a multi-label model <c>Score</c>
/// (each class's probability) and <c>PredictedLabels</c> (the keys of the classes above their <see cref="Thresholds"/>);
/// a regression model <c>Score</c> (the predicted value, or values). It scores images in batches prepared on background threads; <c>mlContext.Model.Save</c> stores the network
/// inside the model <c>.zip</c>.
/// </summary>
public sealed partial class FastCnnTransformer : ITransformer, IDisposable
{
    private readonly ScoringModel _model;
    private IDisposable? _lease;

    internal FastCnnTransformer(ScoringModel model)
    {
        _model = model;
        _lease = model.Classifier.Lease();
    }

    /// <summary>The model, for scoring and saving; throws once this transformer is disposed.</summary>
    private ScoringModel Model => _lease is null ? throw new ObjectDisposedException(nameof(FastCnnTransformer),
        "This FastCnnTransformer was disposed (a PredictionEngine disposes the model it owns: create it with OwnsTransformer = false to share one).") : _model;

    private ScoringSettings Settings => _model.Settings;

    /// <summary>The network (Grad-CAM, tests); throws once this transformer is disposed. What the model is stays readable after Dispose.</summary>
    internal ImageClassifier Classifier => Model.Classifier;

    /// <summary>The network's architecture; for a custom backbone (<see cref="CustomBackboneName"/>), FastCnn's default, which the model file records in its place.</summary>
    public CnnArchitecture Architecture => _model.Classifier.Architecture;

    /// <summary>
    /// The name of the <see cref="CustomBackbone"/> the network was built on, or <see langword="null"/> for a built-in
    /// <see cref="Architecture"/>. A process that loads the saved model must first register that definition (<see cref="FastCnn.RegisterBackbone"/>).
    /// </summary>
    public string? CustomBackboneName => _model.Classifier.Custom?.Name;

    /// <summary>
    /// The network as it really is: the architecture, and the blocks per stage where they differ from
    /// TorchVision's (ML.NET's ImageNet ResNet18 has 2-2-2-3).
    /// </summary>
    public string NetworkDescription => _model.Classifier.Description;

    /// <summary>Side in pixels of the square images the network sees.</summary>
    public int ImageSize => _model.Classifier.ImageSize;

    /// <summary>The class names, in the order of the Score slots (the label's key order); for regression, the values' names.</summary>
    public IReadOnlyList<string> ClassNames => _model.Classifier.ClassNames;

    /// <summary>What the model predicts: <see cref="ImageTask.SingleLabel"/>, <see cref="ImageTask.MultiLabel"/> or <see cref="ImageTask.Regression"/>.</summary>
    public ImageTask Task => _model.Classifier.Task.Kind;

    /// <summary>
    /// A multi-label model's thresholds, one per class in <see cref="ClassNames"/> order: a class is predicted when its
    /// probability is above its threshold (tuned on the validation set unless <see cref="Options.Threshold"/> was set).
    /// Empty for other tasks.
    /// </summary>
    public IReadOnlyList<float> Thresholds => Settings.Thresholds;

    /// <summary>The same multi-label model (sharing its network) predicting a class when its probability is above <paramref name="threshold"/>, for every class.</summary>
    /// <exception cref="InvalidOperationException">The model is not multi-label.</exception>
    public FastCnnTransformer WithThresholds(float threshold) => WithThresholds(Enumerable.Repeat(threshold, ClassNames.Count).ToArray());

    /// <summary>The same multi-label model (sharing its network) with one threshold per class, in <see cref="ClassNames"/> order.</summary>
    /// <exception cref="InvalidOperationException">The model is not multi-label.</exception>
    public FastCnnTransformer WithThresholds(IReadOnlyList<float> thresholds)
    {
        ArgumentNullException.ThrowIfNull(thresholds);
        if (Task != ImageTask.MultiLabel)
            throw new InvalidOperationException($"Thresholds belong to multi-label models; this one is {Task}.");
        Checks.UserArg(thresholds.Count == ClassNames.Count, nameof(thresholds), $"must have one threshold per class ({ClassNames.Count}; was {thresholds.Count})");
        Checks.UserArg(thresholds.All(t => t is > 0 and < 1), nameof(thresholds), "must each be in (0, 1)");
        return new FastCnnTransformer(Model with { Settings = Settings with { Thresholds = [.. thresholds] } });
    }

    /// <summary>Name of the image input column.</summary>
    public string ImageColumnName => Settings.ImageColumnName;

    /// <summary>Name of the optional image-path column used in error messages.</summary>
    public string? ImagePathColumnName => Settings.ImagePathColumnName;

    /// <summary>Name of the output column of class probabilities.</summary>
    public string ScoreColumnName => Settings.ScoreColumnName;

    /// <summary>Name of the output column with the predicted class key (multi-label: the predicted class keys); unused by regression.</summary>
    public string PredictedLabelColumnName => Settings.PredictedLabelColumnName;

    /// <summary>Images per forward pass in <see cref="Transform"/>.</summary>
    public int ScoringBatchSize => Settings.ScoringBatchSize;

    /// <summary>Augmented views averaged with each image (test-time augmentation); 0 when off.</summary>
    public int TestTimeAugmentation => Settings.TestTimeAugmentation;

    /// <summary>How images are made square before scoring (<see cref="FastCnnLearner.Options.Resize"/> at training; crops centred). Models saved before format 1.6 squish.</summary>
    public ResizeMethod Resize => Settings.Resize;

    /// <summary>The same network scoring with another resize method (for comparisons; the model's own method is <see cref="Resize"/>).</summary>
    internal FastCnnTransformer WithResize(ResizeMethod resize) => new(Model with { Settings = Settings with { Resize = resize } });

    /// <summary>
    /// The same model (sharing its network) scoring each image together with
    /// <paramref name="augmentedViews"/> augmented views, probabilities averaged (fast.ai's
    /// <c>TTA</c> uses 4); 0 turns test-time augmentation off.
    /// </summary>
    public FastCnnTransformer WithTestTimeAugmentation(int augmentedViews)
    {
        Checks.UserArg(augmentedViews >= 0, nameof(augmentedViews), $"must be 0 or more (was {augmentedViews})");
        return new FastCnnTransformer(Model with { Settings = Settings with { TestTimeAugmentation = augmentedViews } });
    }

    /// <summary>
    /// The engine that runs the network when this model scores (<see cref="Options.Engine"/> as resolved on
    /// this machine). Runs the engines' self-check first if scoring has not started yet; an engine that
    /// failed it is never the answer.
    /// </summary>
    public ScoringEngine ScoringEngine => Model.Classifier.EngineFor(Settings.Engine, Model.Log);

    /// <summary>
    /// The same model (sharing its network) scoring with <paramref name="engine"/>, checked against the
    /// network's own forward before its first use like every engine (see <see cref="Options.Engine"/>).
    /// </summary>
    public FastCnnTransformer WithScoringEngine(ScoringEngine engine)
    {
        Checks.UserArg(Enum.IsDefined(engine), nameof(engine), $"must be Auto, Reference, TorchSharp or OnnxRuntime (was {(int)engine})");
        return new FastCnnTransformer(Model with { Settings = Settings with { Engine = engine } });
    }

    /// <summary>
    /// Writes the network as an ONNX model any runtime can score (ONNX Runtime, ML.NET's
    /// <c>ApplyOnnxModel</c>, Triton…), without TorchSharp. Input <c>image</c>: float32 [N, 3, S, S]
    /// (<see cref="ImageSize"/>), RGB planes, pixel values 0–255 — what ML.NET's
    /// <c>ResizeImages(S, S)</c> → <c>ExtractPixels(interleavePixelColors: false)</c> makes (IsoCrop and IsoPad
    /// resample with FastCnn's filter). Pick the ResizeImages kind that matches <see cref="Resize"/>: Crop ↔
    /// <c>IsoCrop</c>; Pad ↔ <c>IsoPad</c> (ML.NET pads with black, FastCnn reflects the image, so the edges
    /// differ); Squish: <c>IsoCrop</c> for square images (ML.NET's only squishing kind, <c>Fill</c>, resamples nearest-neighbour).
    /// Output <c>probabilities</c>: float32 [N, classes], softmax, in <see cref="ClassNames"/> order (multi-label: one sigmoid per
    /// class; regression: output <c>values</c>, float32 [N, values], in the targets' units); the model's metadata holds <c>task</c>,
    /// <c>classes</c> (a JSON array), <c>image_size</c> and, for multi-label, <c>thresholds</c>. BatchNorm is folded
    /// into the convolutions; test-time augmentation is not exported (the plain forward is). A custom backbone's
    /// normalisation is inside the graph; its layers must be ones the export knows.
    /// </summary>
    /// <param name="path">The .onnx file to write; written completely or not at all.</param>
    /// <exception cref="NotSupportedException">A custom backbone has a layer (or a head of its own) the export does not know; the message names it.</exception>
    public void ExportOnnx(string path)
    {
        Checks.UserArg(!string.IsNullOrWhiteSpace(path), nameof(path), "must name the .onnx file to write");
        AtomicFile.Write(path, stream => OnnxExporter.Write(Model.Classifier, stream, thresholds: Settings.Thresholds));
    }

    /// <summary>Writes the ONNX model (see <see cref="ExportOnnx(string)"/>) to <paramref name="stream"/>.</summary>
    /// <param name="stream">A writable stream; left open.</param>
    public void ExportOnnx(Stream stream)
    {
        Checks.UserArg(stream is { CanWrite: true }, nameof(stream), "must be a writable stream");
        OnnxExporter.Write(Model.Classifier, stream, thresholds: Settings.Thresholds);
    }

    /// <inheritdoc />
    public bool IsRowToRowMapper => true;

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => new ScoringBinding(Model, inputSchema).OutputSchema;

    /// <summary>Scores <paramref name="input"/> lazily, <see cref="ScoringBatchSize"/> images per forward pass.</summary>
    public IDataView Transform(IDataView input) => new BatchScoringDataView(input, new ScoringBinding(Model, input.Schema));

    /// <inheritdoc />
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => new SingleRowMapper(new ScoringBinding(Model, inputSchema));

    /// <summary>Used by <c>mlContext.Model.Save</c>; stores the network inside the model file.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    void ICanSaveModel.Save(ModelSaveContext ctx) => FastCnnModelFormat.Save(ctx, Model);

    /// <summary>
    /// Frees the network's native memory once no other transformer shares it (see
    /// <see cref="WithTestTimeAugmentation"/>). Calling it again does nothing.
    /// </summary>
    public void Dispose() => Interlocked.Exchange(ref _lease, null)?.Dispose();

    /// <summary>The network, its input size and what it predicts, e.g. "ResNet34, 224 px, 10 classes".</summary>
    public override string ToString() => $"{NetworkDescription}, {ImageSize} px, {_model.Classifier.Task.Description["for ".Length..]}";
}
