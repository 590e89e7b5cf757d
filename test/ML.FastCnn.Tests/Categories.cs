namespace ML.FastCnn.Tests;

/// <summary>
/// Test categories. <see cref="Integration"/>: classes and single tests that train real epochs, start processes
/// (the CLI, a second process, a server), build packages, score at large sizes or soak; a class whose
/// <c>ClassInitialize</c> trains is tagged whole. The inner loop runs the rest:
/// <c>dotnet test -c Release --filter TestCategory!=Integration</c>; the README's command runs everything.
/// </summary>
internal static class Categories
{
    public const string Integration = "Integration";
}
