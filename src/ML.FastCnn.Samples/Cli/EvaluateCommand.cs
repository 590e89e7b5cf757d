using System.CommandLine;
using Microsoft.ML;
using ML.FastCnn;

namespace ML.FastCnn.Samples;

/// <summary><c>evaluate &lt;model.zip&gt; &lt;folder&gt;</c>: accuracy, log-loss and the confusion matrix on labelled images.</summary>
internal static class EvaluateCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "a model.zip saved by train" };
        var folder = new Argument<string>("folder") { Description = "labelled images: valid/<class>/… is used when present, else every <class>/… image" };
        var tta = new Option<int>("--tta") { Description = "augmented views averaged with each image (test-time augmentation)", DefaultValueFactory = _ => 0 };
        var badImages = CommonOptions.BadImagesOption();
        var command = new Command("evaluate", "Evaluate a saved model on a folder of labelled images.");
        command.Add(model);
        command.Add(folder);
        command.Add(tta);
        command.Add(badImages);
        command.SetAction(result => CliErrors.Run(() => Run(result.GetRequiredValue(model), result.GetRequiredValue(folder), result.GetValue(tta), result.GetValue(badImages))));
        return command;
    }

    private static void Run(string modelPath, string folder, int views, BadImagePolicy badImages)
    {
        if (views < 0)
            throw new CliException($"--tta must be 0 or more (was {views}).");
        var ml = CliContext.Create();
        var model = FastCnn.LoadModel(ml, modelPath, out _);
        // Scoring cannot leave a row out: with skip, bad files are found while listing the folder.
        var data = SampleData.LoadFolder(ml, folder, badImages, validationFraction: 0, checkImages: badImages == BadImagePolicy.Skip);
        var rows = data.Validation ?? data.Train;
        var fastCnn = CliErrors.FastCnnStep(model);
        var scored = views == 0 ? model.Transform(rows) : FastCnn.ReplaceTransformer(model, f => f.WithTestTimeAugmentation(views)).Transform(rows);
        Reports.Metrics(views == 0 ? "Evaluation" : $"Evaluation with TTA ({views} views)", ml.MulticlassClassification.Evaluate(scored), fastCnn.ClassNames);
    }
}
