namespace ML.FastCnn;

/// <summary>Ways to read a learning rate off the range test's curve (fast.ai's <c>suggest_funcs</c>).</summary>
public enum LearningRateSuggestion
{
    /// <summary>
    /// In the longest stretch where the loss keeps falling, a point 1/3 + 1/6 of the way along it
    /// (fast.ai <c>valley</c>, its default). The usual choice.
    /// </summary>
    Valley,

    /// <summary>Where the loss falls fastest against log(learning rate) (fast.ai <c>steep</c>).</summary>
    Steep,

    /// <summary>One tenth of the learning rate at the lowest loss (fast.ai <c>minimum</c>).</summary>
    MinimumDividedBy10,
}
