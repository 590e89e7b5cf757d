using Microsoft.ML;
using Microsoft.ML.Data;

namespace ML.FastCnn;

/// <summary>
/// The output of <see cref="FastCnnTransformer.Transform"/>: the input's columns plus Score and
/// PredictedLabel, computed <see cref="FastCnnTransformer.ScoringBatchSize"/> rows per forward pass.
/// </summary>
internal sealed class BatchScoringDataView : IDataView
{
    private readonly IDataView _input;
    private readonly ScoringBinding _binding;

    public BatchScoringDataView(IDataView input, ScoringBinding binding)
    {
        _input = input;
        _binding = binding;
    }

    public DataViewSchema Schema => _binding.OutputSchema;

    public bool CanShuffle => _input.CanShuffle;

    public long? GetRowCount() => _input.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var needed = columnsNeeded.ToList();
        // Two cursors over the same input in the same order: one runs ahead to read a batch of
        // images, the other serves the pass-through columns of the current row.
        int? seed = rand?.Next();
        var rows = _input.GetRowCursor(needed.Where(c => !_binding.IsOutput(c)).Select(c => _input.Schema[c.Index]), Shuffler(seed));
        var images = needed.Any(_binding.IsOutput) ? _input.GetRowCursor(_binding.Image.Columns, Shuffler(seed)) : null;
        return new BatchScoringCursor(_binding, rows, images, needed.Where(_binding.IsOutput).Select(c => c.Index), _input.GetRowCount());
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)]; // Batching already fills the forward pass; one cursor keeps rows in order.

    private static Random? Shuffler(int? seed) => seed is { } s ? new Random(s) : null;
}
