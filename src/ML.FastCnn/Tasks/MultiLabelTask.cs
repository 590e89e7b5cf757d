using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>
/// Any subset of the classes per image (fast.ai's <c>MultiCategoryBlock</c>): a vector label, one sigmoid per class,
/// binary cross-entropy (<c>BCEWithLogitsLossFlat</c>); while training, a class counts as predicted when its probability
/// is above 0.5 (<c>accuracy_multi</c>'s default); a trained model's thresholds are its scoring settings'.
/// </summary>
internal sealed class MultiLabelTask(IReadOnlyList<string> classNames) : TaskDefinition(classNames)
{
    public const float DefaultThreshold = 0.5f;

    public override ImageTask Kind => ImageTask.MultiLabel;

    public override string Description => $"for {Outputs} labels (multi-label)";

    protected override string MissingLabelHint => "are vectors of keys, booleans or 0/1 values";

    public override Func<float[]?> TargetGetter(DataViewRow row, DataViewSchema.Column label)
    {
        int classes = Outputs;
        var item = ((VectorDataViewType)label.Type).ItemType;
        if (item is KeyDataViewType)
        {
            var getKeys = row.GetGetter<VBuffer<uint>>(label);
            VBuffer<uint> keys = default;
            return () =>
            {
                getKeys(ref keys);
                var hot = new float[classes];
                foreach (uint key in keys.GetValues()) // 0: a value MapValueToKey did not know, ignored
                {
                    if (key > 0)
                        hot[key - 1] = 1;
                }
                return hot;
            };
        }
        if (item is BooleanDataViewType)
        {
            var getFlags = row.GetGetter<VBuffer<bool>>(label);
            VBuffer<bool> flags = default;
            return () =>
            {
                getFlags(ref flags);
                return flags.DenseValues().Select(f => f ? 1f : 0f).ToArray();
            };
        }
        var getValues = row.GetGetter<VBuffer<float>>(label);
        VBuffer<float> values = default;
        return () =>
        {
            getValues(ref values);
            var dense = values.DenseValues().ToArray();
            if (dense.Any(float.IsNaN))
                return null;
            if (dense.Any(v => v is < 0 or > 1))
                throw new ArgumentOutOfRangeException("data",
                    $"The multi-label column '{label.Name}' has a value outside [0, 1] ({dense.First(v => v is < 0 or > 1)}): each value says whether a class is present (1) or not (0).");
            return dense;
        };
    }

    public override Tensor Targets(IReadOnlyList<float[]> rows, Device device) =>
        tensor(rows.SelectMany(t => t).ToArray(), [rows.Count, Outputs], device: device);

    public override Tensor Loss(Tensor outputs, Tensor targets, bool sum, double labelSmoothing)
    {
        if (labelSmoothing > 0)
        {
            // Targets pulled towards ½ by ε: 1 → 1 − ε/2, 0 → ε/2 (label smoothing for independent sigmoids).
            using var keep = (1 - labelSmoothing).ToScalar();
            using var half = (labelSmoothing / 2).ToScalar();
            targets = targets.mul(keep).add_(half, KeptAliveScalars.One);
        }
        var perRow = nn.functional.binary_cross_entropy_with_logits(outputs, targets, reduction: nn.Reduction.None).mean([1L]);
        return sum ? perRow.sum() : perRow.mean();
    }

    public override (Tensor Right, long Decisions)? Decisions(Tensor outputs, Tensor targets)
    {
        // p > 0.5 ⇔ logit > 0: compared on the logits, no sigmoid needed.
        using var zero = 0.ToScalar();
        using var half = 0.5.ToScalar();
        return (outputs.gt(zero).eq(targets.gt(half)).sum(), targets.NumberOfElements);
    }

    public override float[][] Predictions(float[] outputs)
    {
        var rows = new float[outputs.Length / Outputs][];
        for (int r = 0; r < rows.Length; r++)
            rows[r] = outputs.AsSpan(r * Outputs, Outputs).ToArray().Select(z => (float)(1 / (1 + Math.Exp(-z)))).ToArray();
        return rows;
    }

    /// <summary>The classes predicted from one row's probabilities: those above their <paramref name="thresholds"/>, as 0-based indices.</summary>
    public static IEnumerable<int> Predicted(float[] probabilities, IReadOnlyList<float> thresholds) =>
        Enumerable.Range(0, probabilities.Length).Where(k => probabilities[k] > thresholds[k]);
}
