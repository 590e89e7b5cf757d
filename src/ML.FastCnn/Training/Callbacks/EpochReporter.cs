namespace ML.FastCnn;

/// <summary>Sends each epoch's row to MLContext's log and to the user's <see cref="IProgress{T}"/>.</summary>
internal sealed class EpochReporter : ILearnerCallback
{
    private readonly Action<string> _log;
    private readonly IProgress<EpochResult>? _progress;

    public EpochReporter(Action<string> log, IProgress<EpochResult>? progress)
    {
        _log = log;
        _progress = progress;
    }

    public void AfterEpoch(FitState state, EpochResult result)
    {
        _log(result.ToString());
        _progress?.Report(result);
    }
}
