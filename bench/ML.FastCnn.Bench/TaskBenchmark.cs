using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using ML.FastCnn;
using Spectre.Console;

namespace ML.FastCnn.Bench;

/// <summary>
/// Issue 22's goals: multi-label (accuracy_multi) and regression (R²) on generated drawings (<see cref="DrawingSets"/>),
/// FastCnn's defaults (ResNet18, the offline ImageNet network) beside what an ML.NET user can do today — frozen
/// ResNet18 features (<c>DnnFeaturizeImage</c>, 224 px) plus one binary logistic regression per class, or an SDCA
/// regressor — on the same images, in the same process. Each set seed is a new set (new images, same recipe).
/// </summary>
internal static class TaskBenchmark
{
    /// <summary>Knobs for tuning runs; every null keeps FastCnn's default.</summary>
    public sealed record Overrides(int? ImageSize, int? Epochs, double? LearningRate, int? Seed, Augmentation? Augmentation, TrainingPrecision Precision, RegressionLoss Loss, double? HeadDropout, double TuningSplit = 0);

    /// <summary>
    /// The augmentation named on the command line: none, side-on (<see cref="Augmentation.SideOn"/>), side-on-no-warp, top-down
    /// (<see cref="Augmentation.TopDown"/>), size-keeping or its earlier name dihedral (<see cref="Augmentation.SizeKeeping"/>,
    /// regression's default) or quarter-turns (the same without lighting); null leaves the plan's choice.
    /// </summary>
    public static Augmentation? AugmentationNamed(string? name) => name switch
    {
        null => null,
        "none" => Augmentation.None,
        "side-on" => Augmentation.SideOn,
        "side-on-no-warp" => Augmentation.SideOn with { MaxWarp = 0 }, // the PyTorch script's set of transforms
        "top-down" => Augmentation.TopDown,
        "size-keeping" or "dihedral" => Augmentation.SizeKeeping,
        "quarter-turns" => Augmentation.SizeKeeping with { MaxLighting = 0 },
        _ => throw new CliException($"Unknown augmentation '{name}': use none, side-on, side-on-no-warp, top-down, size-keeping or quarter-turns."),
    };

