using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using Microsoft.ML.Runtime;

namespace ML.FastCnn;

/// <summary>
/// Trains a TorchVision ResNet image classifier inside an ML.NET pipeline. Create it with
/// <see cref="FastCnn.Train(MLContext, FastCnnOptions)"/> or
/// <c>mlContext.MulticlassClassification.Trainers.FastCnn(options)</c>.
/// </summary>
public sealed class FastCnnEstimator : IEstimator<FastCnnTransformer>
{
    private readonly IHost _host;
    private readonly FastCnnOptions _options;

    internal FastCnnEstimator(IHostEnvironment env, FastCnnOptions options)
    {
        _host = env.Register(nameof(FastCnnEstimator));
        _host.CheckValue(options, nameof(options));
        CheckOptions(_host, options);
        _options = options;
    }

    private static void CheckOptions(IHost host, FastCnnOptions o)
    {
        host.CheckUserArg(!string.IsNullOrWhiteSpace(o.LabelColumnName), nameof(o.LabelColumnName), "must name the label column");
        host.CheckUserArg(!string.IsNullOrWhiteSpace(o.ImageColumnName), nameof(o.ImageColumnName), "must name the image column");
        host.CheckUserArg(!string.IsNullOrWhiteSpace(o.ScoreColumnName), nameof(o.ScoreColumnName), "must name the output column");
        host.CheckUserArg(!string.IsNullOrWhiteSpace(o.PredictedLabelColumnName), nameof(o.PredictedLabelColumnName), "must name the output column");
        host.CheckUserArg(Enum.IsDefined(o.Architecture), nameof(o.Architecture), $"must be ResNet18, ResNet34 or ResNet50 (was {o.Architecture})");
        host.CheckUserArg(o.ImageSize >= 16, nameof(o.ImageSize), $"must be 16 or more (was {o.ImageSize})");
        host.CheckUserArg(o.BatchSize >= 1, nameof(o.BatchSize), $"must be 1 or more (was {o.BatchSize})");
        host.CheckUserArg(o.ScoringBatchSize >= 1, nameof(o.ScoringBatchSize), $"must be 1 or more (was {o.ScoringBatchSize})");
        host.CheckUserArg(o.Epochs >= 1, nameof(o.Epochs), $"must be 1 or more (was {o.Epochs})");
        host.CheckUserArg(o.LearningRate > 0 && double.IsFinite(o.LearningRate), nameof(o.LearningRate), $"must be a positive number (was {o.LearningRate})");
        host.CheckUserArg(o.WeightDecay >= 0 && double.IsFinite(o.WeightDecay), nameof(o.WeightDecay), $"must be 0 or more (was {o.WeightDecay})");
    }

