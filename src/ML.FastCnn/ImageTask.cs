namespace ML.FastCnn;

/// <summary>What a model learns from the label column: one class, any subset of classes, or numbers.</summary>
public enum ImageTask
{
    /// <summary>Decided from the label column's type: a key is <see cref="SingleLabel"/>, a vector of keys <see cref="MultiLabel"/>, a Single <see cref="Regression"/>.</summary>
    Auto,

    /// <summary>One class per image: a key-typed label, softmax and cross-entropy.</summary>
    SingleLabel,

    /// <summary>Any subset of the classes per image (none included): a vector label, a sigmoid per class and binary cross-entropy.</summary>
    MultiLabel,

    /// <summary>Numbers per image: a Single or vector-of-Single label, mean squared error.</summary>
    Regression,
}
