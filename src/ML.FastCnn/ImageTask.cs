namespace ML.FastCnn;

/// <summary>What the network learns to predict from an image (fast.ai's blocks: <c>CategoryBlock</c>, <c>MultiCategoryBlock</c>, <c>RegressionBlock</c>).</summary>
public enum ImageTask
{
    /// <summary>From the label column's type: a key → <see cref="SingleLabel"/>; a vector of keys or of booleans → <see cref="MultiLabel"/>; a <see cref="float"/> or a vector of them → <see cref="Regression"/>.</summary>
    Auto = 0,

    /// <summary>One class per image: a key-typed label, a softmax over the classes, cross-entropy.</summary>
    SingleLabel = 1,

    /// <summary>Any subset of the classes per image: a vector label (keys, booleans, or 0/1 floats), one sigmoid per class, binary cross-entropy.</summary>
    MultiLabel = 2,

    /// <summary>Numbers: a <see cref="float"/> label (or a vector of them), a linear output, mean squared (or absolute) error.</summary>
    Regression = 3,
}
