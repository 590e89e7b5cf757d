using Microsoft.ML;
using Microsoft.ML.Data;

namespace ML.FastCnn;

/// <summary>
/// The output columns with the annotations ML.NET's evaluators and <c>MapKeyToValue</c> read. Single-label: Score
/// (slot names, training label values) and PredictedLabel (key values), both with the score-column-set kind/id/value
/// annotations of a multiclass trainer. Multi-label (no ML.NET evaluator: see <see cref="FastCnn.EvaluateMultiLabel"/>):
/// Score (slot names, and the model's thresholds as <see cref="ThresholdsKind"/>) and PredictedLabels, a vector of keys
/// (key values). Regression: Score, a <see cref="float"/> (a vector for several values), marked as a regression's score.
/// </summary>
internal static class ScoreColumnsSchema
{
    /// <summary>The annotation on a multi-label Score column holding each class's threshold (what <see cref="FastCnn.EvaluateMultiLabel"/> reads).</summary>
    public const string ThresholdsKind = MultiLabelRows.ThresholdsAnnotation;

    /// <summary>The estimator-side shape of the output columns of <paramref name="task"/>.</summary>
    public static SchemaShape.Column[] MakeShape(SchemaShape.Column label, ImageTask task, string scoreColumnName, string predictedLabelColumnName)
    {
        var keyValues = new SchemaShape.Column(AnnotationUtils.Kinds.KeyValues, SchemaShape.Column.VectorKind.Vector, TextDataViewType.Instance, isKey: false);
        var slotNames = new SchemaShape.Column(AnnotationUtils.Kinds.SlotNames, SchemaShape.Column.VectorKind.Vector, TextDataViewType.Instance, isKey: false);
        return task switch
        {
            ImageTask.MultiLabel =>
            [
                new SchemaShape.Column(scoreColumnName, SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single, isKey: false, new SchemaShape([slotNames])),
                new SchemaShape.Column(predictedLabelColumnName, SchemaShape.Column.VectorKind.VariableVector, NumberDataViewType.UInt32, isKey: true, new SchemaShape([keyValues])),
            ],
            ImageTask.Regression =>
            [
                new SchemaShape.Column(scoreColumnName, label.Kind == SchemaShape.Column.VectorKind.Scalar ? SchemaShape.Column.VectorKind.Scalar : SchemaShape.Column.VectorKind.Vector,
                    NumberDataViewType.Single, isKey: false, new SchemaShape(AnnotationUtils.GetTrainerOutputAnnotation())),
            ],
            _ =>
            [
                new SchemaShape.Column(scoreColumnName, SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single, isKey: false,
                    new SchemaShape(AnnotationUtils.AnnotationsForMulticlassScoreColumn(label))),
                new SchemaShape.Column(predictedLabelColumnName, SchemaShape.Column.VectorKind.Scalar, NumberDataViewType.UInt32, isKey: true,
                    new SchemaShape(AnnotationUtils.GetTrainerOutputAnnotation().Append(keyValues))),
            ],
        };
    }

    /// <summary><paramref name="input"/> followed by the output columns of <paramref name="task"/> (which hide input columns of the same names).</summary>
    public static DataViewSchema Append(DataViewSchema input, TaskDefinition task, IReadOnlyList<float> thresholds, string scoreColumnName, string predictedLabelColumnName)
    {
        int outputs = task.Outputs;
        var namesType = new VectorDataViewType(TextDataViewType.Instance, outputs);
        ValueGetter<VBuffer<ReadOnlyMemory<char>>> names = (ref VBuffer<ReadOnlyMemory<char>> value) =>
            value = new VBuffer<ReadOnlyMemory<char>>(outputs, task.OutputNames.Select(n => n.AsMemory()).ToArray());
        uint setId = checked(input.GetMaxAnnotationKind(out _, AnnotationUtils.Kinds.ScoreColumnSetId) + 1);
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(input);
        var score = new DataViewSchema.Annotations.Builder();
        switch (task)
        {
            case RegressionTask:
                AddTrainerOutput(score, setId, AnnotationUtils.Const.ScoreColumnKind.Regression, AnnotationUtils.Const.ScoreValueKind.Score);
                if (outputs > 1)
                    score.Add(AnnotationUtils.Kinds.SlotNames, namesType, names);
                builder.AddColumn(scoreColumnName, outputs == 1 ? NumberDataViewType.Single : new VectorDataViewType(NumberDataViewType.Single, outputs), score.ToAnnotations());
                break;
            case MultiLabelTask:
                score.Add(AnnotationUtils.Kinds.SlotNames, namesType, names);
                score.Add(ThresholdsKind, new VectorDataViewType(NumberDataViewType.Single, outputs),
                    (ref VBuffer<float> value) => value = new VBuffer<float>(outputs, thresholds.ToArray()));
                var labels = new DataViewSchema.Annotations.Builder();
                labels.Add(AnnotationUtils.Kinds.KeyValues, namesType, names);
                builder.AddColumn(scoreColumnName, new VectorDataViewType(NumberDataViewType.Single, outputs), score.ToAnnotations());
                builder.AddColumn(predictedLabelColumnName, new VectorDataViewType(new KeyDataViewType(typeof(uint), outputs)), labels.ToAnnotations());
                break;
            default:
                AddTrainerOutput(score, setId, AnnotationUtils.Const.ScoreColumnKind.MulticlassClassification, AnnotationUtils.Const.ScoreValueKind.Score);
                score.Add(AnnotationUtils.Kinds.SlotNames, namesType, names);
                score.Add(AnnotationUtils.Kinds.TrainingLabelValues, namesType, names);
                var predicted = new DataViewSchema.Annotations.Builder();
                AddTrainerOutput(predicted, setId, AnnotationUtils.Const.ScoreColumnKind.MulticlassClassification, AnnotationUtils.Const.ScoreValueKind.PredictedLabel);
                predicted.Add(AnnotationUtils.Kinds.KeyValues, namesType, names);
                builder.AddColumn(scoreColumnName, new VectorDataViewType(NumberDataViewType.Single, outputs), score.ToAnnotations());
                builder.AddColumn(predictedLabelColumnName, new KeyDataViewType(typeof(uint), outputs), predicted.ToAnnotations());
                break;
        }
        return builder.ToSchema();
    }

    private static void AddTrainerOutput(DataViewSchema.Annotations.Builder builder, uint setId, string columnKind, string valueKind)
    {
        builder.Add(AnnotationUtils.Kinds.ScoreColumnSetId, AnnotationUtils.ScoreColumnSetIdType, (ref uint value) => value = setId);
        builder.Add(AnnotationUtils.Kinds.ScoreColumnKind, TextDataViewType.Instance, (ref ReadOnlyMemory<char> value) => value = columnKind.AsMemory());
        builder.Add(AnnotationUtils.Kinds.ScoreValueKind, TextDataViewType.Instance, (ref ReadOnlyMemory<char> value) => value = valueKind.AsMemory());
    }
}