    public static void Run(string task, int[] setSeeds, int trainCount, int validCount, int canvas, string styleName, Overrides overrides, bool skipBaseline, bool skipFastCnn)
    {
        var style = DrawingSets.Style.Named(styleName);
        AnsiConsole.MarkupLineInterpolated($"[bold]bench tasks[/] on {BenchMachine.Description}: {trainCount} training and {validCount} validation drawings of {canvas} px per set, {styleName} style ({style})");
        bool multi = task is "multilabel" or "both", regression = task is "regression" or "both";
        if (!multi && !regression)
            throw new CliException($"Unknown task '{task}': use multilabel, regression or both.");
        var root = Path.Combine(Path.GetTempPath(), "fastcnn-bench-tasks");
        var table = new Table().Border(TableBorder.Simple).Title("tasks: FastCnn defaults vs ML.NET's ResNet18 features + a linear model");
        foreach (var column in new[] { "task", "set seed", "metric", "ML.NET", "ML.NET time", "FastCnn", "FastCnn time", "also" })
            table.AddColumn(column);
        var results = new List<(string Task, double MLNet, double FastCnn)>();
        foreach (int seed in setSeeds)
        {
            if (multi)
            {
                var folder = Path.Combine(root, $"multilabel-{seed}-{canvas}{(styleName == "standard" ? "" : "-" + styleName)}");
                var train = DrawingSets.WriteMultiLabel(folder, "train", trainCount, canvas, seed * 1000 + 1, style);
                var valid = DrawingSets.WriteMultiLabel(folder, "valid", validCount, canvas, seed * 1000 + 2, style);
                Compare("multi-label", seed, "accuracy_multi", () => MultiLabelBaseline(train, valid, style.Shapes), () => MultiLabelFastCnn(train, valid, overrides));
            }
            if (regression)
            {
                var folder = Path.Combine(root, $"regression-{seed}-{canvas}{(styleName == "standard" ? "" : "-" + styleName)}");
                var train = DrawingSets.WriteRegression(folder, "train", trainCount, canvas, seed * 1000 + 3, style);
                var valid = DrawingSets.WriteRegression(folder, "valid", validCount, canvas, seed * 1000 + 4, style);
                Compare("regression", seed, "R²", () => RegressionBaseline(train, valid), () => RegressionFastCnn(train, valid, overrides));
            }
        }

        // ML.NET's route (unless skipped), then FastCnn, on one set: each printed as it ends, then a table row.
        void Compare(string name, int seed, string metric, Func<(double, TimeSpan)> mlnet, Func<(double, TimeSpan, string)> fastCnn)
        {
            var (baseline, baseTime) = skipBaseline ? (double.NaN, TimeSpan.Zero) : mlnet();
            Report(name, seed, metric, baseline, baseTime);
            var (fast, fastTime, also) = skipFastCnn ? (double.NaN, TimeSpan.Zero, "") : fastCnn();
            Report(name, seed, metric, fast, fastTime, "FastCnn ", also);
            table.AddRow(name, $"{seed}", metric, $"{baseline:F3}", $"{baseTime.TotalSeconds:F0} s", $"{fast:F3}", $"{fastTime.TotalSeconds:F0} s", also);
            results.Add((name, baseline, fast));
        }
        AnsiConsole.Write(table);
        foreach (var group in results.GroupBy(r => r.Task))
            AnsiConsole.MarkupLineInterpolated(
                $"{group.Key}: ML.NET mean {group.Average(r => r.MLNet):F3}, FastCnn mean {group.Average(r => r.FastCnn):F3} (min {group.Min(r => r.FastCnn):F3}, max {group.Max(r => r.FastCnn):F3}) over {group.Count()} sets");
    }

    private static void Report(string task, int seed, string metric, double value, TimeSpan time, string who = "ML.NET ", string also = "") =>
        AnsiConsole.MarkupLineInterpolated($"  {task} set {seed}: {who}{metric} {value:F3} in {time.TotalSeconds:F1} s{(also.Length > 0 ? $" ({also})" : "")}");

    /// <summary>One row of frozen features with the targets, for ML.NET's linear trainers.</summary>
    private sealed class FeatureRow
    {
        [VectorType(512)]
        public float[] Features { get; set; } = [];
        public bool Label { get; set; }
        public float Value { get; set; }
    }

    /// <summary>ResNet18 features (ML.NET's featurizer) of the training and validation images, in their order.</summary>
    private static (float[][] Train, float[][] Valid) Features(MLContext ml, IEnumerable<string> train, IEnumerable<string> valid)
    {
        IDataView Rows(IEnumerable<string> paths) => ml.Data.LoadFromEnumerable(paths.Select(p => new ImageFolderRow { ImagePath = p, Label = "" }));
        var featurizer = MLNetBaseline.Featurizer(ml).Fit(Rows([]));
        return ([.. featurizer.Transform(Rows(train)).GetColumn<float[]>("Features")], [.. featurizer.Transform(Rows(valid)).GetColumn<float[]>("Features")]);
    }

    /// <summary>ML.NET today: ResNet18 features, then one LbfgsLogisticRegression per class, each deciding at its default 0.5.</summary>
    private static (double AccuracyMulti, TimeSpan Time) MultiLabelBaseline(List<DrawingSets.MultiLabelRow> train, List<DrawingSets.MultiLabelRow> valid, string[] shapes)
    {
        var clock = Stopwatch.StartNew();
        var ml = new MLContext(seed: 1);
        var (trainFeatures, validFeatures) = Features(ml, train.Select(r => r.ImagePath), valid.Select(r => r.ImagePath));
        long right = 0;
        foreach (var shape in shapes)
        {
            var data = ml.Data.LoadFromEnumerable(train.Select((r, i) => new FeatureRow { Features = trainFeatures[i], Label = r.Labels.Contains(shape) }));
            var model = ml.BinaryClassification.Trainers.LbfgsLogisticRegression("Label", "Features").Fit(data);
            var predicted = model.Transform(ml.Data.LoadFromEnumerable(valid.Select((r, i) => new FeatureRow { Features = validFeatures[i], Label = r.Labels.Contains(shape) })))
                .GetColumn<bool>("PredictedLabel").ToArray();
            right += valid.Where((r, i) => predicted[i] == r.Labels.Contains(shape)).Count();
        }
        return (right / (double)(valid.Count * shapes.Length), clock.Elapsed);
    }

