using System.Security.Cryptography;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using ML.FastCnn;

[assembly: LoadableClass(typeof(FastCnnTransformer), typeof(FastCnnModelFormat), null, typeof(SignatureLoadModel),
    "FastCnn image classifier", FastCnnModelFormat.LoaderSignature)]

namespace ML.FastCnn;

/// <summary>
/// Saves a trained model (<see cref="ScoringModel"/>) into ML.NET's model zip and loads it back through
/// ML.NET's component catalog, so a plain <c>mlContext.Model.Load</c> restores it in any process.
/// </summary>
internal static class FastCnnModelFormat
{
    public const string LoaderSignature = "FastCnnTransformer";
    private const string WeightsStream = "FastCnnWeights";

    // The header names this assembly, so ML.NET loads and registers it by itself on Model.Load.
    private static VersionInfo GetVersionInfo() => new(
        modelSignature: "FASTCNN ",
        verWrittenCur: 0x00010008, // 1.2: blocks per stage; 1.3: prefetch, test-time augmentation; 1.4: head kind; 1.5: weights checksum; 1.6: resize method; 1.7: task;
                                   // 1.8: input normalisation, custom backbone
        verReadableCur: 0x00010008,
        verWeCanReadBack: 0x00010001,
        loaderAssemblyName: typeof(FastCnnTransformer).Assembly.FullName!,
        loaderSignature: LoaderSignature);

    // *** Binary format ***
    // int:     architecture (CnnArchitecture value; with a custom backbone, FastCnn's default, unused)
    // int:     image size
    // int:     scoring batch size
    // string:  image column name
    // string?: image path column name
    // string:  score column name
    // string:  predicted label column name (multi-label: the predicted labels column)
    // int:     number of outputs (K): classes, or values for regression
    // string:  class (value) name, K times
    // int:     number of stages with a custom block count (0 = TorchVision's layout), then one int each (since 1.2)
    // int:     prefetch batches; int: test-time augmented views; int: seed (since 1.3)
    // bool, bool, double × 6: the test-time augmentation (FlipHorizontal, Dihedral, MaxRotation, MaxZoom,
    //          MinScale, MaxLighting, AffineProbability, LightingProbability) (since 1.3)
    // int:     classifier head (ClassifierHead value; before 1.4: Linear) (since 1.4)
    // long, byte[32]: length and SHA-256 of the weights stream, checked before libtorch reads it (since 1.5)
    // int:     resize method (ResizeMethod value; before 1.6: Squish) (since 1.6)
    // int:     task (ImageTask value; before 1.7: SingleLabel) (since 1.7), then
    //          multi-label: float × K, the thresholds; regression: float × K offsets, float × K scales, bool sigmoid
    // float × 3, float × 3: the input normalisation's mean and std per RGB channel (before 1.8: ImageNet's) (since 1.8)
    // string?: the custom backbone's name (null: the architecture above); then, when set, bool: it has its own head (since 1.8)
    // stream "FastCnnWeights": the network's parameters and buffers (TorchSharp format)
    public static void Save(ModelSaveContext ctx, ScoringModel model)
    {
        ctx.CheckAtModel();
        ctx.SetVersionInfo(GetVersionInfo());
        var (classifier, settings, _) = model;
        ctx.Writer.Write((int)classifier.Architecture);
        ctx.Writer.Write(classifier.ImageSize);
        ctx.Writer.Write(settings.ScoringBatchSize);
        ctx.SaveNonEmptyString(settings.ImageColumnName);
        ctx.SaveStringOrNull(settings.ImagePathColumnName);
        ctx.SaveNonEmptyString(settings.ScoreColumnName);
        ctx.SaveNonEmptyString(settings.PredictedLabelColumnName);
        ctx.Writer.Write(classifier.ClassNames.Count);
        foreach (var name in classifier.ClassNames)
            ctx.SaveString(name);
        var blocks = classifier.Blocks ?? [];
        ctx.Writer.Write(blocks.Count);
        foreach (var count in blocks)
            ctx.Writer.Write(count);
        ctx.Writer.Write(settings.PrefetchBatches);
        ctx.Writer.Write(settings.TestTimeAugmentation);
        ctx.Writer.Write(settings.Seed);
        var a = settings.TestTimeAugmentationKind;
        ctx.Writer.Write(a.FlipHorizontal);
        ctx.Writer.Write(a.Dihedral);
        foreach (var value in new[] { a.MaxRotation, a.MaxZoom, a.MinScale, a.MaxLighting, a.AffineProbability, a.LightingProbability })
            ctx.Writer.Write(value);
        ctx.Writer.Write((int)classifier.Head);
        using var weights = new MemoryStream();
        using (var writer = new BinaryWriter(weights, System.Text.Encoding.UTF8, leaveOpen: true))
            classifier.SaveWeights(writer);
        ctx.Writer.Write(weights.Length);
        ctx.Writer.Write(SHA256.HashData(weights.GetBuffer().AsSpan(0, (int)weights.Length)));
        ctx.Writer.Write((int)settings.Resize);
        WriteTask(ctx.Writer, classifier.Task, settings.Thresholds);
        foreach (var value in classifier.Normalization.Mean.Concat(classifier.Normalization.Std))
            ctx.Writer.Write(value);
        ctx.SaveStringOrNull(classifier.Custom?.Name);
        if (classifier.Custom is not null)
            ctx.Writer.Write(classifier.Network.HasCustomHead);
        ctx.SaveBinaryStream(WeightsStream, writer => writer.Write(weights.GetBuffer(), 0, (int)weights.Length));
    }

