// Usage: ML.FastCnn.OnnxConsumer <model-onnx.zip> <image path>...
// Loads the model with mlContext.Model.Load and prints each image's probabilities as float bit patterns.
using Microsoft.ML;
using Microsoft.ML.Data;

var ml = new MLContext();
var model = ml.Model.Load(args[0], out var schema);
var rows = ml.Data.LoadFromEnumerable(args.Skip(1).Select(path => new ImageRow { ImagePath = path }), schema);
foreach (var probabilities in model.Transform(rows).GetColumn<float[]>("probabilities"))
    Console.WriteLine(string.Join(' ', probabilities.Select(v => BitConverter.SingleToInt32Bits(v).ToString("x8"))));

internal sealed class ImageRow
{
    public string ImagePath { get; set; } = "";
}
