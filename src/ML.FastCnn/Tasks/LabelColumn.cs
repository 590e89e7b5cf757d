using Microsoft.ML;
using Microsoft.ML.Data;

namespace ML.FastCnn;

/// <summary>
/// Which <see cref="ImageTask"/> a label column can train, from its type, and the task with its output names. One
/// wording for the estimator's schema shape, the training data and the validation set; a mixed-up label (a vector for a
/// single-label task, text for regression) gets a message that says what to change.
/// </summary>
internal static class LabelColumn
{
    private enum Shape { Key, KeyVector, BoolVector, Number, NumberVector, Other }

    /// <summary>The task a label column of the estimator-time <paramref name="label"/> shape trains.</summary>
    public static ImageTask Resolve(SchemaShape.Column label, ImageTask requested)
    {
        bool vector = label.Kind != SchemaShape.Column.VectorKind.Scalar;
        var shape = label.IsKey ? (vector ? Shape.KeyVector : Shape.Key)
            : label.ItemType is BooleanDataViewType && vector ? Shape.BoolVector
            : label.ItemType == NumberDataViewType.Single ? (label.Kind == SchemaShape.Column.VectorKind.Vector ? Shape.NumberVector : vector ? Shape.Other : Shape.Number)
            : Shape.Other;
        return Resolve(label.Name, label.ItemType, shape, requested);
    }

    /// <summary>The task <paramref name="labelColumnName"/> of <paramref name="schema"/> trains, with its output names (classes or values).</summary>
    public static TaskDefinition Bind(DataViewSchema schema, string labelColumnName, ImageTask requested, ValueRange? range, RegressionLoss loss)
    {
        var label = schema.GetColumnOrNull(labelColumnName) ?? throw NotFound(labelColumnName);
        var type = label.Type;
        var item = type is VectorDataViewType vectorType ? vectorType.ItemType : type;
        var shape = type switch
        {
            KeyDataViewType => Shape.Key,
            VectorDataViewType { ItemType: KeyDataViewType } => Shape.KeyVector,
            VectorDataViewType { ItemType: BooleanDataViewType, IsKnownSize: true } => Shape.BoolVector,
            NumberDataViewType n when n == NumberDataViewType.Single => Shape.Number,
            VectorDataViewType { ItemType: NumberDataViewType n, IsKnownSize: true } when n == NumberDataViewType.Single => Shape.NumberVector,
            _ => Shape.Other,
        };
        var task = Resolve(labelColumnName, item, shape, requested);
        switch (task)
        {
            case ImageTask.SingleLabel:
                return new SingleLabelTask(KeyNames(label, CheckClasses(labelColumnName, ((KeyDataViewType)type).Count, minimum: 2)));
            case ImageTask.MultiLabel:
                return new MultiLabelTask(item is KeyDataViewType key
                    ? KeyNames(label, CheckClasses(labelColumnName, key.Count, minimum: 1))
                    : SlotNames(label, ((VectorDataViewType)type).Size, i => (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)));
            default:
                return RegressionTask.Create(type is VectorDataViewType vector ? SlotNames(label, vector.Size, i => $"{labelColumnName}[{i}]") : [labelColumnName], range, loss);
        }
    }

