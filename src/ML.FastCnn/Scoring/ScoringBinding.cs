using Microsoft.ML;
using Microsoft.ML.Data;
using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>
/// A trained classifier bound to one input schema: where the images come from, what the output
/// schema is, and the getters of the two output columns. Shared by batched and single-row scoring.
/// </summary>
internal sealed class ScoringBinding
{
    public ScoringBinding(FastCnnTransformer transformer, DataViewSchema input)
    {
        Transformer = transformer;
        InputSchema = input;
        Image = ImageColumn.Bind(input, transformer.ImageColumnName, transformer.ImagePathColumnName);
        OutputSchema = ScoreColumnsSchema.Append(input, transformer.ClassNames, transformer.ScoreColumnName, transformer.PredictedLabelColumnName);
    }

    public FastCnnTransformer Transformer { get; }

    public DataViewSchema InputSchema { get; }

    public DataViewSchema OutputSchema { get; }

    public ImageColumn Image { get; }

    public bool IsOutput(DataViewSchema.Column column) => column.Index >= InputSchema.Count;

    /// <summary>The input columns needed to produce <paramref name="outputColumns"/> (pass-through columns and the image).</summary>
    public IEnumerable<DataViewSchema.Column> InputColumnsFor(IEnumerable<DataViewSchema.Column> outputColumns)
    {
        var columns = outputColumns.ToList();
        var passThrough = columns.Where(c => !IsOutput(c)).Select(c => InputSchema[c.Index]);
        return columns.Any(IsOutput) ? passThrough.Concat(Image.Columns).Distinct() : passThrough;
    }

    /// <summary>Probabilities of a batch of resized images.</summary>
    public float[][] Score(IReadOnlyList<Tensor> images)
    {
        using var batch = stack(images);
        return Transformer.Classifier.PredictProbabilities(batch);
    }

    /// <summary>A getter of an output column reading the current row's probabilities from <paramref name="current"/>.</summary>
    public ValueGetter<TValue> GetOutputGetter<TValue>(DataViewSchema.Column column, Func<float[]> current)
    {
        Delegate getter = column.Index == OutputSchema.Count - 2
            ? (ValueGetter<VBuffer<float>>)((ref VBuffer<float> value) =>
            {
                var probabilities = current();
                var editor = VBufferEditor.Create(ref value, probabilities.Length);
                probabilities.CopyTo(editor.Values);
                value = editor.Commit();
            })
            : (ValueGetter<uint>)((ref uint value) => value = (uint)ArgMax(current()) + 1);
        return getter as ValueGetter<TValue>
            ?? throw new InvalidOperationException($"Column '{column.Name}' has type {column.Type}; it cannot be read as {typeof(TValue).Name}.");
    }

    private static int ArgMax(float[] values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
                best = i;
        }
        return best;
    }
}
