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
    public ScoringBinding(ScoringModel model, DataViewSchema input)
    {
        Model = model;
        InputSchema = input;
        Settings = model.Settings;
        Image = ImageColumn.Bind(input, Settings.ImageColumnName, Settings.ImagePathColumnName);
        OutputSchema = ScoreColumnsSchema.Append(input, model.Classifier.Task, Settings.Thresholds, Settings.ScoreColumnName, Settings.PredictedLabelColumnName);
    }

    public ScoringModel Model { get; }

    public DataViewSchema InputSchema { get; }

    public DataViewSchema OutputSchema { get; }

    public ImageColumn Image { get; }

    public ScoringSettings Settings { get; }

    /// <summary>The rows of <paramref name="cursor"/> as images to render, read on the pipeline's thread.</summary>
    public IEnumerable<LabeledImage> Rows(DataViewRowCursor cursor)
    {
        var reader = Image.CreateReader(cursor, scoring: true);
        while (cursor.MoveNext())
            yield return reader.ReadRow(cursor.Position, target: []);
    }

    /// <summary>A pipeline rendering the cursor's images (and their test-time views) in scoring batches, ahead of use.</summary>
    public ImageBatchPipeline Pipeline(DataViewRowCursor cursor) =>
        new(Rows(cursor), Model.Classifier.ImageSize, Settings.ScoringBatchSize, Settings.PrefetchBatches,
            row => Settings.Views(row.Position), BadImagePolicy.Fail, _ => { }, CancellationToken.None, scoring: true);

    public bool IsOutput(DataViewSchema.Column column) => column.Index >= InputSchema.Count;

    /// <summary>The input columns needed to produce <paramref name="outputColumns"/> (pass-through columns and the image).</summary>
    public IEnumerable<DataViewSchema.Column> InputColumnsFor(IEnumerable<DataViewSchema.Column> outputColumns)
    {
        var columns = outputColumns.ToList();
        var passThrough = columns.Where(c => !IsOutput(c)).Select(c => InputSchema[c.Index]);
        return columns.Any(IsOutput) ? passThrough.Concat(Image.Columns).Distinct() : passThrough;
    }

    /// <summary>Predictions (probabilities or values) of each row of a rendered batch, averaged over its views.</summary>
    public float[][] Score(ImageBatch batch)
    {
        var probabilities = Model.Classifier.Predict(batch.Images, Settings.Engine, Model.Log);
        return Enumerable.Range(0, batch.Count).Select(row => Average(probabilities, row * batch.Views, batch.Views)).ToArray();
    }

    /// <summary>Predictions of one image, averaged over its views (row-at-a-time scoring).</summary>
    public float[] Score(ImageSource image, long position)
    {
        var views = Settings.Views(position);
        int size = Model.Classifier.ImageSize, imageBytes = 3 * size * size;
        var pixels = new byte[views.Length * imageBytes];
        for (int v = 0; v < views.Length; v++)
            ImageRenderer.Render(image.Bitmap, size, views[v], pixels.AsSpan(v * imageBytes, imageBytes));
        using var batch = new ImageBatch(tensor(pixels, [views.Length, 3, size, size]), [[]], views.Length);
        return Score(batch)[0];
    }

    private static float[] Average(float[][] probabilities, int first, int count)
    {
        var mean = (float[])probabilities[first].Clone();
        for (int v = 1; v < count; v++)
        {
            for (int k = 0; k < mean.Length; k++)
                mean[k] += probabilities[first + v][k];
        }
        if (count > 1)
        {
            for (int k = 0; k < mean.Length; k++)
                mean[k] /= count;
        }
        return mean;
    }

    /// <summary>A getter of an output column reading the current row's predictions from <paramref name="current"/>.</summary>
    public ValueGetter<TValue> GetOutputGetter<TValue>(DataViewSchema.Column column, Func<float[]> current)
    {
        Delegate getter = (column.Name == Settings.ScoreColumnName, Model.Classifier.Task) switch
        {
            (true, _) when column.Type == NumberDataViewType.Single => (ValueGetter<float>)((ref float value) => value = current()[0]),
            (true, _) => (ValueGetter<VBuffer<float>>)((ref VBuffer<float> value) =>
            {
                var predictions = current();
                var editor = VBufferEditor.Create(ref value, predictions.Length);
                predictions.CopyTo(editor.Values);
                value = editor.Commit();
            }),
            (false, MultiLabelTask) => (ValueGetter<VBuffer<uint>>)((ref VBuffer<uint> value) =>
            {
                var keys = MultiLabelTask.Predicted(current(), Settings.Thresholds).Select(k => (uint)k + 1).ToArray();
                var editor = VBufferEditor.Create(ref value, keys.Length);
                keys.CopyTo(editor.Values);
                value = editor.Commit();
            }),
            _ => (ValueGetter<uint>)((ref uint value) => value = (uint)ArgMax(current()) + 1),
        };
        return getter as ValueGetter<TValue>
            ?? throw new InvalidOperationException($"Column '{column.Name}' has type {column.Type}; it cannot be read as {typeof(TValue).Name}.");
    }

    /// <summary>The predicted class: the index of the largest probability (the first on ties).</summary>
    internal static int ArgMax(float[] values)
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
