using Microsoft.ML;
using Microsoft.ML.Data;

namespace ML.FastCnn;

/// <summary>
/// Row-at-a-time scoring for <c>PredictionEngine</c> and other <see cref="IRowToRowMapper"/> users:
/// each row's image is scored once, when one of its output columns is first read.
/// </summary>
internal sealed class SingleRowMapper : IRowToRowMapper
{
    private readonly ScoringBinding _binding;

    public SingleRowMapper(ScoringBinding binding) => _binding = binding;

    public DataViewSchema InputSchema => _binding.InputSchema;

    public DataViewSchema OutputSchema => _binding.OutputSchema;

    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns) =>
        _binding.InputColumnsFor(dependingColumns);

    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns) =>
        new ScoredRow(_binding, input, [.. activeColumns.Where(_binding.IsOutput).Select(c => c.Index)]);

    private sealed class ScoredRow : DataViewRow
    {
        private readonly ScoringBinding _binding;
        private readonly DataViewRow _input;
        private readonly HashSet<int> _activeOutputs;
        private readonly Func<float[]> _current;

        public ScoredRow(ScoringBinding binding, DataViewRow input, HashSet<int> activeOutputs)
        {
            _binding = binding;
            _input = input;
            _activeOutputs = activeOutputs;
            if (activeOutputs.Count == 0)
            {
                _current = () => throw new InvalidOperationException("No output column of FastCnn is active.");
                return;
            }
            var reader = binding.Image.CreateReader(input, scoring: true);
            long scoredPosition = -1;
            float[] probabilities = [];
            _current = () =>
            {
                if (scoredPosition != _input.Position)
                {
                    using var image = reader.Read();
                    try
                    {
                        probabilities = binding.Score(image, _input.Position);
                    }
                    catch (InvalidDataException e)
                    {
                        throw reader.Unreadable(e.Message, e);
                    }
                    scoredPosition = _input.Position;
                }
                return probabilities;
            };
        }

        public override DataViewSchema Schema => _binding.OutputSchema;

        public override long Position => _input.Position;

        public override long Batch => _input.Batch;

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (!_binding.IsOutput(column))
                return _input.GetGetter<TValue>(_input.Schema[column.Index]);
            if (!_activeOutputs.Contains(column.Index))
                throw new InvalidOperationException($"Column '{column.Name}' was not requested when the row was created.");
            return _binding.GetOutputGetter<TValue>(column, _current);
        }

        public override bool IsColumnActive(DataViewSchema.Column column) =>
            _binding.IsOutput(column) ? _activeOutputs.Contains(column.Index) : _input.IsColumnActive(_input.Schema[column.Index]);

        public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
                _input.Dispose();
            base.Dispose(disposing);
        }
    }
}
