namespace ML.FastCnn.Tests;

/// <summary>The progress lines of long phases (training, caching, scoring): with a total, and without one.</summary>
[TestClass]
public sealed class PhaseMeterTests
{
    [TestMethod]
    public void ALineSaysHowFarAndHowLongIsLeftWhenTheTotalIsKnown()
    {
        var lines = new List<string>();
        var meter = new PhaseMeter("Scoring", 16, "images", lines.Add, progress: null, interval: TimeSpan.Zero);

        meter.Advance(8);

        Assert.HasCount(1, lines);
        StringAssert.StartsWith(lines[0], "Scoring: 8 of 16 images (");
        StringAssert.Contains(lines[0], "left.");
    }

    [TestMethod]
    public void ALineCountsWhatIsDoneWhenTheDataDoesNotSayHowMuchThereIs()
    {
        var lines = new List<string>();
        var meter = new PhaseMeter("Scoring", 0, "images", lines.Add, progress: null, interval: TimeSpan.Zero);

        meter.Advance(8);
        meter.Advance(8);

        Assert.HasCount(2, lines);
        StringAssert.StartsWith(lines[1], "Scoring: 16 images so far (");
        Assert.IsNull(meter.Remaining, "no total: no time left to promise");
    }

    [TestMethod]
    public void AShortPhaseStaysQuiet()
    {
        var lines = new List<string>();
        var meter = new PhaseMeter("Scoring", 16, "images", lines.Add, progress: null);

        meter.Advance(16);
        meter.Finish();

        Assert.IsEmpty(lines, "well under the 8-second interval: nothing to report");
    }
}
