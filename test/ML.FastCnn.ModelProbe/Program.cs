// Usage: ML.FastCnn.ModelProbe <model.zip> <image path>...
// Loads the model with a plain mlContext.Model.Load (no ML.FastCnn type is touched first), scores
// the images and prints each row's Score as float bit patterns, so the caller can compare exactly.
using Microsoft.ML;
using Microsoft.ML.Data;

var ml = new MLContext();
var model = ml.Model.Load(args[0], out var inputSchema);
var rows = args.Skip(1).Select(path => new ImageRow { ImagePath = path, Label = "" });
var scored = model.Transform(ml.Data.LoadFromEnumerable(rows, inputSchema));
foreach (var score in scored.GetColumn<VBuffer<float>>("Score"))
    Console.WriteLine(string.Join(' ', score.DenseValues().Select(v => BitConverter.SingleToInt32Bits(v).ToString("x8"))));

internal sealed class ImageRow
{
    public string ImagePath { get; set; } = "";

    public string Label { get; set; } = "";
}
