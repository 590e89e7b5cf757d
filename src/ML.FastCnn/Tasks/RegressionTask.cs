using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>
/// Numbers from images (fast.ai's <c>RegressionBlock</c>): one output per value, trained on targets scaled to a unit
/// spread — (t − mean) / std of the training targets, or with a <see cref="ValueRange"/> (fast.ai's <c>y_range</c>)
/// (t − low) / (high − low) against a sigmoid — so the loss is the same size whatever the targets' units; predictions
/// are scaled back.
/// </summary>
/// <param name="valueNames">The values' names.</param>
/// <param name="offset">Per value: what a raw output of 0 (after the sigmoid with a range) is worth.</param>
/// <param name="scale">Per value: what a raw output of 1 adds.</param>
/// <param name="sigmoid">Whether outputs go through a sigmoid first (a <see cref="ValueRange"/>).</param>
/// <param name="loss">Squared or absolute error.</param>
internal sealed class RegressionTask(IReadOnlyList<string> valueNames, float[] offset, float[] scale, bool sigmoid, RegressionLoss loss)
    : TaskDefinition(valueNames)
{
    /// <summary>A task not fitted yet: with a range its scaling is known, without one it comes from the training targets (<see cref="TaskDefinition.Scan"/>).</summary>
    public static RegressionTask Create(IReadOnlyList<string> valueNames, ValueRange? range, RegressionLoss loss) => range is { } r
        ? new(valueNames, Repeat(r.Low, valueNames.Count), Repeat(r.High - r.Low, valueNames.Count), sigmoid: true, loss)
        : new(valueNames, Repeat(0, valueNames.Count), Repeat(1, valueNames.Count), sigmoid: false, loss);

    public override ImageTask Kind => ImageTask.Regression;

    public override string Description => Outputs == 1 ? $"for the value '{OutputNames[0]}' (regression)" : $"for {Outputs} values (regression)";

    public IReadOnlyList<float> Offset => offset;

    public IReadOnlyList<float> Scale => scale;

    public bool Sigmoid => sigmoid;

    public RegressionLoss LossKind => loss;

    protected override string MissingLabelHint => "are numbers (NaN marks a missing one)";

    public override Func<float[]?> TargetGetter(DataViewRow row, DataViewSchema.Column label)
    {
        if (label.Type is VectorDataViewType)
        {
            var getValues = row.GetGetter<VBuffer<float>>(label);
            VBuffer<float> values = default;
            return () =>
            {
                getValues(ref values);
                var dense = values.DenseValues().ToArray();
                return dense.Any(float.IsNaN) ? null : Checked(dense, label.Name);
            };
        }
        var getValue = row.GetGetter<float>(label);
        float value = 0;
        return () =>
        {
            getValue(ref value);
            return float.IsNaN(value) ? null : Checked([value], label.Name);
        };
    }

    private static float[] Checked(float[] values, string column) => values.All(float.IsFinite) ? values
        : throw new ArgumentOutOfRangeException("data", $"The label column '{column}' has an infinite value: regression targets must be finite numbers (NaN marks a missing one).");

    /// <summary>Without a range: scaled by the training targets' mean and standard deviation (1 when they are all equal).</summary>
    protected override TaskDefinition FitTo(IReadOnlyList<float[]> targets, string labelColumnName)
    {
        if (sigmoid)
        {
            for (int k = 0; k < Outputs; k++)
            {
                float low = offset[k], high = offset[k] + scale[k];
                if (targets.Any(t => t[k] < low || t[k] > high))
                    throw new ArgumentOutOfRangeException("trainingData",
                        $"The label column '{labelColumnName}' has values outside YRange ({low}, {high}), from {targets.Min(t => t[k])} to {targets.Max(t => t[k])}: " +
                        "widen YRange a little beyond the targets' own range, or leave it null.");
            }
            return this;
        }
        var mean = new float[Outputs];
        var std = new float[Outputs];
        for (int k = 0; k < Outputs; k++)
        {
            double m = targets.Average(t => (double)t[k]);
            double s = Math.Sqrt(targets.Average(t => (t[k] - m) * (t[k] - m)));
            mean[k] = (float)m;
            std[k] = s > 1e-12 ? (float)s : 1;
        }
        return new RegressionTask(OutputNames, mean, std, sigmoid: false, loss);
    }

    public override Tensor Targets(IReadOnlyList<float[]> rows, Device device)
    {
        var scaled = new float[rows.Count * Outputs];
        for (int r = 0; r < rows.Count; r++)
        {
            for (int k = 0; k < Outputs; k++)
                scaled[r * Outputs + k] = (rows[r][k] - offset[k]) / scale[k];
        }
        return tensor(scaled, [rows.Count, Outputs], device: device);
    }

    public override Tensor Loss(Tensor outputs, Tensor targets, bool sum, double labelSmoothing)
    {
        var predicted = sigmoid ? outputs.sigmoid() : outputs;
        var difference = predicted.sub(targets);
        var perRow = (loss == RegressionLoss.MeanAbsoluteError ? difference.abs() : difference.square()).mean([1L]);
        return sum ? perRow.sum() : perRow.mean();
    }

    public override (Tensor Right, long Decisions)? Decisions(Tensor outputs, Tensor targets) => null;

    public override float[][] Predictions(float[] outputs)
    {
        var rows = new float[outputs.Length / Outputs][];
        for (int r = 0; r < rows.Length; r++)
        {
            rows[r] = new float[Outputs];
            for (int k = 0; k < Outputs; k++)
            {
                double z = outputs[r * Outputs + k];
                rows[r][k] = (float)((sigmoid ? 1 / (1 + Math.Exp(-z)) : z) * scale[k] + offset[k]);
            }
        }
        return rows;
    }

    private static float[] Repeat(float value, int count) => Enumerable.Repeat(value, count).ToArray();
}
