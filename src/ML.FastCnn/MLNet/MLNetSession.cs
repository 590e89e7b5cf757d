using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace ML.FastCnn;

/// <summary>
/// What training and scoring need from an ML.NET environment, behind one small type: a named host,
/// a log channel (MLContext.Log), seeds from the context's random source, and ML.NET's own
/// cancellation of the environment. The rest of the library never touches ML.NET's hosts.
/// </summary>
internal sealed class MLNetSession : IDisposable
{
    private readonly IHost _host;
    private readonly IChannel _channel;
    private int _disposed;

    public MLNetSession(IHostEnvironment environment, string name)
    {
        _host = environment.Register(name);
        _channel = _host.Start(name);
    }

    /// <summary>The environment of a catalog (<c>mlContext.MulticlassClassification.Trainers</c>, …).</summary>
    public static IHostEnvironment EnvironmentOf(MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog) => catalog.GetEnvironment();

    /// <summary>The context's GPU settings (<c>MLContext.GpuDeviceId</c>, <c>FallbackToCpu</c>).</summary>
    public GpuSettings Gpu => GpuOf(_host);

    /// <summary>
    /// <c>MLContext.GpuDeviceId</c> and <c>FallbackToCpu</c> as seen from any environment of it (the context, a host,
    /// a model loader's); none when the environment does not carry them.
    /// </summary>
    public static GpuSettings GpuOf(IHostEnvironment environment) =>
        environment is IHostEnvironmentInternal settings ? new GpuSettings(settings.GpuDeviceId, settings.FallbackToCpu) : default;

    /// <summary>Writes an information line to MLContext's log.</summary>
    public void Info(string message) => _channel.Info(message);

    /// <summary>A log into the same MLContext for objects that outlive this session (trained models).</summary>
    public MLNetLog ScoringLog => new(_host, "FastCnnScoring");

    /// <summary>Writes a warning to MLContext's log.</summary>
    public void Warning(string message) => _channel.Warning(message);

    /// <summary>A seed from the context's random source (<c>new MLContext(seed: n)</c> makes it repeatable).</summary>
    public int NextSeed() => _host.Rand.Next();

    /// <summary>Throws when ML.NET has cancelled the environment.</summary>
    public void ThrowIfCancelled() => _host.CheckAlive();

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
            _channel.Dispose();
    }
}
