using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace ML.FastCnn;

/// <summary>
/// The label and score columns of scored multi-label data, read into memory: per row, one probability and one yes/no
/// truth per class, with the class names and the thresholds the model carries.
/// </summary>
internal sealed class MultiLabelRows
{
    /// <summary>The Score column annotation that holds a multi-label model's per-class thresholds (a vector of Single, one per class).</summary>
    public const string ThresholdsAnnotation = "FastCnnThresholds";

    private const string SlotNamesAnnotation = "SlotNames", KeyValuesAnnotation = "KeyValues";

    private const string LabelTypes = "a vector of keys (MapValueToKey over a string[] column), a vector of Boolean or a vector of Single (above 0.5 is yes)";

    private MultiLabelRows(IReadOnlyList<string> classNames, float[][] scores, bool[][] truth, float[]? modelThresholds)
    {
        ClassNames = classNames;
        Scores = scores;
        Truth = truth;
        ModelThresholds = modelThresholds;
    }

    /// <summary>The classes, in slot order.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Per row, the probability of each class.</summary>
    public float[][] Scores { get; }

    /// <summary>Per row, whether it has each class.</summary>
    public bool[][] Truth { get; }

    /// <summary>The thresholds in the Score column's <see cref="ThresholdsAnnotation"/> annotation, or null without one.</summary>
    public float[]? ModelThresholds { get; }

    /// <summary>The number of rows.</summary>
    public int Count => Scores.Length;

    /// <summary>Reads every row's label and score; checks the columns' types and that they agree on the classes.</summary>
    public static MultiLabelRows Read(IDataView data, string labelColumnName, string scoreColumnName)
    {
        var score = FindColumn(data, scoreColumnName, nameof(scoreColumnName), "score");
        Checks.UserArg(score.Type is VectorDataViewType { IsKnownSize: true } s && s.ItemType == NumberDataViewType.Single,
            nameof(scoreColumnName), $"names the score column '{score.Name}', which is {score.Type}; it must be a vector of Single of known size, " +
            "one probability per class, as a multi-label model writes");
        int classes = ((VectorDataViewType)score.Type).Size;

        var label = FindColumn(data, labelColumnName, nameof(labelColumnName), "label");
        var labelClasses = LabelClasses(label);
        Checks.UserArg(labelClasses is not null, nameof(labelColumnName), $"names the label column '{label.Name}', which is {label.Type}; it must be {LabelTypes}");
        Checks.UserArg(labelClasses == classes, nameof(labelColumnName),
            $"names the label column '{label.Name}', which has {labelClasses} classes, while the score column '{score.Name}' has {classes}. " +
            (IsKeyVector(label)
                ? "Map the labels with the MapValueToKey transformer fitted on the training data, so that both know the same classes"
                : "Give the label one slot per class of the model, in the model's order"));

        var slotNames = TextAnnotation(score, SlotNamesAnnotation, classes);
        var keyValues = IsKeyVector(label) ? TextAnnotation(label, KeyValuesAnnotation, classes) : null;
        int differs = slotNames is null || keyValues is null ? -1 : Enumerable.Range(0, classes).FirstOrDefault(i => slotNames[i] != keyValues[i], -1);
        Checks.UserArg(differs < 0, nameof(labelColumnName),
            $"names the label column '{label.Name}', whose classes differ from the score column's '{score.Name}' (slot {differs}: '{keyValues?[Math.Max(differs, 0)]}' " +
            $"in the label, '{slotNames?[Math.Max(differs, 0)]}' in the score). Map the labels with the MapValueToKey transformer fitted on the training data, " +
            "so that both know the same classes in the same order");
        IReadOnlyList<string> classNames = slotNames ?? keyValues ?? [.. Enumerable.Range(1, classes).Select(i => i.ToString(CultureInfo.InvariantCulture))];
        var thresholds = ThresholdsOf(score, classes);

        var scores = new List<float[]>();
        var truth = new List<bool[]>();
        using var cursor = data.GetRowCursor([label, score]);
        var readTruth = TruthReader(cursor, label, classes);
        var getScore = cursor.GetGetter<VBuffer<float>>(score);
        VBuffer<float> scoreBuffer = default;
        while (cursor.MoveNext())
        {
            getScore(ref scoreBuffer);
            var probabilities = new float[classes];
            scoreBuffer.CopyTo(probabilities);
            int notFinite = Array.FindIndex(probabilities, p => !float.IsFinite(p));
            if (notFinite >= 0)
                throw new InvalidDataException(
                    $"Row {scores.Count} of the score column '{score.Name}' has {probabilities[notFinite]} for class '{classNames[notFinite]}'; every score must be a finite probability.");
            scores.Add(probabilities);
            truth.Add(readTruth());
        }
        Checks.UserArg(scores.Count > 0, nameof(data), "has no rows: there is nothing to evaluate");
        return new MultiLabelRows(classNames, [.. scores], [.. truth], thresholds);
    }

