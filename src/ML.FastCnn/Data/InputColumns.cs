using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;

namespace ML.FastCnn;

/// <summary>
/// The rules for the image column (the label's are <see cref="LabelColumn"/>'s), with one wording for every place that checks them:
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
        return Find(schema, labelColumnName) ?? throw LabelColumn.NotFound(labelColumnName);
    }

    /// <summary>Checks the image column of a data schema and returns it.</summary>
    public static DataViewSchema.Column CheckImage(DataViewSchema schema, string imageColumnName)
    {
        var image = schema.GetColumnOrNull(imageColumnName) ?? throw ImageNotFound(imageColumnName);
        if (!IsImage(image.Type) && !IsEncodedBytes(image.Type))
            throw ImageOfWrongType(imageColumnName, image.Type);
        return image;
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
}
