using Microsoft.ML;
using TorchSharp;
using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>One class per image: a key-typed label, softmax, cross-entropy (with label smoothing), accuracy.</summary>
internal sealed class SingleLabelTask(IReadOnlyList<string> classNames) : TaskDefinition(classNames)
{
    public override ImageTask Kind => ImageTask.SingleLabel;

    public override string Description => $"for {Outputs} classes";

    public override Func<float[]?> TargetGetter(DataViewRow row, DataViewSchema.Column label)
    {
        var getKey = row.GetGetter<uint>(label);
        uint key = 0;
        return () =>
        {
            getKey(ref key);
            return key == 0 ? null : [key - 1];
        };
    }

    protected override TaskDefinition FitTo(IReadOnlyList<float[]> targets, string labelColumnName)
    {
        if (targets.Select(t => t[0]).Distinct().Count() < 2)
            throw new ArgumentOutOfRangeException("trainingData",
                $"Only one class found in the label column '{labelColumnName}' of the training data. " +
                "To build a multiclass classification model, the number of classes needs to be 2 or greater.");
        return this;
    }

    public override Tensor Targets(IReadOnlyList<float[]> rows, Device device) => tensor(rows.Select(t => (long)t[0]).ToArray(), device: device);

    public override Tensor Loss(Tensor outputs, Tensor targets, bool sum, double labelSmoothing) =>
        nn.functional.cross_entropy(outputs, targets, reduction: sum ? nn.Reduction.Sum : nn.Reduction.Mean, label_smoothing: labelSmoothing);

    public override (Tensor Right, long Decisions)? Decisions(Tensor outputs, Tensor targets) => (outputs.argmax(1).eq(targets).sum(), targets.shape[0]);

    public override float[][] Predictions(float[] outputs) => Softmax.Rows(outputs, Outputs);
}
