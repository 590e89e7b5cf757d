using System.CommandLine;
using ML.FastCnn;

namespace ML.FastCnn.Samples;

/// <summary>A command that takes a data folder and the common training options (<c>train</c>, <c>lr-find</c>).</summary>
internal static class FolderCommand
{
    public static Command Create(string name, string description, Action<string, FastCnnOptions, string> run)
    {
        var folder = new Argument<string>("folder") { Description = "images in one sub-folder per class, optionally under train/ and valid/" };
        var options = new CommonOptions();
        var command = new Command(name, description);
        command.Add(folder);
        options.AddTo(command);
        command.SetAction(result => CliErrors.Run(() => run(result.GetRequiredValue(folder), options.ToFastCnnOptions(result), result.GetRequiredValue(options.Output))));
        return command;
    }
}
