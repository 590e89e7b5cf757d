namespace ML.FastCnn;

/// <summary>A cell off the confusion matrix's diagonal: how often images of <paramref name="Actual"/> were predicted as <paramref name="Predicted"/> (fast.ai <c>most_confused</c>).</summary>
/// <param name="Actual">Name of the true class.</param>
/// <param name="Predicted">Name of the class predicted instead.</param>
/// <param name="Count">Number of such images.</param>
public sealed record ConfusedPair(string Actual, string Predicted, int Count);
