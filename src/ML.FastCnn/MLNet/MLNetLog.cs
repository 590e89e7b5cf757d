using Microsoft.ML.Runtime;

namespace ML.FastCnn;

/// <summary>
/// Occasional lines for MLContext's log from objects that outlive any training session (a trained or
/// loaded model): one channel per message, so nothing stays open. Null environment: nothing is written.
/// </summary>
internal sealed class MLNetLog(IHostEnvironment? environment, string name)
{
    /// <summary>A log that writes nothing.</summary>
    public static readonly MLNetLog None = new(null, "FastCnn");

    public void Info(string message) => Write(message, warning: false);

    public void Warning(string message) => Write(message, warning: true);

    private void Write(string message, bool warning)
    {
        if (environment is null)
            return;
        using var channel = environment.Register(name).Start(name);
        if (warning)
            channel.Warning(message);
        else
            channel.Info(message);
    }
}
