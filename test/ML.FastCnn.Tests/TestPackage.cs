namespace ML.FastCnn.Tests;

/// <summary>
/// The ML.FastCnn package packed (from the built library, <c>--no-build</c>) into a temporary feed under
/// <paramref name="folder"/>, and applications copied from test/PackageConsumer that restore it from there.
/// Dispose takes the test version out of the machine's package cache again.
/// </summary>
internal sealed class TestPackage(string folder) : IDisposable
{
    public string Version { get; } = $"0.0.0-test.{DateTime.UtcNow:yyyyMMddHHmmssfff}";

    public string Feed { get; } = Path.Combine(folder, "feed");

    public static string GlobalPackages { get; } =
        TestData.Run("dotnet", "nuget", "locals", "global-packages", "--list").Split(':', 2)[1].Trim();

    /// <summary>The .nupkg file.</summary>
    public string Package => Path.Combine(Feed, $"ML.FastCnn.{Version}.nupkg");

    /// <summary>Packs the library; asserts the package exists.</summary>
    public TestPackage Pack()
    {
        var packed = TestData.Run("dotnet", "pack", Path.Combine(TestData.RepositoryRoot(), "src", "ML.FastCnn", "ML.FastCnn.csproj"),
            "-c", TestData.Configuration, "--no-build", "-o", Feed, $"-p:PackageVersion={Version}");
        Assert.IsTrue(File.Exists(Package), packed);
        return this;
    }

    /// <summary>
    /// Copies test/PackageConsumer to <c>folder/name</c>, hermetic: no Directory.*.props from the folders above.
    /// <paramref name="offline"/>: restores from the temporary feed and the packages the repository's own restore
    /// already put in the global folder, nothing else. Otherwise the machine's NuGet sources are kept as well
    /// (a build for another runtime needs that runtime's app host, which no restore of the repository brings).
    /// </summary>
    public string Consumer(string name, bool offline)
    {
        var app = Path.Combine(folder, name);
        Directory.CreateDirectory(app);
        foreach (var file in new[] { "PackageConsumer.csproj", "Program.cs" })
            File.Copy(Path.Combine(TestData.RepositoryRoot(), "test", "PackageConsumer", file), Path.Combine(app, file));
        // MSBuild stops at the first Directory.*.props it finds: these empty ones keep the repository's out.
        foreach (var file in new[] { "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props" })
            File.WriteAllText(Path.Combine(app, file), "<Project />");
        var sources = offline
            ? $"""
                <clear />
                <add key="test-feed" value="{Feed}" />
                <add key="global-packages" value="{GlobalPackages}" />
              """
            : $"""
                <add key="test-feed" value="{Feed}" />
              """;
        File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
            <configuration>
              <packageSources>
            {sources}
              </packageSources>
            </configuration>
            """);
        return app;
    }

    public void Dispose()
    {
        // The test version must not stay in the machine's package cache.
        var cached = Path.Combine(GlobalPackages, "ml.fastcnn", Version);
        if (Directory.Exists(cached))
            Directory.Delete(cached, recursive: true);
    }
}