    private static ImageTask Resolve(string name, DataViewType item, Shape shape, ImageTask requested)
    {
        var natural = shape switch
        {
            Shape.Key => ImageTask.SingleLabel,
            Shape.KeyVector or Shape.BoolVector => ImageTask.MultiLabel,
            Shape.Number or Shape.NumberVector => ImageTask.Regression,
            _ => throw new ArgumentOutOfRangeException("schema", item is TextDataViewType
                ? $"Label column '{name}' holds text, but FastCnn needs keys for classes or numbers for regression. For classes add mlContext.Transforms.Conversion.MapValueToKey(\"{name}\") " +
                  $"before the trainer (over a string[] column for multi-label); for regression convert it with mlContext.Transforms.Conversion.ConvertType(\"{name}\", outputKind: DataKind.Single)."
                : $"Label column '{name}' has type {item}{(shape == Shape.Other && item == NumberDataViewType.Single ? " in a vector of unknown size" : "")}, which FastCnn cannot train on. " +
                  $"Use a key (MapValueToKey) for one class per image, a vector of keys or booleans for multi-label, or Single values (ConvertType(\"{name}\", outputKind: DataKind.Single)) for regression."),
        };
        if (requested == ImageTask.Auto || requested == natural || (requested == ImageTask.MultiLabel && shape == Shape.NumberVector))
            return requested == ImageTask.Auto ? natural : requested;
        throw new ArgumentOutOfRangeException("schema", (requested, shape) switch
        {
            (ImageTask.MultiLabel, Shape.Key) => $"Label column '{name}' holds one key per image, a single label, but Task is MultiLabel. For multi-label, make the label a vector: " +
                $"MapValueToKey over a string[] column (LoadImageCsv with ImageTask.MultiLabel makes one), or booleans per class; for one class per image, set Task to SingleLabel or Auto.",
            (ImageTask.SingleLabel, Shape.KeyVector or Shape.BoolVector or Shape.NumberVector) => $"Label column '{name}' is a vector (several labels per image), but Task is SingleLabel. " +
                "Set Task to MultiLabel (or Auto) for multi-label, or give one key per image (MapValueToKey over a text column).",
            (ImageTask.Regression, Shape.Key or Shape.KeyVector or Shape.BoolVector) => $"Label column '{name}' holds classes (keys or booleans), but Task is Regression, which needs numbers. " +
                $"Give a Single column of the values (ConvertType(\"{name}\", outputKind: DataKind.Single) on numbers read as text), or set Task to Auto for classes.",
            _ => $"Label column '{name}' holds numbers (Single), but Task is {requested}, which needs classes. For classes, MapValueToKey(\"{name}\") makes keys; for regression set Task to Regression or Auto.",
        });
    }

    private static int CheckClasses(string name, ulong count, int minimum) => count >= (ulong)minimum && count <= int.MaxValue ? (int)count
        : throw new ArgumentOutOfRangeException("schema", minimum == 2
            ? $"The label column '{name}' has {count} class(es). To build a multiclass classification model, the number of classes needs to be 2 or greater."
            : $"The label column '{name}' has no classes. Map its values with MapValueToKey over the training data.");

    /// <summary>The key values as text, in key order ("1", "2", … when the key has no text values).</summary>
    private static string[] KeyNames(DataViewSchema.Column label, int count)
    {
        if (label.Annotations.Schema.GetColumnOrNull(AnnotationUtils.Kinds.KeyValues)?.Type is VectorDataViewType { ItemType: TextDataViewType })
        {
            VBuffer<ReadOnlyMemory<char>> values = default;
            label.GetKeyValues(ref values);
            return values.DenseValues().Select(v => v.ToString()).ToArray();
        }
        return Enumerable.Range(1, count).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
    }

    /// <summary>The vector's slot names, or <paramref name="fallback"/> for each slot without.</summary>
    private static string[] SlotNames(DataViewSchema.Column label, int size, Func<int, string> fallback)
    {
        var names = Enumerable.Range(0, size).Select(fallback).ToArray();
        if (label.Annotations.Schema.GetColumnOrNull(AnnotationUtils.Kinds.SlotNames)?.Type is VectorDataViewType { ItemType: TextDataViewType } slotType && slotType.Size == size)
        {
            VBuffer<ReadOnlyMemory<char>> slots = default;
            label.GetSlotNames(ref slots);
            int i = 0;
            foreach (var slot in slots.DenseValues())
            {
                if (!slot.IsEmpty)
                    names[i] = slot.ToString();
                i++;
            }
        }
        return names;
    }

    public static ArgumentOutOfRangeException NotFound(string name) => new("schema",
        $"Label column '{name}' not found in the input. Set LabelColumnName in the options to the name of your label column.");
}
