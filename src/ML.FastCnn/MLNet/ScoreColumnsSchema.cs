using Microsoft.ML;
using Microsoft.ML.Data;

namespace ML.FastCnn;

/// <summary>
/// The Score and PredictedLabel columns with the annotations ML.NET's multiclass evaluator and
/// <c>MapKeyToValue</c> read: slot names and training label values on Score, key values on
/// PredictedLabel, and the score-column-set kind/id/value annotations on both.
/// </summary>
internal static class ScoreColumnsSchema
{
    /// <summary>The estimator-side shape of the two output columns.</summary>
    public static SchemaShape.Column[] MakeShape(SchemaShape.Column label, string scoreColumnName, string predictedLabelColumnName)
    {
        var keyValues = new SchemaShape.Column(AnnotationUtils.Kinds.KeyValues, SchemaShape.Column.VectorKind.Vector, TextDataViewType.Instance, isKey: false);
        return
        [
            new SchemaShape.Column(scoreColumnName, SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single, isKey: false,
                new SchemaShape(AnnotationUtils.AnnotationsForMulticlassScoreColumn(label))),
            new SchemaShape.Column(predictedLabelColumnName, SchemaShape.Column.VectorKind.Scalar, NumberDataViewType.UInt32, isKey: true,
                new SchemaShape(AnnotationUtils.GetTrainerOutputAnnotation().Append(keyValues))),
        ];
    }

    /// <summary><paramref name="input"/> followed by Score and PredictedLabel (which hide input columns of the same names).</summary>
    public static DataViewSchema Append(DataViewSchema input, IReadOnlyList<string> classNames, string scoreColumnName, string predictedLabelColumnName)
    {
        int classes = classNames.Count;
        var namesType = new VectorDataViewType(TextDataViewType.Instance, classes);
        ValueGetter<VBuffer<ReadOnlyMemory<char>>> names = (ref VBuffer<ReadOnlyMemory<char>> value) =>
            value = new VBuffer<ReadOnlyMemory<char>>(classes, classNames.Select(n => n.AsMemory()).ToArray());
        uint setId = checked(input.GetMaxAnnotationKind(out _, AnnotationUtils.Kinds.ScoreColumnSetId) + 1);

        var score = new DataViewSchema.Annotations.Builder();
        AddTrainerOutput(score, setId, AnnotationUtils.Const.ScoreValueKind.Score);
        score.Add(AnnotationUtils.Kinds.SlotNames, namesType, names);
        score.Add(AnnotationUtils.Kinds.TrainingLabelValues, namesType, names);

        var predicted = new DataViewSchema.Annotations.Builder();
        AddTrainerOutput(predicted, setId, AnnotationUtils.Const.ScoreValueKind.PredictedLabel);
        predicted.Add(AnnotationUtils.Kinds.KeyValues, namesType, names);

        var builder = new DataViewSchema.Builder();
        builder.AddColumns(input);
        builder.AddColumn(scoreColumnName, new VectorDataViewType(NumberDataViewType.Single, classes), score.ToAnnotations());
        builder.AddColumn(predictedLabelColumnName, new KeyDataViewType(typeof(uint), classes), predicted.ToAnnotations());
        return builder.ToSchema();
    }

    private static void AddTrainerOutput(DataViewSchema.Annotations.Builder builder, uint setId, string valueKind)
    {
        builder.Add(AnnotationUtils.Kinds.ScoreColumnSetId, AnnotationUtils.ScoreColumnSetIdType, (ref uint value) => value = setId);
        builder.Add(AnnotationUtils.Kinds.ScoreColumnKind, TextDataViewType.Instance,
            (ref ReadOnlyMemory<char> value) => value = AnnotationUtils.Const.ScoreColumnKind.MulticlassClassification.AsMemory());
        builder.Add(AnnotationUtils.Kinds.ScoreValueKind, TextDataViewType.Instance, (ref ReadOnlyMemory<char> value) => value = valueKind.AsMemory());
    }
}