    /// <summary>ML.NET today: ResNet18 features, then an SDCA regressor.</summary>
    private static (double R2, TimeSpan Time) RegressionBaseline(List<DrawingSets.RegressionRow> train, List<DrawingSets.RegressionRow> valid)
    {
        var clock = Stopwatch.StartNew();
        var ml = new MLContext(seed: 1);
        var (trainFeatures, validFeatures) = Features(ml, train.Select(r => r.ImagePath), valid.Select(r => r.ImagePath));
        var model = ml.Regression.Trainers.Sdca("Value", "Features")
            .Fit(ml.Data.LoadFromEnumerable(train.Select((r, i) => new FeatureRow { Features = trainFeatures[i], Value = r.Label })));
        var scored = model.Transform(ml.Data.LoadFromEnumerable(valid.Select((r, i) => new FeatureRow { Features = validFeatures[i], Value = r.Label })));
        return (ml.Regression.Evaluate(scored, "Value", "Score").RSquared, clock.Elapsed);
    }

    private static FastCnnOptions Options(Overrides o)
    {
        var options = new FastCnnOptions
        {
            Learner = { Architecture = CnnArchitecture.ResNet18, ImageSize = o.ImageSize, Precision = o.Precision, Augmentation = o.Augmentation, RegressionLoss = o.Loss },
            Epochs = o.Epochs,
            LearningRate = o.LearningRate,
        };
        if (o.Seed is { } seed)
            options.Learner.Seed = seed;
        if (o.HeadDropout is { } ps)
            options.Learner.HeadDropout = ps;
        return options;
    }

    /// <summary>Prints FastCnn's plan, range test and epoch lines while it trains.</summary>
    private static MLContext Context()
    {
        var ml = new MLContext(seed: 1);
        ml.Log += (_, e) =>
        {
            if (e.Source.Contains("FastCnn", StringComparison.Ordinal) && (e.Message.Contains("Plan (", StringComparison.Ordinal) || e.Message.Contains("] epoch ", StringComparison.Ordinal) || e.Message.Contains("range test (", StringComparison.Ordinal)))
                Console.WriteLine("    " + e.Message[(e.Message.IndexOf(']') + 2)..]);
        };
        return ml;
    }

