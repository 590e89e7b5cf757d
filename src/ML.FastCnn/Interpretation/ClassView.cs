namespace ML.FastCnn;

/// <summary>The per-class views of fast.ai v0.7's lesson 1 (<c>most_by_correct</c>, <c>most_uncertain</c>).</summary>
public enum ClassView
{
    /// <summary>Images of the class predicted as it, most confident first (highest probability of the class).</summary>
    MostCorrect,

    /// <summary>Images of the class predicted as another class, worst first (lowest probability of the class).</summary>
    MostIncorrect,

    /// <summary>Images (of any class) whose probability of the class is closest to ½: where the model cannot decide.</summary>
    MostUncertain,
}
