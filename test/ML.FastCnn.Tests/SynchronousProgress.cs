namespace ML.FastCnn.Tests;

/// <summary>
/// Reports on the caller's thread, at once (<see cref="Progress{T}"/> would post to the thread pool, so a test
/// could read its list before the last report arrived).
/// </summary>
internal sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
