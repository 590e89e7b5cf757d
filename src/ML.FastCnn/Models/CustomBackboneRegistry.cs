using System.Collections.Concurrent;

namespace ML.FastCnn;

/// <summary>
/// The custom backbones this process can rebuild saved models with, by name (<see cref="FastCnn.RegisterBackbone"/>).
/// A model file records only the name: the code that builds the body lives in the application. Thread-safe.
/// </summary>
internal static class CustomBackboneRegistry
{
    private static readonly ConcurrentDictionary<string, CustomBackbone> s_backbones = new(StringComparer.Ordinal);

    /// <summary>Adds <paramref name="backbone"/>, replacing a definition of the same name.</summary>
    public static void Register(CustomBackbone backbone) => s_backbones[backbone.Name] = backbone;

    /// <summary>The definition registered as <paramref name="name"/>, or null.</summary>
    public static CustomBackbone? Find(string name) => s_backbones.GetValueOrDefault(name);
}
