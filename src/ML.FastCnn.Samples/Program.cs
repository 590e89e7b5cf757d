// The main job: train a FastCnn image classifier on the Fashion-MNIST sample that ships in
// data/, evaluate it, save the model, load it back and predict. Offline, a minute or two on a CPU.
using Microsoft.ML;
using Microsoft.ML.Data;
using ML.FastCnn;
using ML.FastCnn.Samples;

var dataFolder = args.Length > 0 ? args[0] : SampleData.FindFashionMnistSample();
var outputFolder = Path.GetFullPath(args.Length > 1 ? args[1] : "fastcnn-output");
Directory.CreateDirectory(outputFolder);

var ml = new MLContext(seed: 1);
ml.Log += (_, e) =>
{
    if (e.Kind >= Microsoft.ML.Runtime.ChannelMessageKind.Info && e.Source.StartsWith("FastCnn", StringComparison.Ordinal))
        Console.WriteLine($"  {e.RawMessage}");
};

var trainFiles = SampleData.ReadFolder(Path.Combine(dataFolder, "train")).ToList();
var validFiles = SampleData.ReadFolder(Path.Combine(dataFolder, "valid")).ToList();
var train = ml.Data.LoadFromEnumerable(trainFiles);
var valid = ml.Data.LoadFromEnumerable(validFiles);
Console.WriteLine($"Data: {dataFolder} ({trainFiles.Count} training, {validFiles.Count} validation images)");

var preprocessing = ml.Transforms.Conversion.MapValueToKey("Label")
    .Append(ml.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: "ImagePath"))
    .Fit(train);
var options = new FastCnnOptions
{
    Architecture = ResNetArchitecture.ResNet18,
    ImageSize = 32,
    BatchSize = 64,
    ValidationSet = preprocessing.Transform(valid),
};

// fast.ai lesson 1: find a learning rate, train the head, unfreeze, train everything with
// discriminative learning rates and warm restarts.
using var learner = FastCnnLearner.Create(ml, preprocessing.Transform(train), options);
Console.WriteLine("Learning-rate range test:");
var rangeTest = learner.FindLearningRate();
var lr = rangeTest.Suggest(LearningRateSuggestion.Valley);
rangeTest.SavePlot(Path.Combine(outputFolder, "lr_find.png"));
rangeTest.SaveCsv(Path.Combine(outputFolder, "lr_find.csv"));
Console.WriteLine($"One cycle at {lr:G3}:");
learner.FitOneCycle(3, lr);
learner.Unfreeze();
Console.WriteLine("All layers, discriminative learning rates, SGDR (cycle_len 1, cycle_mult 2):");
learner.FitSgdr(cycles: 2, LearningRates.Range(lr / 100, lr), cycleLength: 1, cycleMultiplier: 2);

// An ordinary ML.NET model: the fitted preprocessing, the network, and key → class name.
var scoring = preprocessing.Append(learner.ToTransformer());
var model = scoring.Append(ml.Transforms.Conversion.MapKeyToValue("PredictedClass", "PredictedLabel").Fit(scoring.Transform(train)));

var metrics = ml.MulticlassClassification.Evaluate(model.Transform(valid));
Console.WriteLine($"Validation: accuracy {metrics.MicroAccuracy:P1}, log-loss {metrics.LogLoss:F3}");
Console.WriteLine(metrics.ConfusionMatrix.GetFormattedConfusionTable());

var modelPath = Path.Combine(outputFolder, "model.zip");
ml.Model.Save(model, train.Schema, modelPath);
var loaded = ml.Model.Load(modelPath, out _);
using var engine = ml.Model.CreatePredictionEngine<ImageFile, Prediction>(loaded);
Console.WriteLine("Predictions of the reloaded model:");
foreach (var image in validFiles.Where((_, i) => i % 97 == 0).Take(6))
{
    var prediction = engine.Predict(image);
    Console.WriteLine($"  {Path.GetFileName(image.ImagePath),-10} {image.Label,-9} -> {prediction.PredictedClass,-9} ({prediction.Score.Max():P0})");
}
Console.WriteLine($"Output: {outputFolder}");

internal sealed class Prediction
{
    public string PredictedClass { get; set; } = "";

    public float[] Score { get; set; } = [];
}