    /// <summary>The README's multi-label pipeline with default options: labels to keys, images, FastCnn.Train; thresholds 0.5 (no validation set given).</summary>
    private static (double AccuracyMulti, TimeSpan Time, string Also) MultiLabelFastCnn(List<DrawingSets.MultiLabelRow> train, List<DrawingSets.MultiLabelRow> valid, Overrides o)
    {
        if (o.TuningSplit > 0)
            return MultiLabelWithTuningSplit(train, valid, o);
        var clock = Stopwatch.StartNew();
        var ml = Context();
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label", "Labels")
            .Append(ml.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: "ImagePath"))
            .Append(FastCnn.Train(ml, Options(o)));
        var model = pipeline.Fit(ml.Data.LoadFromEnumerable(train));
        var validData = ml.Data.LoadFromEnumerable(valid);
        var metrics = FastCnn.EvaluateMultiLabel(model.Transform(validData));
        var time = clock.Elapsed;
        var tta = WithFourViews(model, validData, scored => FastCnn.EvaluateMultiLabel(scored));
        (model as IDisposable)?.Dispose();
        return (metrics.AccuracyMulti, time, $"macro F1 {metrics.MacroF1:F3}, mAP {metrics.MeanAveragePrecision:F3}; TTA 4: {tta.AccuracyMulti:F3}");
    }

    /// <summary>
    /// Multi-label with the last <see cref="Overrides.TuningSplit"/> of the training images held out as the learner's validation
    /// set: per-class thresholds tuned on it (for each class's best F1) and the best phase kept; scored with those thresholds
    /// and, for comparison, with 0.5.
    /// </summary>
    private static (double AccuracyMulti, TimeSpan Time, string Also) MultiLabelWithTuningSplit(List<DrawingSets.MultiLabelRow> train, List<DrawingSets.MultiLabelRow> valid, Overrides o)
    {
        var clock = Stopwatch.StartNew();
        var ml = Context();
        int held = (int)Math.Round(train.Count * o.TuningSplit);
        var fitRows = ml.Data.LoadFromEnumerable(train.Take(train.Count - held));
        var preprocessing = ml.Transforms.Conversion.MapValueToKey("Label", "Labels")
            .Append(ml.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: "ImagePath"))
            .Fit(ml.Data.LoadFromEnumerable(train));
        var options = Options(o);
        options.Learner.ValidationSet = preprocessing.Transform(ml.Data.LoadFromEnumerable(train.Skip(train.Count - held)));
        using var network = FastCnn.Train(ml, options).Fit(preprocessing.Transform(fitRows));
        var test = preprocessing.Transform(ml.Data.LoadFromEnumerable(valid));
        var metrics = FastCnn.EvaluateMultiLabel(network.Transform(test));
        var time = clock.Elapsed;
        using var atHalf = network.WithThresholds(0.5f);
        var half = FastCnn.EvaluateMultiLabel(atHalf.Transform(test));
        return (metrics.AccuracyMulti, time, $"tuned on {held}: macro F1 {metrics.MacroF1:F3}; at 0.5: accuracy_multi {half.AccuracyMulti:F3}, macro F1 {half.MacroF1:F3}; " +
            $"thresholds {string.Join(" ", network.Thresholds.Select(t => t.ToString("F2", System.Globalization.CultureInfo.InvariantCulture)))}");
    }

    /// <summary>
    /// The same network with 4 augmented views per image averaged (test-time augmentation), scored on <paramref name="valid"/>
    /// and evaluated, for comparison with the plain scores.
    /// </summary>
    private static T WithFourViews<T>(TransformerChain<FastCnnTransformer> model, IDataView valid, Func<IDataView, T> evaluate)
    {
        using var augmented = model.LastTransformer.WithTestTimeAugmentation(4);
        var preprocessed = new TransformerChain<ITransformer>([.. model.Take(model.Count() - 1)]).Transform(valid);
        return evaluate(augmented.Transform(preprocessed));
    }

    /// <summary>The README's regression pipeline with default options: a Single label, images, FastCnn.Train; ML.NET's Regression.Evaluate.</summary>
    private static (double R2, TimeSpan Time, string Also) RegressionFastCnn(List<DrawingSets.RegressionRow> train, List<DrawingSets.RegressionRow> valid, Overrides o)
    {
        var clock = Stopwatch.StartNew();
        var ml = Context();
        var pipeline = ml.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: "ImagePath")
            .Append(FastCnn.Train(ml, Options(o)));
        var model = pipeline.Fit(ml.Data.LoadFromEnumerable(train));
        var validData = ml.Data.LoadFromEnumerable(valid);
        var metrics = ml.Regression.Evaluate(model.Transform(validData));
        var time = clock.Elapsed;
        var tta = WithFourViews(model, validData, scored => ml.Regression.Evaluate(scored));
        (model as IDisposable)?.Dispose();
        return (metrics.RSquared, time, $"MAE {metrics.MeanAbsoluteError:F3}, RMSE {metrics.RootMeanSquaredError:F3}; TTA 4: R² {tta.RSquared:F3}");
    }
}
