using SkiaSharp;

namespace ML.FastCnn;

/// <summary>
/// A grid of images with captions (fast.ai's <c>show_results</c> / <c>plot_top_losses</c> figures), drawn with
/// SkiaSharp: each image as the network saw it, scaled up, optionally with a Grad-CAM heat map blended over it.
/// </summary>
internal static class ImageGridPlot
{
    private const int TileSize = 160;
    private const int CaptionLineHeight = 14;
    private const int Margin = 10;
    private const int TitleHeight = 36;

    /// <summary>One cell: RGB planes (CHW) of a <paramref name="Size"/>² image (or none), its caption, an optional heat map of Size² values in [0, 1], and whether to caption it as correct (green) or wrong (red).</summary>
    public sealed record Tile(byte[]? Chw, int Size, string Caption, float[]? Heat, bool Correct)
    {
        public static Tile Empty(string caption) => new(null, 0, caption, null, true);
    }

    /// <summary>Draws the grid; a caption wraps at spaces and at '\n' into at most <paramref name="captionLines"/> lines, the last shortened with an ellipsis.</summary>
    public static void Save(string path, string title, IEnumerable<Tile> tiles, int columns, int captionLines = 2)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentOutOfRangeException.ThrowIfLessThan(columns, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(captionLines, 1);
        int captionHeight = 6 + captionLines * CaptionLineHeight;
        PlotFonts.EnsureAvailable();
        var cells = tiles.ToList();
        int rows = Math.Max(1, (cells.Count + columns - 1) / columns);
        int width = Margin + columns * (TileSize + Margin);
        int height = TitleHeight + rows * (TileSize + captionHeight + Margin) + Margin;

        using var surface = SKSurface.Create(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        using var typeface = SKTypeface.FromFamilyName(PlotFonts.Family);
        using var titlePaint = new SKPaint { Color = SKColors.Black, IsAntialias = true, TextSize = 17, Typeface = typeface, FakeBoldText = true };
        using var captionPaint = new SKPaint { IsAntialias = true, TextSize = 11.5f, Typeface = typeface };
        canvas.DrawText(Fit(title, titlePaint, width - 2 * Margin), Margin, 24, titlePaint);
        using var imagePaint = new SKPaint { FilterQuality = SKFilterQuality.None };
        for (int i = 0; i < cells.Count; i++)
        {
            var cell = cells[i];
            float x = Margin + i % columns * (TileSize + Margin);
            float y = TitleHeight + i / columns * (TileSize + captionHeight + Margin);
            if (cell.Chw is { } chw)
            {
                using var bitmap = ToBitmap(chw, cell.Size, cell.Heat);
                canvas.DrawBitmap(bitmap, new SKRect(x, y, x + TileSize, y + TileSize), imagePaint);
            }
            else
            {
                using var frame = new SKPaint { Color = new SKColor(230, 230, 230), Style = SKPaintStyle.Fill };
                canvas.DrawRect(x, y, TileSize, TileSize, frame);
            }
            captionPaint.Color = cell.Chw is null ? SKColors.Gray : cell.Correct ? new SKColor(0, 110, 0) : new SKColor(180, 0, 0);
            var lines = cell.Caption.Split('\n').SelectMany(part => Wrap(part, captionPaint, TileSize)).ToList();
            for (int l = 0; l < Math.Min(captionLines, lines.Count); l++)
            {
                // A caption cut short says so on its last line, rather than ending mid-list.
                var line = l == captionLines - 1 && lines.Count > captionLines ? Fit(lines[l] + " …", captionPaint, TileSize) : lines[l];
                canvas.DrawText(line, x, y + TileSize + 13 + l * CaptionLineHeight, captionPaint);
            }
        }
        using var image = surface.Snapshot();
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        AtomicFile.Write(path, stream => png.SaveTo(stream));
    }

    /// <summary>An RGBA bitmap of RGB planes, with a heat map (jet colours, 45% opaque where the map is 1) blended over it.</summary>
    public static SKBitmap ToBitmap(byte[] chw, int size, float[]? heat)
    {
        var bitmap = new SKBitmap(new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        var pixels = ImageSource.PixelSpan(bitmap);
        int plane = size * size;
        for (int i = 0; i < plane; i++)
        {
            double r = chw[i], g = chw[plane + i], b = chw[2 * plane + i];
            if (heat is not null)
            {
                var (hr, hg, hb) = Jet(heat[i]);
                double alpha = 0.25 + 0.35 * heat[i];
                r = (1 - alpha) * r + alpha * hr;
                g = (1 - alpha) * g + alpha * hg;
                b = (1 - alpha) * b + alpha * hb;
            }
            pixels[4 * i] = (byte)Math.Round(r);
            pixels[4 * i + 1] = (byte)Math.Round(g);
            pixels[4 * i + 2] = (byte)Math.Round(b);
            pixels[4 * i + 3] = 255;
        }
        return bitmap;
    }

    /// <summary>Matplotlib's "jet": blue (0) → cyan → yellow → red (1).</summary>
    private static (double R, double G, double B) Jet(float v)
    {
        double t = Math.Clamp(v, 0, 1);
        static double Channel(double x) => 255 * Math.Clamp(1.5 - Math.Abs(x), 0, 1);
        return (Channel(4 * t - 3), Channel(4 * t - 2), Channel(4 * t - 1));
    }

    private static string Fit(string text, SKPaint paint, float width)
    {
        if (paint.MeasureText(text) <= width)
            return text;
        while (text.Length > 1 && paint.MeasureText(text + "…") > width)
            text = text[..^1];
        return text + "…";
    }

    /// <summary>Splits at " / " or spaces so each line fits; the last line is shortened with an ellipsis.</summary>
    private static List<string> Wrap(string text, SKPaint paint, float width)
    {
        var lines = new List<string>();
        var current = "";
        foreach (var word in text.Split(' '))
        {
            var candidate = current.Length == 0 ? word : current + " " + word;
            if (paint.MeasureText(candidate) <= width || current.Length == 0)
                current = candidate;
            else
            {
                lines.Add(current);
                current = word;
            }
        }
        if (current.Length > 0)
            lines.Add(current);
        return lines.Select(l => Fit(l, paint, width)).ToList();
    }
}