    // Found by ML.NET's component catalog through the LoadableClass attribute above.
    private static FastCnnTransformer Create(IHostEnvironment env, ModelLoadContext ctx)
    {
        ctx.CheckAtModel(GetVersionInfo());
        var architecture = (CnnArchitecture)ctx.Reader.ReadInt32();
        env.CheckDecode(Enum.IsDefined(architecture), "Unknown architecture in the FastCnn model (saved by a newer ML.FastCnn?).");
        int imageSize = ctx.Reader.ReadInt32();
        int scoringBatchSize = ctx.Reader.ReadInt32();
        env.CheckDecode(imageSize > 0 && scoringBatchSize > 0, "Bad image or batch size in the FastCnn model.");
        string imageColumn = ctx.LoadNonEmptyString();
        string? pathColumn = ctx.LoadStringOrNull();
        string scoreColumn = ctx.LoadNonEmptyString();
        string predictedColumn = ctx.LoadNonEmptyString();
        int classCount = ctx.Reader.ReadInt32();
        env.CheckDecode(classCount >= 1, "A FastCnn model needs one or more outputs.");
        var classNames = Enumerable.Range(0, classCount).Select(_ => ctx.LoadString()).ToArray();
        int[]? blocks = null;
        if (ctx.Header.ModelVerWritten >= 0x00010002)
        {
            int stages = ctx.Reader.ReadInt32();
            env.CheckDecode(stages is 0 or 4, "Bad block layout in the FastCnn model.");
            blocks = stages == 0 ? null : Enumerable.Range(0, stages).Select(_ => ctx.Reader.ReadInt32()).ToArray();
            env.CheckDecode(blocks is null || blocks.All(b => b is > 0 and < 100), "Bad block layout in the FastCnn model.");
        }
        int prefetch = 2, views = 0, seed = 0;
        var augmentation = Augmentation.SideOn;
        if (ctx.Header.ModelVerWritten >= 0x00010003)
        {
            prefetch = ctx.Reader.ReadInt32();
            views = ctx.Reader.ReadInt32();
            seed = ctx.Reader.ReadInt32();
            augmentation = new Augmentation
            {
                FlipHorizontal = ctx.Reader.ReadBoolean(),
                Dihedral = ctx.Reader.ReadBoolean(),
                MaxRotation = ctx.Reader.ReadDouble(),
                MaxZoom = ctx.Reader.ReadDouble(),
                MinScale = ctx.Reader.ReadDouble(),
                MaxLighting = ctx.Reader.ReadDouble(),
                AffineProbability = ctx.Reader.ReadDouble(),
                LightingProbability = ctx.Reader.ReadDouble(),
            };
            env.CheckDecode(prefetch >= 1 && views >= 0, "Bad scoring settings in the FastCnn model.");
            try
            {
                augmentation.Check();
            }
            catch (ArgumentOutOfRangeException e)
            {
                throw env.ExceptDecode(e, "Bad test-time augmentation in the FastCnn model.");
            }
        }

        var head = ClassifierHead.Linear;
        if (ctx.Header.ModelVerWritten >= 0x00010004)
        {
            head = (ClassifierHead)ctx.Reader.ReadInt32();
            env.CheckDecode(Enum.IsDefined(head), "Unknown classifier head in the FastCnn model.");
        }

        (long Length, byte[] Hash)? checksum = null;
        if (ctx.Header.ModelVerWritten >= 0x00010005)
            checksum = (ctx.Reader.ReadInt64(), ctx.Reader.ReadBytes(32));

        var resize = ResizeMethod.Squish;
        if (ctx.Header.ModelVerWritten >= 0x00010006)
        {
            resize = (ResizeMethod)ctx.Reader.ReadInt32();
            env.CheckDecode(Enum.IsDefined(resize), "Unknown resize method in the FastCnn model.");
        }

        (TaskDefinition task, float[] thresholds) = (new SingleLabelTask(classNames), []);
        if (ctx.Header.ModelVerWritten >= 0x00010007)
            (task, thresholds) = ReadTask(env, ctx.Reader, classNames);
        env.CheckDecode(task.Kind != ImageTask.SingleLabel || classCount >= 2, "A FastCnn classifier needs two or more classes.");

        var normalization = InputNormalization.ImageNet;
        CustomBackbone? custom = null;
        if (ctx.Header.ModelVerWritten >= 0x00010008)
        {
            var values = Enumerable.Range(0, 6).Select(_ => ctx.Reader.ReadSingle()).ToArray();
            env.CheckDecode(values.All(float.IsFinite) && values[3..].All(s => s > 0), "Bad input normalisation in the FastCnn model.");
            normalization = new InputNormalization(values[..3], values[3..]);
            if (ctx.LoadStringOrNull() is { } name)
                custom = RegisteredBackbone(name, ownHead: ctx.Reader.ReadBoolean());
        }

        ImageClassifier? classifier = null;
        // The loading context's GpuDeviceId picks the GPU (FallbackToCpu: the CPU when there is none), as for training.
        var log = new MLNetLog(env, "FastCnnScoring");
        var device = DeviceSelector.Resolve(ComputeDevice.Auto, MLNetSession.GpuOf(env), log.Warning);
        bool found;
        try
        {
            found = ctx.TryLoadBinaryStream(WeightsStream, reader => classifier = LoadWeights(reader, checksum,
                weights => LoadNetwork(custom, () => ImageClassifier.Load(architecture, head, blocks, imageSize, task, weights, device, custom, normalization))));
        }
        catch (Exception e) when (e is InvalidDataException or IOException or ArgumentException or FormatException or NotSupportedException or InvalidOperationException
            && e is not CustomBackboneMismatchException)
        {
            throw env.ExceptDecode(e, $"the network's weights (entry '{WeightsStream}') are damaged: {e.Message.TrimEnd('.')}. Save the model again, or copy the file again in full.");
        }
        if (!found || classifier is null)
            throw env.ExceptDecode($"the model has no '{WeightsStream}' entry: the file is incomplete. Save the model again.");
        var settings = new ScoringSettings(imageColumn, pathColumn, scoreColumn, predictedColumn, scoringBatchSize, prefetch, views, augmentation.ForTestTime, seed, resize) { Thresholds = thresholds };
        return new FastCnnTransformer(new ScoringModel(classifier, settings, log));
    }

