// Usage: ML.FastCnn.ModelProbe <model.zip> <image path>...
//   Loads the model with a plain mlContext.Model.Load (no ML.FastCnn type is touched first), scores
//   the images and prints each row's Score (a vector, or a regression's value) as float bit patterns, so the caller can compare exactly.
// Usage: ML.FastCnn.ModelProbe train <seed> <image path>...
//   Trains a tiny model (random weights, 32 px, 2 epochs) on the images, labelled by their folder
//   names, with the seed, and prints its scores of the same images the same way.
// Usage: ML.FastCnn.ModelProbe custom <model.zip> <image path>...
//   Registers the tests' custom backbone (TinyBackbones.cs, compiled into both), then loads and scores as above with
//   the network's own forward (ScoringEngine.Reference): for so small a network Auto's timing may pick another engine
//   in each process, and engines agree within 1e-4, not to the bit.
using Microsoft.ML;
using Microsoft.ML.Data;
using ML.FastCnn;
using ML.FastCnn.TestBackbones;

var ml = new MLContext();
ITransformer model;
IDataView rows;
if (args[0] == "train")
{
    var images = args.Skip(2).Select(path => new ImageRow { ImagePath = path, Label = Path.GetFileName(Path.GetDirectoryName(path))! }).ToList();
    var raw = ml.Data.LoadFromEnumerable(images);
    var preprocessing = ml.Transforms.Conversion.MapValueToKey("Label")
        .Append(ml.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: "ImagePath")).Fit(raw);
    var options = new FastCnnOptions
    {
        Epochs = 2,
        LearningRate = 2e-3,
        Learner = { ImageSize = 32, BatchSize = 8, Weights = PretrainedWeights.None, Seed = int.Parse(args[1]), Device = ComputeDevice.Cpu },
    };
    model = preprocessing.Append(FastCnn.Train(ml, options).Fit(preprocessing.Transform(raw)));
    rows = raw;
}
else
{
    bool custom = args[0] == "custom";
    if (custom)
    {
        FastCnn.RegisterBackbone(TinyBackbones.Tiny()); // what an application does before loading a model with its own network
        args = args[1..];
    }
    model = ml.Model.Load(args[0], out var inputSchema);
    rows = ml.Data.LoadFromEnumerable(args.Skip(1).Select(path => new ImageRow { ImagePath = path, Label = "" }), inputSchema);
    if (custom)
        model = FastCnn.ReplaceTransformer(model, t => t.WithScoringEngine(ScoringEngine.Reference));
}
var scored = model.Transform(rows);
var scores = scored.Schema["Score"].Type is VectorDataViewType
    ? scored.GetColumn<VBuffer<float>>("Score").Select(score => score.DenseValues().ToArray())
    : scored.GetColumn<float>("Score").Select(value => new[] { value }); // a regression's single value
foreach (var score in scores)
    Console.WriteLine(string.Join(' ', score.Select(v => BitConverter.SingleToInt32Bits(v).ToString("x8"))));

internal sealed class ImageRow
{
    public string ImagePath { get; set; } = "";

    public string Label { get; set; } = "";
}
