namespace ML.FastCnn;

/// <summary>
/// Peak learning rates for the network's layer groups (stem + stages 1–2, stages 3–4, head): one
/// rate for all, a <see cref="Range"/> spread geometrically from the first group to the head
/// (fast.ai <c>slice(lo, hi)</c>), <see cref="Head"/> (fast.ai <c>slice(hi)</c>), or one rate per
/// group. A <see cref="double"/> converts implicitly to the same rate for all groups.
/// </summary>
public readonly struct LearningRates
{
    private enum Kind { Single, Range, Head, PerGroup }

    private readonly double[] _values;
    private readonly Kind _kind;

    private LearningRates(Kind kind, params double[] values)
    {
        foreach (var v in values)
        {
            if (!(v > 0) || !double.IsFinite(v))
                throw new ArgumentOutOfRangeException(nameof(values), $"Learning rates must be positive numbers (was {v}).");
        }
        _kind = kind;
        _values = values;
    }

    /// <summary>The same rate for every layer group.</summary>
    public static LearningRates Single(double learningRate) => new(Kind.Single, learningRate);

    /// <summary>
    /// <paramref name="low"/> for the first layer group, <paramref name="high"/> for the head, and
    /// geometric steps between (fast.ai <c>slice(low, high)</c>, <c>even_mults</c>).
    /// </summary>
    public static LearningRates Range(double low, double high) => new(Kind.Range, low, high);

    /// <summary><paramref name="high"/> for the head and a tenth of it for every other group (fast.ai <c>slice(high)</c>).</summary>
    public static LearningRates Head(double high) => new(Kind.Head, high);

    /// <summary>One rate per layer group, first group first (fast.ai's <c>[1e-4, 1e-3, 1e-2]</c>).</summary>
    public static LearningRates PerGroup(params double[] learningRates)
    {
        ArgumentNullException.ThrowIfNull(learningRates);
        if (learningRates.Length == 0)
            throw new ArgumentException("Give at least one learning rate.", nameof(learningRates));
        return new(Kind.PerGroup, [.. learningRates]);
    }

    /// <summary>The same rate for every layer group.</summary>
    public static implicit operator LearningRates(double learningRate) => Single(learningRate);

    /// <summary>The rate of each of <paramref name="groupCount"/> layer groups, first group first.</summary>
    public double[] ForGroups(int groupCount)
    {
        var values = _values ?? throw new InvalidOperationException("No learning rate was given.");
        switch (_kind)
        {
            case Kind.Single:
                return Enumerable.Repeat(values[0], groupCount).ToArray();
            case Kind.Head:
                return Enumerable.Repeat(values[0] / 10, groupCount - 1).Append(values[0]).ToArray();
            case Kind.Range when groupCount == 1:
                return [values[1]];
            case Kind.Range:
                double step = Math.Pow(values[1] / values[0], 1.0 / (groupCount - 1));
                return Enumerable.Range(0, groupCount).Select(i => values[0] * Math.Pow(step, i)).ToArray();
            default:
                if (values.Length != groupCount)
                    throw new ArgumentException($"Trying to set {values.Length} learning rates, but the network has {groupCount} layer groups.");
                return [.. values];
        }
    }

    /// <inheritdoc />
    public override string ToString() => _values is null ? "none" : _kind switch
    {
        Kind.Range => $"{_values[0]:G3}..{_values[1]:G3}",
        Kind.Head => $"head {_values[0]:G3}, other groups {_values[0] / 10:G3}",
        _ => string.Join(", ", _values.Select(v => v.ToString("G3"))),
    };
}
