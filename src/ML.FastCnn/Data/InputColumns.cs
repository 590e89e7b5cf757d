using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;

namespace ML.FastCnn;

/// <summary>
/// The rules for the image and label columns, with one wording for every place that checks them:
/// the estimator's schema shape, the training data and validation set, and a model's scoring input.
/// Messages name the column and say how to fix it.
/// </summary>
internal static class InputColumns
{
    /// <summary>Checks the image and label columns of an estimator-time schema; returns the label column.</summary>
    public static SchemaShape.Column CheckShape(SchemaShape schema, string imageColumnName, string labelColumnName)
    {
        var image = Find(schema, imageColumnName) ?? throw ImageNotFound(imageColumnName);
        bool isImage = image.Kind == SchemaShape.Column.VectorKind.Scalar && image.ItemType is ImageDataViewType;
        bool isBytes = image.Kind != SchemaShape.Column.VectorKind.Scalar && image.ItemType == NumberDataViewType.Byte;
        if (!isImage && !isBytes)
            throw ImageOfWrongType(imageColumnName, image.ItemType);

        var label = Find(schema, labelColumnName) ?? throw LabelNotFound(labelColumnName);
        if (!label.IsKey || label.Kind != SchemaShape.Column.VectorKind.Scalar)
            throw LabelNotKey(labelColumnName, label.ItemType);
        return label;
    }

    /// <summary>Checks the image column of a data schema and returns it.</summary>
    public static DataViewSchema.Column CheckImage(DataViewSchema schema, string imageColumnName)
    {
        var image = schema.GetColumnOrNull(imageColumnName) ?? throw ImageNotFound(imageColumnName);
        if (!IsImage(image.Type) && !IsEncodedBytes(image.Type))
            throw ImageOfWrongType(imageColumnName, image.Type);
        return image;
    }

    /// <summary>Checks the label column of a data schema and returns its number of classes.</summary>
    public static int CheckLabel(DataViewSchema schema, string labelColumnName)
    {
        var label = schema.GetColumnOrNull(labelColumnName) ?? throw LabelNotFound(labelColumnName);
        if (label.Type is not KeyDataViewType key)
            throw LabelNotKey(labelColumnName, label.Type);
        if (key.Count < 2 || key.Count > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(schema),
                $"The label column '{labelColumnName}' has {key.Count} class(es). To build a multiclass classification model, the number of classes needs to be 2 or greater.");
        return (int)key.Count;
    }

    public static bool IsImage(DataViewType type) => type is ImageDataViewType;

    public static bool IsEncodedBytes(DataViewType type) => type is VectorDataViewType { ItemType: NumberDataViewType n } && n.RawType == typeof(byte);

    private static SchemaShape.Column? Find(SchemaShape schema, string name)
    {
        foreach (var column in schema)
        {
            if (column.Name == name)
                return column;
        }
        return null;
    }

    private static ArgumentOutOfRangeException ImageNotFound(string name) => new("schema",
        $"Image column '{name}' not found in the input. Load images with mlContext.Transforms.LoadImages(\"{name}\", imageFolder, \"ImagePath\") " +
        "or set ImageColumnName in the options to the name of your image column.");

    private static ArgumentOutOfRangeException ImageOfWrongType(string name, DataViewType type) => new("schema",
        $"Image column '{name}' has type {type}, but FastCnn needs an image (from LoadImages) " +
        "or encoded image bytes (from LoadRawImageBytes). Load the files with one of those.");

    private static ArgumentOutOfRangeException LabelNotFound(string name) => new("schema",
        $"Label column '{name}' not found in the input. Set LabelColumnName in the options to the name of your label column.");

    private static ArgumentOutOfRangeException LabelNotKey(string name, DataViewType type) => new("schema",
        $"Label column '{name}' has type {type}, but FastCnn needs a key type. " +
        $"Add mlContext.Transforms.Conversion.MapValueToKey(\"{name}\") before the trainer.");
}