    private static DataViewSchema.Column FindColumn(IDataView data, string name, string argumentName, string role)
    {
        Checks.UserArg(!string.IsNullOrEmpty(name), argumentName, $"must name the {role} column");
        var column = data.Schema.GetColumnOrNull(name);
        Checks.UserArg(column is not null, argumentName,
            $"names the {role} column '{name}', which the data does not have (its columns: {string.Join(", ", data.Schema.Where(c => !c.IsHidden).Select(c => c.Name))}). " +
            $"Pass the {role} column's name as {argumentName}");
        return column!.Value;
    }

    /// <summary>How many classes a label column of a supported type has, or null for a type that is not supported.</summary>
    private static int? LabelClasses(DataViewSchema.Column label) => label.Type switch
    {
        VectorDataViewType { ItemType: KeyDataViewType key } when key.RawType == typeof(uint) => (int)key.Count,
        VectorDataViewType { ItemType: BooleanDataViewType, IsKnownSize: true } v => v.Size,
        VectorDataViewType { IsKnownSize: true } v when v.ItemType == NumberDataViewType.Single => v.Size,
        _ => null,
    };

    /// <summary>Reads the current row's label as one yes/no per class.</summary>
    private static Func<bool[]> TruthReader(DataViewRowCursor cursor, DataViewSchema.Column label, int classes)
    {
        var itemType = ((VectorDataViewType)label.Type).ItemType;
        if (itemType is KeyDataViewType)
        {
            var get = cursor.GetGetter<VBuffer<uint>>(label);
            VBuffer<uint> keys = default;
            return () =>
            {
                get(ref keys);
                var truth = new bool[classes];
                foreach (uint key in keys.GetValues())
                {
                    if (key != 0) // 0 is a missing value: a label the key mapping did not know
                        truth[key - 1] = true;
                }
                return truth;
            };
        }
        if (itemType is BooleanDataViewType)
        {
            var get = cursor.GetGetter<VBuffer<bool>>(label);
            VBuffer<bool> flags = default;
            return () =>
            {
                get(ref flags);
                var truth = new bool[classes];
                flags.CopyTo(truth);
                return truth;
            };
        }
        var getSingle = cursor.GetGetter<VBuffer<float>>(label);
        VBuffer<float> values = default;
        var dense = new float[classes];
        return () =>
        {
            getSingle(ref values);
            values.CopyTo(dense);
            return Array.ConvertAll(dense, v => v > 0.5f);
        };
    }

    private static bool IsKeyVector(DataViewSchema.Column column) => column.Type is VectorDataViewType { ItemType: KeyDataViewType };

    private static string[]? TextAnnotation(DataViewSchema.Column column, string kind, int classes)
    {
        if (column.Annotations.Schema.GetColumnOrNull(kind)?.Type is not VectorDataViewType { ItemType: TextDataViewType } type || type.Size != classes)
            return null;
        VBuffer<ReadOnlyMemory<char>> names = default;
        column.Annotations.GetValue(kind, ref names);
        var dense = new ReadOnlyMemory<char>[classes];
        names.CopyTo(dense);
        return Array.ConvertAll(dense, n => n.ToString());
    }

    private static float[]? ThresholdsOf(DataViewSchema.Column score, int classes)
    {
        if (score.Annotations.Schema.GetColumnOrNull(ThresholdsAnnotation) is not { } annotation)
            return null;
        if (annotation.Type is not VectorDataViewType { ItemType: NumberDataViewType } type || type.ItemType != NumberDataViewType.Single || type.Size != classes)
            throw new InvalidDataException(
                $"The score column '{score.Name}' has a {ThresholdsAnnotation} annotation of type {annotation.Type}; it must be a vector of {classes} Single, one threshold per class. " +
                "Pass a threshold to use instead.");
        VBuffer<float> values = default;
        score.Annotations.GetValue(ThresholdsAnnotation, ref values);
        var thresholds = new float[classes];
        values.CopyTo(thresholds);
        return thresholds;
    }
}
