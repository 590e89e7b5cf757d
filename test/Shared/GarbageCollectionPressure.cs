namespace ML.FastCnn.Shared;

/// <summary>
/// What a busy .NET process does to native code: a background thread that allocates and forces full
/// garbage collections (with finalizers) in a loop until disposed. Shared by the benchmark <c>soak</c>
/// and the test suite's stress test (test/Shared is compiled into both).
/// </summary>
internal sealed class GarbageCollectionPressure : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private long _collections;

    public GarbageCollectionPressure()
    {
        _thread = new Thread(() =>
        {
            while (!_stop.IsCancellationRequested)
            {
                GC.KeepAlive(new byte[1 << 16]);
                GC.Collect();
                GC.WaitForPendingFinalizers();
                Interlocked.Increment(ref _collections);
            }
        }) { IsBackground = true, Name = "GC pressure" };
        _thread.Start();
    }

    /// <summary>Full collections induced so far.</summary>
    public long Collections => Interlocked.Read(ref _collections);

    public void Dispose()
    {
        _stop.Cancel();
        _thread.Join();
        _stop.Dispose();
    }
}
