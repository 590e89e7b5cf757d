using System.CommandLine;
using ML.FastCnn;

namespace ML.FastCnn.Samples;

/// <summary>Where a command's labels come from: <c>--labels</c> (a CSV) and <c>--label-column</c>; <c>--task</c> for the commands that train.</summary>
internal sealed class LabelOptions
{
    public Option<string?> Labels { get; } = new("--labels")
    {
        HelpName = "csv",
        Description = "a CSV of labels (fast.ai's from_csv layout): a header, image paths relative to the folder in the first column, a 'labels' column " +
                      "(classes, space-separated) or a 'value' column (numbers), and optionally an is_valid column (true/false) marking the validation rows. " +
                      "Without it: one sub-folder per class",
    };

    public Option<string?> LabelColumn { get; } = new("--label-column") { HelpName = "name", Description = "the CSV's label column (default: 'value' for regression, else 'labels', else the second column)" };

    public Option<ImageTask> Task { get; } = new("--task")
    {
        Description = "auto, singlelabel, multilabel or regression. auto: regression when the CSV has a 'value' column, multi-label when a row has several " +
                      "classes or none, else single-label (always single-label without --labels)",
        DefaultValueFactory = _ => ImageTask.Auto,
    };

    /// <summary>Adds <c>--labels</c> and <c>--label-column</c>, and <c>--task</c> with <paramref name="withTask"/>.</summary>
    public void AddTo(Command command, bool withTask)
    {
        command.Add(Labels);
        command.Add(LabelColumn);
        if (withTask)
            command.Add(Task);
    }

    /// <summary>The data a command reads from <paramref name="folder"/> with these options (<paramref name="task"/>: the model's, when it is known).</summary>
    public DataSource Source(ParseResult result, string folder, ImageTask? task = null) =>
        new(folder, result.GetValue(Labels), result.GetValue(LabelColumn), task ?? result.GetValue(Task));
}

/// <summary>An image folder, and optionally the CSV of its labels, its label column and the task asked for.</summary>
internal sealed record DataSource(string Folder, string? LabelsCsv, string? LabelColumn, ImageTask Task);
