using Microsoft.ML;
using Microsoft.ML.Data;
using ML.FastCnn;
using Spectre.Console;

namespace ML.FastCnn.Samples;

/// <summary>
/// The main job: fast.ai's lesson 1 (v0.7) on a folder dataset — from the offline ImageNet ResNet18,
/// the range test, then the learner's <see cref="FastCnnLearner.Lesson1"/> recipe (the head on stored
/// activations, then unfreeze with augmentation and kept BatchNorm statistics, discriminative SGDR),
/// test-time augmentation, evaluation, save, reload and predict.
/// </summary>
internal static class Lesson1
{
    public static void Run(string dataFolder, string outputFolder)
    {
        outputFolder = Path.GetFullPath(outputFolder);
        Directory.CreateDirectory(outputFolder);
        var ml = CliContext.Create();
        TrainingLog.Attach(ml);
        var data = ml.Data.LoadImageFolder(CliErrors.ExistingFolder(dataFolder, "Data folder"));
        AnsiConsole.MarkupLineInterpolated($"Data: {dataFolder}: {data.TrainFiles.Count} training and {data.ValidationFiles.Count} validation images of {data.ClassNames.Count} classes");

        var preprocessing = SampleData.Preprocessing(ml).Fit(data.Train);
        var table = new EpochTable(); // also a callback: a heading for each fit
        var recorder = new Recorder(); // history.csv, training_curves.png, the report's epoch table
        var options = new FastCnnLearner.Options
        {
            Architecture = CnnArchitecture.ResNet18,  // ImageNet weights from ML.NET's package: no download
            ImageSize = 64,
            PrecomputeActivations = true,                // fast.ai v0.7: the head first, on stored activations
            ValidationSet = data.Validation is { } v ? preprocessing.Transform(v) : null,
            Progress = table,
            BatchProgress = table,
            PhaseProgress = table,
            Callbacks = { recorder, table },
        };
        using var learner = FastCnnLearner.Create(ml, preprocessing.Transform(data.Train), options);

        LearningRateFinderResult rangeTest = null!;
        AnsiConsole.Status().Start("Learning-rate range test on stored activations…", _ => rangeTest = learner.FindLearningRate());
        double lr = rangeTest.Suggest(LearningRateSuggestion.Valley);
        rangeTest.SavePlot(Path.Combine(outputFolder, "lr_find.png"));
        rangeTest.SaveCsv(Path.Combine(outputFolder, "lr_find.csv"));
        AnsiConsole.MarkupLineInterpolated(
            $"Range test: valley {lr:G3}, steep {rangeTest.Suggest(LearningRateSuggestion.Steep):G3}, minimum/10 {rangeTest.Suggest(LearningRateSuggestion.MinimumDividedBy10):G3} (plot: lr_find.png)");

        // The plan (logged when the learner was made) with the range test's rate: the recipe runs no test of its own.
        var plan = learner.Plan with { LearningRate = lr };
        table.Headings(
            $"Frozen backbone, head on stored activations: one cycle of {plan.FreezeEpochs} epochs at {lr:G3}",
            $"All layers with augmentation: SGDR, cycle_len 1, cycle_mult 2, learning rates {lr / 200:G3}..{lr / 2:G3}");
        learner.Lesson1(plan);

        using var fastCnn = learner.ToTransformer();
        var scoring = preprocessing.Append(fastCnn);
        var model = scoring.Append(ml.Transforms.Conversion.MapKeyToValue("PredictedClass", "PredictedLabel").Fit(scoring.Transform(data.Train)));
        var valid = data.Validation ?? data.Train;
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(valid));
        using var withTta = fastCnn.WithTestTimeAugmentation(4);
        var ttaMetrics = ml.MulticlassClassification.Evaluate(preprocessing.Append(withTta).Transform(valid));
        Reports.Metrics("Validation", metrics, fastCnn.ClassNames, confusion: false);
        Reports.Metrics("Validation with TTA (original + 4 augmented views)", ttaMetrics, fastCnn.ClassNames);
        AnsiConsole.MarkupLineInterpolated($"TTA changed the error rate from {1 - metrics.MicroAccuracy:P1} to {1 - ttaMetrics.MicroAccuracy:P1}.");

        var report = new FastCnnReport("fast.ai lesson 1 (v0.7) on the Fashion-MNIST sample")
            .AddSettings("Run", [
                new("data", $"{dataFolder}: {data.TrainFiles.Count} training, {data.ValidationFiles.Count} validation images, {data.ClassNames.Count} classes"),
                new("network", $"{fastCnn.NetworkDescription}, {fastCnn.ImageSize} px, ImageNet weights"),
                new("range test", $"valley {lr:G3} (used), steep {rangeTest.Suggest(LearningRateSuggestion.Steep):G3}"),
                new("recipe", $"Lesson1: {plan}"),
                new("phase 1", $"frozen body, head on stored activations: one cycle of {plan.FreezeEpochs} epochs at {lr:G3}"),
                new("phase 2", $"all layers, augmentation (side-on), BatchNorm statistics kept: SGDR cycle_len 1, cycle_mult 2, rates {lr / 200:G3}..{lr / 2:G3}"),
            ])
            .AddEpochs("Epochs", recorder.Epochs)
            .AddPicture("Learning-rate range test", Path.Combine(outputFolder, "lr_find.png"));
        if (RunReport.SaveHistory(recorder, outputFolder) is { } curves)
            report.AddPicture("Training curves", curves, "Training loss per batch (smoothed) and validation loss per epoch; accuracy; learning rate and momentum per batch. Dotted line: phase 2 starts.");
        report.AddSettings("Validation metrics (ML.NET's evaluator)", RunReport.Metrics(metrics))
            .AddSettings("Validation metrics with TTA (original + 4 views)", RunReport.Metrics(ttaMetrics));
        RunReport.Interpret(report, model, valid, outputFolder, top: 9, gradCam: true);

        var modelPath = Path.Combine(outputFolder, "model.zip");
        ml.Model.Save(model, data.Train.Schema, modelPath);
        var loaded = ml.Model.Load(modelPath, out _);
        var engine = ml.Model.CreatePredictionEngine<ImageFolderRow, Prediction>(loaded);
        var predictions = new Table().Border(TableBorder.Simple).Title("predictions of the reloaded model");
        foreach (var column in new[] { "image", "truth", "predicted", "probability" })
            predictions.AddColumn(column);
        foreach (var file in data.ValidationFiles.Where((_, i) => i % 97 == 0).Take(6))
        {
            var prediction = engine.Predict(new ImageFolderRow { ImagePath = file.ImagePath, Label = file.Label });
            predictions.AddRow(Path.GetFileName(file.ImagePath), file.Label, prediction.PredictedClass, $"{prediction.Score.Max():P0}");
        }
        AnsiConsole.Write(predictions);
        RunReport.Save(report, outputFolder);
        AnsiConsole.MarkupLineInterpolated(
            $"Output: [bold]{outputFolder}[/] (model.zip, lr_find.png, lr_find.csv, history.csv, training_curves.png, confusion_matrix.png, top_losses.png, top_losses_gradcam.png, most_*.png, most_confused.csv, report.html)");
    }

    private sealed class Prediction
    {
        public string PredictedClass { get; set; } = "";

        public float[] Score { get; set; } = [];
    }
}