    /// <summary>Checks the input columns and returns the schema with Score and PredictedLabel added.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        _host.CheckValue(inputSchema, nameof(inputSchema));
        CheckImageColumn(inputSchema);
        var label = CheckLabelColumn(inputSchema);
        var columns = inputSchema.ToDictionary(c => c.Name);
        foreach (var output in ScoreColumnsSchema.MakeShape(label, _options.ScoreColumnName, _options.PredictedLabelColumnName))
            columns[output.Name] = output;
        return new SchemaShape(columns.Values);
    }

    private void CheckImageColumn(SchemaShape schema)
    {
        string name = _options.ImageColumnName;
        if (!schema.TryFindColumn(name, out var image))
            throw new ArgumentOutOfRangeException(nameof(schema),
                $"Image column '{name}' not found in the input. Load images with mlContext.Transforms.LoadImages(\"{name}\", imageFolder, \"ImagePath\") " +
                "or set FastCnnOptions.ImageColumnName to the name of your image column.");
        bool isImage = image.Kind == SchemaShape.Column.VectorKind.Scalar && image.ItemType is ImageDataViewType;
        bool isBytes = image.Kind != SchemaShape.Column.VectorKind.Scalar && image.ItemType == NumberDataViewType.Byte;
        if (!isImage && !isBytes)
            throw new ArgumentOutOfRangeException(nameof(schema),
                $"Image column '{name}' has type {image.ItemType}, but FastCnn needs an image (from LoadImages) " +
                "or encoded image bytes (from LoadRawImageBytes). Load the files with one of those.");
    }

    private SchemaShape.Column CheckLabelColumn(SchemaShape schema)
    {
        string name = _options.LabelColumnName;
        if (!schema.TryFindColumn(name, out var label))
            throw new ArgumentOutOfRangeException(nameof(schema),
                $"Label column '{name}' not found in the input. Set FastCnnOptions.LabelColumnName to the name of your label column.");
        if (!label.IsKey || label.Kind != SchemaShape.Column.VectorKind.Scalar)
            throw new ArgumentOutOfRangeException(nameof(schema),
                $"Label column '{name}' has type {label.ItemType}, but FastCnn needs a key type. " +
                $"Add mlContext.Transforms.Conversion.MapValueToKey(\"{name}\") before the trainer.");
        return label;
    }

    /// <summary>Trains the network on <paramref name="input"/>; checks everything it can before training starts.</summary>
    public FastCnnTransformer Fit(IDataView input)
    {
        _host.CheckValue(input, nameof(input));
        GetOutputSchema(SchemaShape.Create(input.Schema));
        var image = ImageColumn.Bind(input.Schema, _options.ImageColumnName, _options.ImagePathColumnName);
        var label = input.Schema[_options.LabelColumnName];
        var classNames = ClassNames(label);
        if (_options.ValidationSet is { } valid)
        {
            GetOutputSchema(SchemaShape.Create(valid.Schema));
            if (valid.Schema[_options.LabelColumnName].Type.GetKeyCount() != (ulong)classNames.Count)
                throw new ArgumentOutOfRangeException(nameof(FastCnnOptions.ValidationSet),
                    $"The validation set's label column '{_options.LabelColumnName}' has {valid.Schema[_options.LabelColumnName].Type.GetKeyCount()} keys, " +
                    $"the training data's has {classNames.Count}. Map both with the same fitted MapValueToKey transformer.");
        }

        using var channel = _host.Start("Training FastCnn");
        var device = DeviceSelector.Resolve(_options.Device);
        using var train = ReadImages(input, image, label, channel, "training data");
        using var validation = _options.ValidationSet is { } v
            ? ReadImages(v, ImageColumn.Bind(v.Schema, _options.ImageColumnName, _options.ImagePathColumnName), v.Schema[_options.LabelColumnName], channel, "validation set")
            : null;
        int distinct = train.Labels.Distinct().Count();
        if (distinct < 2)
            throw new ArgumentOutOfRangeException(nameof(input),
                $"Only one class found in the label column '{_options.LabelColumnName}' of the training data. " +
                "To build a multiclass classification model, the number of classes needs to be 2 or greater.");

        int seed = _options.Seed ?? _host.Rand.Next();
        var classifier = ImageClassifier.Create(_options.Architecture, _options.ImageSize, classNames, device, seed);
        channel.Info($"Training {_options.Architecture} on {train.Count} images of {classNames.Count} classes at {_options.ImageSize}px on {device.type}, " +
                     $"{_options.Epochs} epochs, batch {_options.BatchSize}, learning rate {_options.LearningRate:G3}.");
        new Learner(classifier, channel).Fit(train, validation, _options.Epochs, _options.BatchSize, _options.LearningRate, _options.WeightDecay, new Random(seed));
        return new FastCnnTransformer(_host, classifier, _options.ImageColumnName, _options.ImagePathColumnName,
            _options.ScoreColumnName, _options.PredictedLabelColumnName, _options.ScoringBatchSize);
    }

    private LabeledImageSet ReadImages(IDataView data, ImageColumn image, DataViewSchema.Column label, IChannel channel, string what)
    {
        var set = LabeledImageSet.Read(data, image, label, _options.ImageSize, _options.BadImages, channel);
        if (set.Skipped > 0)
            channel.Warning($"Skipped {set.Skipped} rows of the {what} whose image could not be read or whose label was missing.");
        if (set.Count == 0)
            throw new ArgumentOutOfRangeException(nameof(data),
                $"The {what} has no usable rows (read {set.Skipped} rows, all skipped). Check that the data view is not empty " +
                "and that the image paths are right.");
        return set;
    }

    /// <summary>The label's key values as text, in key order; "1", "2", … when the key has no text values.</summary>
    private List<string> ClassNames(DataViewSchema.Column label)
    {
        int count = (int)Math.Min(label.Type.GetKeyCount(), int.MaxValue);
        if (count < 2)
            throw new ArgumentOutOfRangeException(nameof(label),
                $"The label column '{label.Name}' has {count} class(es). To build a multiclass classification model, the number of classes needs to be 2 or greater.");
        if (label.HasKeyValues() && label.Annotations.Schema[AnnotationUtils.Kinds.KeyValues].Type is VectorDataViewType { ItemType: TextDataViewType })
        {
            VBuffer<ReadOnlyMemory<char>> values = default;
            label.GetKeyValues(ref values);
            return values.DenseValues().Select(v => v.ToString()).ToList();
        }
        return Enumerable.Range(1, count).Select(i => i.ToString()).ToList();
    }
}
