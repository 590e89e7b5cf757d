using System.Globalization;

namespace ML.FastCnn;

/// <summary>
/// What the learning-rate range test recorded — (learning rate, smoothed loss) after every batch —
/// and the rates fast.ai would suggest from it. <see cref="SavePlot"/> draws the classic curve.
/// </summary>
public sealed class LearningRateFinderResult
{
    internal LearningRateFinderResult(IReadOnlyList<double> learningRates, IReadOnlyList<double> losses, int iterations)
    {
        LearningRates = learningRates;
        Losses = losses;

        // Like fast.ai: ignore the first tenth and the last five points, and everything from the first NaN on.
        int start = iterations / 10, end = Math.Max(start, losses.Count - 5);
        int firstNaN = Enumerable.Range(start, end - start).FirstOrDefault(i => double.IsNaN(losses[i]), end);
        var lrs = learningRates.Skip(start).Take(firstNaN - start).ToArray();
        var curve = losses.Skip(start).Take(firstNaN - start).ToArray();
        if (curve.Length < 2)
            throw new InvalidOperationException(
                $"The learning-rate range test recorded only {losses.Count} usable points (the loss exploded at once). " +
                "Lower LearningRateFinderOptions.StartLearningRate, raise Iterations, or check the data and labels.");

        Valley = start + LearningRateSuggestions.Valley(lrs, curve).Index;
        Steep = start + LearningRateSuggestions.Steep(lrs, curve).Index;
        MinimumIndex = start + LearningRateSuggestions.MinimumDividedBy10(lrs, curve).Index;
    }

    /// <summary>The learning rate of every recorded batch, in order.</summary>
    public IReadOnlyList<double> LearningRates { get; }

    /// <summary>The exponentially smoothed (β = 0.98, debiased) training loss after every recorded batch.</summary>
    public IReadOnlyList<double> Losses { get; }

    private int Valley { get; }

    private int Steep { get; }

    private int MinimumIndex { get; }

    /// <summary>The suggested learning rate of the given kind.</summary>
    public double Suggest(LearningRateSuggestion kind = LearningRateSuggestion.Valley) => kind switch
    {
        LearningRateSuggestion.Valley => LearningRates[Valley],
        LearningRateSuggestion.Steep => LearningRates[Steep],
        LearningRateSuggestion.MinimumDividedBy10 => LearningRates[MinimumIndex] / 10,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Use Valley, Steep or MinimumDividedBy10."),
    };

    /// <summary>The point of the curve a suggestion was read from (for MinimumDividedBy10: the minimum itself).</summary>
    public (double LearningRate, double Loss) SuggestionPoint(LearningRateSuggestion kind = LearningRateSuggestion.Valley)
    {
        int index = kind switch
        {
            LearningRateSuggestion.Valley => Valley,
            LearningRateSuggestion.Steep => Steep,
            _ => MinimumIndex,
        };
        return (LearningRates[index], Losses[index]);
    }

    /// <summary>Writes <c>learning_rate,loss</c> rows (invariant culture) to <paramref name="path"/>, atomically.</summary>
    public void SaveCsv(string path)
    {
        var lines = LearningRates.Zip(Losses, (lr, loss) => string.Create(CultureInfo.InvariantCulture, $"{lr:R},{loss:R}"));
        AtomicFile.Write(path, stream =>
        {
            using var writer = new StreamWriter(stream);
            writer.WriteLine("learning_rate,loss");
            foreach (var line in lines)
                writer.WriteLine(line);
        });
    }

    /// <summary>
    /// Draws loss against learning rate (log scale), with <paramref name="mark"/>'s suggestion marked,
    /// as a PNG of <paramref name="width"/>×<paramref name="height"/> pixels at <paramref name="path"/>.
    /// </summary>
    public void SavePlot(string path, LearningRateSuggestion mark = LearningRateSuggestion.Valley, int width = 800, int height = 500) =>
        LearningRatePlot.Save(this, path, mark, width, height);
}
