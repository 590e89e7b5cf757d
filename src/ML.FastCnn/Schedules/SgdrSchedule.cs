namespace ML.FastCnn;

/// <summary>fast.ai v0.7's cosine annealing with restarts (<c>CosAnneal</c>); see <see cref="LearningRateSchedule.Sgdr"/>.</summary>
internal sealed class SgdrSchedule : LearningRateSchedule
{
    private readonly int[] _cycleStarts; // in epochs, with the total at the end

    public SgdrSchedule(int cycles, int cycleLength, int cycleMultiplier)
    {
        if (cycles < 1 || cycleLength < 1 || cycleMultiplier < 1)
            throw new ArgumentOutOfRangeException(nameof(cycles),
                $"SGDR needs cycles ≥ 1, cycleLength ≥ 1 and cycleMultiplier ≥ 1 (were {cycles}, {cycleLength}, {cycleMultiplier}).");
        _cycleStarts = new int[cycles + 1];
        int length = cycleLength;
        for (int c = 0; c < cycles; c++, length = checked(length * cycleMultiplier))
            _cycleStarts[c + 1] = checked(_cycleStarts[c] + length);
    }

    public override int? Epochs => _cycleStarts[^1];

    public override double LearningRateFactor(double progress)
    {
        double epoch = Math.Clamp(progress, 0, 1) * _cycleStarts[^1];
        if (epoch < _cycleStarts[1] / 20.0)
            return 0.01; // v0.7 warms up at lr/100 for the first 1/20 of the first cycle
        int c = 0;
        while (c < _cycleStarts.Length - 2 && epoch >= _cycleStarts[c + 1])
            c++;
        double inCycle = (epoch - _cycleStarts[c]) / (_cycleStarts[c + 1] - _cycleStarts[c]);
        return (Math.Cos(Math.PI * inCycle) + 1) / 2;
    }
}
