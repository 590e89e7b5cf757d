// train <folder> <model.zip>: one short fit on <folder>/<class>/*.png, prints its predictions of every image, saves.
// predict <model.zip> <image>...: loads the model in this (fresh) process and prints its predictions.
// Each line: file name, predicted class, the scores as float bit patterns (so the caller compares exactly).
using Microsoft.ML;
using Microsoft.ML.Data;
using ML.FastCnn;

var ml = new MLContext(seed: 1);
ITransformer model;
IDataView rows;
if (args[0] == "train")
{
    var folder = ml.Data.LoadImageFolder(args[1], new ImageFolderOptions { ValidationFraction = 0 });
    var preprocessing = ml.Transforms.Conversion.MapValueToKey("Label")
        .Append(ml.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: "ImagePath"));
    var trainer = FastCnn.Train(ml, new FastCnnOptions
    {
        Epochs = 1,
        LearningRate = 1e-3,
        Learner = { ImageSize = 32, Weights = PretrainedWeights.None, Seed = 1 },
    });
    model = preprocessing.Append(trainer).Append(ml.Transforms.Conversion.MapKeyToValue("PredictedClass", "PredictedLabel")).Fit(folder.Train);
    ml.Model.Save(model, folder.Train.Schema, args[2]);
    rows = folder.Train;
}
else
{
    model = ml.Model.Load(args[1], out var schema);
    rows = ml.Data.LoadFromEnumerable(args.Skip(2).Select(path => new ImageFolderRow { ImagePath = path, Label = "" }), schema);
}
foreach (var row in ml.Data.CreateEnumerable<Prediction>(model.Transform(rows), reuseRowObject: false))
    Console.WriteLine($"{Path.GetFileName(row.ImagePath)} {row.PredictedClass} {string.Join(' ', row.Score.Select(v => BitConverter.SingleToInt32Bits(v).ToString("x8")))}");

internal sealed class Prediction
{
    public string ImagePath { get; set; } = "";

    public string PredictedClass { get; set; } = "";

    public float[] Score { get; set; } = [];
}
