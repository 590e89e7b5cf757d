namespace ML.FastCnn;

/// <summary>
/// The font plots use. SkiaSharp's dependency-free Linux build reads fonts from /usr/share/fonts
/// only, and without any its text shaper crashes; fail early with the fix instead.
/// </summary>
internal static class PlotFonts
{
    public const string Family = "DejaVu Sans";

    public static void EnsureAvailable()
    {
        const string folder = "/usr/share/fonts";
        if (OperatingSystem.IsLinux() && (!Directory.Exists(folder) || !Directory.EnumerateFiles(folder, "*.ttf", SearchOption.AllDirectories).Any()))
            throw new InvalidOperationException(
                $"No TrueType fonts under {folder}, so plots cannot draw text. Install one, e.g. 'apt-get install fonts-dejavu-core'.");
    }
}
