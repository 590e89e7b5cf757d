using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;

namespace ML.FastCnn;

/// <summary>
/// Checks a training (or validation) schema against the options and reads its labelled images,
/// with messages that name the column or file and say how to fix it.
/// </summary>
internal static class TrainingInput
{
    /// <summary>Checks the image and label columns of an estimator-time schema; returns the label column.</summary>
    public static SchemaShape.Column CheckShape(SchemaShape schema, FastCnnOptions options)
    {
        string image = options.ImageColumnName;
        if (!schema.TryFindColumn(image, out var imageColumn))
            throw new ArgumentOutOfRangeException(nameof(schema),
                $"Image column '{image}' not found in the input. Load images with mlContext.Transforms.LoadImages(\"{image}\", imageFolder, \"ImagePath\") " +
                "or set FastCnnOptions.ImageColumnName to the name of your image column.");
        bool isImage = imageColumn.Kind == SchemaShape.Column.VectorKind.Scalar && imageColumn.ItemType is ImageDataViewType;
        bool isBytes = imageColumn.Kind != SchemaShape.Column.VectorKind.Scalar && imageColumn.ItemType == NumberDataViewType.Byte;
        if (!isImage && !isBytes)
            throw new ArgumentOutOfRangeException(nameof(schema),
                $"Image column '{image}' has type {imageColumn.ItemType}, but FastCnn needs an image (from LoadImages) " +
                "or encoded image bytes (from LoadRawImageBytes). Load the files with one of those.");

        string label = options.LabelColumnName;
        if (!schema.TryFindColumn(label, out var labelColumn))
            throw new ArgumentOutOfRangeException(nameof(schema),
                $"Label column '{label}' not found in the input. Set FastCnnOptions.LabelColumnName to the name of your label column.");
        if (!labelColumn.IsKey || labelColumn.Kind != SchemaShape.Column.VectorKind.Scalar)
            throw new ArgumentOutOfRangeException(nameof(schema),
                $"Label column '{label}' has type {labelColumn.ItemType}, but FastCnn needs a key type. " +
                $"Add mlContext.Transforms.Conversion.MapValueToKey(\"{label}\") before the trainer.");
        return labelColumn;
    }

    /// <summary>The label's key values as text, in key order; "1", "2", … when the key has no text values.</summary>
    public static List<string> ClassNames(DataViewSchema schema, FastCnnOptions options)
    {
        CheckShape(SchemaShape.Create(schema), options);
        var label = schema[options.LabelColumnName];
        ulong count = label.Type.GetKeyCount();
        if (count < 2 || count > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(schema),
                $"The label column '{label.Name}' has {count} class(es). To build a multiclass classification model, the number of classes needs to be 2 or greater.");
        if (label.HasKeyValues() && label.Annotations.Schema[AnnotationUtils.Kinds.KeyValues].Type is VectorDataViewType { ItemType: TextDataViewType })
        {
            VBuffer<ReadOnlyMemory<char>> values = default;
            label.GetKeyValues(ref values);
            return values.DenseValues().Select(v => v.ToString()).ToList();
        }
        return Enumerable.Range(1, (int)count).Select(i => i.ToString()).ToList();
    }

    /// <summary>
    /// One pass over the labels only (no image is decoded): the number of labelled rows and of
    /// distinct classes among them. Fails when there are no labelled rows.
    /// </summary>
    public static (int Rows, int Classes) CountLabels(IDataView data, DataViewSchema.Column label, string what)
    {
        using var cursor = data.GetRowCursor([label]);
        var getLabel = cursor.GetGetter<uint>(label);
        var seen = new HashSet<uint>();
        uint key = 0;
        int rows = 0, missing = 0;
        while (cursor.MoveNext())
        {
            getLabel(ref key);
            if (key == 0)
            {
                missing++;
                continue;
            }
            rows++;
            seen.Add(key);
        }
        if (rows == 0)
            throw new ArgumentOutOfRangeException(nameof(data),
                $"The {what} has no usable rows ({missing} rows with a missing label). Check that the data view is not empty and that its labels map to keys.");
        return (rows, seen.Count);
    }
}
