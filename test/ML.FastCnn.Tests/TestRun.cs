namespace ML.FastCnn.Tests;

/// <summary>What happens once, after every test of the assembly has run.</summary>
[TestClass]
public static class TestRun
{
    /// <summary>Deletes the generated images of every test class (<see cref="GeneratedImages.ForClass"/>).</summary>
    [AssemblyCleanup]
    public static void DeleteGeneratedImages() => GeneratedImages.DeleteRunFolder();
}
