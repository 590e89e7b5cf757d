namespace ML.FastCnn.Tests;

/// <summary>
/// Test categories. <see cref="Integration"/>: classes that train real epochs, start processes (the CLI,
/// a second process, a server), build packages or soak. The inner loop runs the rest:
/// <c>dotnet test -c Release --filter TestCategory!=Integration</c>; the README's command runs everything.
/// </summary>
internal static class Categories
{
    public const string Integration = "Integration";
}
