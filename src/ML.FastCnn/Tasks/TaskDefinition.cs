using Microsoft.ML;
using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>
/// What one <see cref="ImageTask"/> means for training and scoring: how a row's target is read from the label
/// column, the network's outputs and their names, the loss and the validation metric, and how outputs become
/// predictions. Every row's target travels as a <see cref="float"/> array (a class index, a multi-hot vector, or
/// values) until the task makes it a tensor.
/// </summary>
internal abstract class TaskDefinition(IReadOnlyList<string> outputNames)
{
    public abstract ImageTask Kind { get; }

    /// <summary>The outputs' names: the classes in key order, or the values (the label column's name, or its slot names).</summary>
    public IReadOnlyList<string> OutputNames { get; } = outputNames;

    /// <summary>The network's outputs per image.</summary>
    public int Outputs => OutputNames.Count;

    /// <summary>A reader of the current row's target from <paramref name="row"/>: null for a row without one (left out of training, as ML.NET's trainers do).</summary>
    public abstract Func<float[]?> TargetGetter(DataViewRow row, DataViewSchema.Column label);

    /// <summary>
    /// One pass over the targets (no image is decoded): the rows with a target, checks that the data can train this task,
    /// and the task fitted to the training targets (a regression's scaling); validation sets only count.
    /// </summary>
    public (int Rows, TaskDefinition Fitted) Scan(IDataView data, DataViewSchema.Column label, string what, bool training)
    {
        using var cursor = data.GetRowCursor([label]);
        var getTarget = TargetGetter(cursor, label);
        var targets = new List<float[]>();
        int missing = 0;
        while (cursor.MoveNext())
        {
            if (getTarget() is { } target)
                targets.Add(target);
            else
                missing++;
        }
        if (targets.Count == 0)
            throw new ArgumentOutOfRangeException(nameof(data),
                $"The {what} has no usable rows ({missing} rows with a missing label). Check that the data view is not empty and that its labels {MissingLabelHint}.");
        return (targets.Count, training ? FitTo(targets, label.Name) : this);
    }

    /// <summary>How a label goes missing, for the message when every row's is.</summary>
    protected virtual string MissingLabelHint => "map to keys";

    /// <summary>Checks the training targets and returns the task fitted to them.</summary>
    protected virtual TaskDefinition FitTo(IReadOnlyList<float[]> targets, string labelColumnName) => this;

    /// <summary>The batch's targets as the tensor <see cref="Loss"/> takes, on <paramref name="device"/>.</summary>
    public abstract Tensor Targets(IReadOnlyList<float[]> rows, Device device);

    /// <summary>The loss of each row averaged over the rows, or summed with <paramref name="sum"/> (for a mean over a whole validation set).</summary>
    public abstract Tensor Loss(Tensor outputs, Tensor targets, bool sum, double labelSmoothing);

    /// <summary>Right decisions and decisions made in a batch, for the accuracy the epoch table shows; null where accuracy means nothing (regression).</summary>
    public abstract (Tensor Right, long Decisions)? Decisions(Tensor outputs, Tensor targets);

    /// <summary>Predictions of N rows from the network's raw outputs (N × <see cref="Outputs"/> values, row after row): probabilities or values.</summary>
    public abstract float[][] Predictions(float[] outputs);

    /// <summary>"for 10 classes", "for 3 labels", "for the value 'Age'".</summary>
    public abstract string Description { get; }

    protected static ArgumentOutOfRangeException WrongLabel(string message) => new("schema", message);
}