    private static void WriteTask(BinaryWriter writer, TaskDefinition task, IReadOnlyList<float> thresholds)
    {
        writer.Write((int)task.Kind);
        switch (task)
        {
            case MultiLabelTask:
                foreach (float threshold in thresholds)
                    writer.Write(threshold);
                break;
            case RegressionTask regression:
                foreach (float value in regression.Offset.Concat(regression.Scale))
                    writer.Write(value);
                writer.Write(regression.Sigmoid);
                break;
        }
    }

    private static (TaskDefinition Task, float[] Thresholds) ReadTask(IHostEnvironment env, BinaryReader reader, string[] names)
    {
        var kind = (ImageTask)reader.ReadInt32();
        float[] Floats() => Enumerable.Range(0, names.Length).Select(_ => reader.ReadSingle()).ToArray();
        switch (kind)
        {
            case ImageTask.SingleLabel:
                return (new SingleLabelTask(names), []);
            case ImageTask.MultiLabel:
                var thresholds = Floats();
                env.CheckDecode(thresholds.All(t => t is > 0 and < 1), "Bad multi-label thresholds in the FastCnn model.");
                return (new MultiLabelTask(names), thresholds);
            case ImageTask.Regression:
                var (offset, scale) = (Floats(), Floats());
                env.CheckDecode(offset.All(float.IsFinite) && scale.All(s => float.IsFinite(s) && s > 0), "Bad regression scaling in the FastCnn model.");
                return (new RegressionTask(names, offset, scale, reader.ReadBoolean(), RegressionLoss.MeanSquaredError), []);
            default:
                throw env.ExceptDecode("Unknown task in the FastCnn model (saved by a newer ML.FastCnn?).");
        }
    }

