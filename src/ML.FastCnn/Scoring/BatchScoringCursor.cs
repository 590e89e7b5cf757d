using Microsoft.ML;
using Microsoft.ML.Data;

namespace ML.FastCnn;

/// <summary>
/// Scores rows in batches: when the current row passes the end of the scored batch, the
/// look-ahead cursor reads the next <c>ScoringBatchSize</c> images and one forward pass scores them.
/// Scoring that runs longer than a few seconds (an evaluation of thousands of images) reports its progress to
/// MLContext's log, as training's phases do, so that no stretch is silent.
/// </summary>
internal sealed class BatchScoringCursor : DataViewRowCursor
{
    private readonly ScoringBinding _binding;
    private readonly DataViewRowCursor _rows;
    private readonly DataViewRowCursor? _images;
    private readonly ImageBatchPipeline? _pipeline;
    private readonly IEnumerator<ImageBatch>? _batches;
    private readonly HashSet<int> _activeOutputs;
    private readonly PhaseMeter _meter;
    private float[][] _batch = [];
    private long _batchStart;

    /// <param name="binding">The model and the output columns.</param>
    /// <param name="rows">The cursor of the current row's pass-through columns.</param>
    /// <param name="images">The look-ahead cursor that reads the images, or null when no output column is needed.</param>
    /// <param name="activeOutputs">Indices of the output columns asked for.</param>
    /// <param name="rowCount">Rows the input has, when it knows (for the progress line's total and time left).</param>
    public BatchScoringCursor(ScoringBinding binding, DataViewRowCursor rows, DataViewRowCursor? images, IEnumerable<int> activeOutputs, long? rowCount)
    {
        _binding = binding;
        _rows = rows;
        _images = images;
        _pipeline = images is null ? null : binding.Pipeline(images);
        _batches = _pipeline?.Batches().GetEnumerator();
        _activeOutputs = [.. activeOutputs];
        _meter = new PhaseMeter("Scoring", rowCount ?? 0, "images", binding.Model.Log.Info, progress: null);
    }

    public override DataViewSchema Schema => _binding.OutputSchema;

    public override long Position => _rows.Position;

    public override long Batch => _rows.Batch;

    public override bool MoveNext()
    {
        if (!_rows.MoveNext())
        {
            if (_images is not null)
                _meter.Finish();
            return false;
        }
        if (_images is not null && Position >= _batchStart + _batch.Length)
            ScoreNextBatch();
        return true;
    }

    private void ScoreNextBatch()
    {
        if (!_batches!.MoveNext())
            throw new InvalidOperationException("The input gave fewer rows to the image cursor than to the row cursor; scoring needs an input that repeats its row order.");
        using var batch = _batches.Current;
        _batch = _binding.Score(batch);
        _batchStart = Position;
        _meter.Advance(_batch.Length);
    }

    private float[] Current => _batch[Position - _batchStart];

    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
    {
        if (!_binding.IsOutput(column))
            return _rows.GetGetter<TValue>(_rows.Schema[column.Index]);
        if (!_activeOutputs.Contains(column.Index))
            throw new InvalidOperationException($"Column '{column.Name}' was not requested when the cursor was created.");
        return _binding.GetOutputGetter<TValue>(column, () => Current);
    }

    public override bool IsColumnActive(DataViewSchema.Column column) =>
        _binding.IsOutput(column) ? _activeOutputs.Contains(column.Index) : _rows.IsColumnActive(_rows.Schema[column.Index]);

    public override ValueGetter<DataViewRowId> GetIdGetter() => _rows.GetIdGetter();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _batches?.Dispose();
            _pipeline?.Dispose();
            _rows.Dispose();
            _images?.Dispose();
        }
        base.Dispose(disposing);
    }
}
