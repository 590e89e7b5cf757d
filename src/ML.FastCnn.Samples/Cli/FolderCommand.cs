using System.CommandLine;
using ML.FastCnn;

namespace ML.FastCnn.Samples;

/// <summary>
/// A command that takes a data folder, where its labels come from (<c>--labels</c>, <c>--task</c>) and the common
/// training options (<c>train</c>, <c>lr-find</c>).
/// </summary>
internal static class FolderCommand
{
    public static Command Create(string name, string description, Action<DataSource, FastCnnOptions, string> run)
    {
        var folder = new Argument<string>("folder") { Description = "the images: one sub-folder per class, optionally under train/ and valid/; or any layout with --labels <csv>" };
        var labels = new LabelOptions();
        var options = new CommonOptions();
        var command = new Command(name, description);
        command.Add(folder);
        labels.AddTo(command, withTask: true);
        options.AddTo(command);
        command.SetAction(result => CliErrors.Run(() =>
            run(labels.Source(result, result.GetRequiredValue(folder)), options.ToFastCnnOptions(result), result.GetRequiredValue(options.Output))));
        return command;
    }
}
