using System.CommandLine;
using Microsoft.ML;
using Microsoft.ML.Data;
using ML.FastCnn;
using Spectre.Console;

namespace ML.FastCnn.Samples;

/// <summary><c>predict &lt;model.zip&gt; &lt;image…&gt;</c>: the most probable class of each image.</summary>
internal static class PredictCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "a model.zip saved by train" };
        var images = new Argument<string[]>("images") { Description = "image files", Arity = ArgumentArity.OneOrMore };
        var command = new Command("predict", "Classify images with a saved model.");
        command.Add(model);
        command.Add(images);
        command.SetAction(result => CliErrors.Run(() => Run(result.GetRequiredValue(model), result.GetRequiredValue(images))));
        return command;
    }

    private static void Run(string modelPath, string[] images)
    {
        var ml = new MLContext();
        var model = ml.Model.Load(CliErrors.ExistingFile(modelPath, "Model"), out _);
        var files = images.Select(i => new ImageFile { ImagePath = CliErrors.ExistingFile(i, "Image") }).ToList();
        var classes = ModelParts.FastCnn(model).ClassNames;
        var scores = model.Transform(ml.Data.LoadFromEnumerable(files)).GetColumn<float[]>("Score").ToList();
        var table = new Table().Border(TableBorder.Simple);
        foreach (var column in new[] { "image", "class", "probability" })
            table.AddColumn(column);
        for (int i = 0; i < files.Count; i++)
        {
            int best = Array.IndexOf(scores[i], scores[i].Max());
            table.AddRow(files[i].ImagePath, classes[best], $"{scores[i][best]:P1}");
        }
        AnsiConsole.Write(table);
    }
}