    /// <summary>
    /// The definition registered for the custom backbone <paramref name="name"/>, which must have a head of its own exactly when the
    /// model does: the file records the name, the application provides the code (<see cref="FastCnn.RegisterBackbone"/>).
    /// </summary>
    private static CustomBackbone RegisteredBackbone(string name, bool ownHead)
    {
        var custom = CustomBackboneRegistry.Find(name) ?? throw new CustomBackboneMismatchException(
            $"This model was trained with the custom backbone '{name}', which this process does not know: call FastCnn.RegisterBackbone " +
            "with the same CustomBackbone definition before loading the model.");
        if ((custom.CreateHead is not null) != ownHead)
            throw new CustomBackboneMismatchException(
                $"This model was trained with the custom backbone '{name}' {(ownHead ? "with" : "without")} a head of its own, but the definition registered " +
                $"under that name has {(ownHead ? "no CreateHead" : "a CreateHead")}: register the definition the model was trained with.");
        return custom;
    }

    /// <summary>
    /// Runs <paramref name="load"/>. The weights passed their checksum by then, so a custom backbone's network that does not take them
    /// means the registered definition is not the one the model was trained with: said so, not called damage.
    /// </summary>
    private static ImageClassifier LoadNetwork(CustomBackbone? custom, Func<ImageClassifier> load)
    {
        try
        {
            return load();
        }
        catch (Exception e) when (custom is not null && e is not (OutOfMemoryException or CustomBackboneMismatchException))
        {
            throw new CustomBackboneMismatchException(
                $"This model's weights do not fit the {custom} registered in this process ({e.Message.TrimEnd('.')}): register the definition the " +
                "model was trained with (same body, FeatureWidth and head), or give a changed body a new name and train it again.", e);
        }
    }

    /// <summary>
    /// Reads the weights stream whole and, when the model stores a checksum (1.5), compares it before
    /// libtorch sees a byte: damaged weights must not load as a silently different network.
    /// </summary>
    private static ImageClassifier LoadWeights(BinaryReader reader, (long Length, byte[] Hash)? checksum, Func<BinaryReader, ImageClassifier> load)
    {
        using var weights = new MemoryStream();
        reader.BaseStream.CopyTo(weights);
        if (checksum is { } expected)
        {
            if (weights.Length != expected.Length)
                throw new InvalidDataException($"{weights.Length} of {expected.Length} bytes");
            if (!SHA256.HashData(weights.GetBuffer().AsSpan(0, (int)weights.Length)).AsSpan().SequenceEqual(expected.Hash))
                throw new InvalidDataException("their checksum does not match");
        }
        weights.Position = 0;
        using var weightsReader = new BinaryReader(weights);
        return load(weightsReader);
    }

    /// <summary>A model that needs a custom backbone this process does not have as it was: not damage, so not reported as such.</summary>
    private sealed class CustomBackboneMismatchException(string message, Exception? inner = null) : InvalidOperationException(message, inner);
}
