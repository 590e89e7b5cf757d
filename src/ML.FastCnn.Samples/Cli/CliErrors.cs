using Microsoft.ML;
using ML.FastCnn;

namespace ML.FastCnn.Samples;

/// <summary>A mistake in how the program was called; its message says what to change.</summary>
internal sealed class CliException(string message) : Exception(message);

/// <summary>Turns the errors users can fix into one message on stderr and exit code 1, instead of a stack trace.</summary>
internal static class CliErrors
{
    public static int Run(Action action)
    {
        try
        {
            action();
            return 0;
        }
        catch (ArgumentOutOfRangeException e) when (e.ParamName is { } name && CommonOptions.FlagFor(name) is { } flag)
        {
            // The library checks the values; the message names the command-line option they came from.
            Console.Error.WriteLine($"error: {flag} {e.Message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal)}");
            return 1;
        }
        catch (UnreadableImageException e)
        {
            // The library's advice names its options; on the command line the switch is --bad-images.
            Console.Error.WriteLine($"error: {e.Description}. Fix or remove the file, or pass --bad-images skip to leave such images out.");
            return 1;
        }
        catch (Exception e) when (e is CliException or DirectoryNotFoundException or FileNotFoundException or InvalidDataException
                                       or ArgumentOutOfRangeException or InvalidOperationException or FormatException)
        {
            Console.Error.WriteLine($"error: {e.Message}"); // plain and unwrapped, for scripts that read it
            return 1;
        }
    }

    public static string ExistingFolder(string path, string what) =>
        Directory.Exists(path) ? Path.GetFullPath(path) : throw new CliException($"{what} '{path}' does not exist.");

    /// <summary>The FastCnn step of a loaded model, or the error a user who passed another model needs.</summary>
    public static FastCnnTransformer FastCnnStep(ITransformer model) =>
        FastCnn.FindTransformer(model) ?? throw new CliException("The model has no FastCnn step; was it saved by `train`?");

    public static string ExistingFile(string path, string what) =>
        File.Exists(path) ? Path.GetFullPath(path) : throw new CliException($"{what} '{path}' does not exist.");
}
