using SkiaSharp;

namespace ML.FastCnn.Bench;

/// <summary>
/// Generated sets of the kind issue 22's goals name: small drawings on canvases. Multi-label: which shapes
/// appear (each independently, any number, overlapping allowed). Regression: how large the one drawing is (its
/// size as a fraction of the canvas). Colours, positions, rotations, stroke or fill, background tint and
/// distracting scribbles are random, so neither task is a matter of counting pixels. <see cref="Style"/> says how hard.
/// </summary>
internal static class DrawingSets
{
    private static readonly string[] AllShapes = ["circle", "square", "triangle", "star", "cross", "diamond", "hexagon", "half-disc"];

    /// <summary>How a set is drawn: its classes, how often each appears, drawing sizes (fractions of the canvas) and scribbles.</summary>
    public sealed record Style(int ShapeCount, double Presence, float MultiLabelMin, float MultiLabelMax, float RegressionMin, float RegressionMax, int MaxScribbles)
    {
        /// <summary>Five shapes, each present with probability 0.4, drawings of 22–40% of the canvas; sizes 15–85%; up to 3 scribbles.</summary>
        public static readonly Style Standard = new(5, 0.4, 0.22f, 0.40f, 0.15f, 0.85f, 3);

        /// <summary>
        /// Seven shapes, each present with probability 0.33, drawings of 14–27% of the canvas; sizes 7–46%; up to 6 scribbles: made
        /// so that ML.NET's route scores about what issue 22 names for its held-back sets (accuracy_multi 0.82, R² 0.70).
        /// </summary>
        public static readonly Style Medium = new(7, 0.33, 0.14f, 0.27f, 0.07f, 0.46f, 6);

        /// <summary>Eight shapes, each present with probability 0.3, small drawings (10–20% of the canvas); sizes 6–40%; up to 8 scribbles.</summary>
        public static readonly Style Hard = new(8, 0.3, 0.10f, 0.20f, 0.06f, 0.40f, 8);

        /// <summary>standard, medium or hard.</summary>
        public static Style Named(string name) => name switch
        {
            "standard" => Standard,
            "medium" => Medium,
            "hard" => Hard,
            _ => throw new CliException($"Unknown style '{name}': use standard, medium or hard."),
        };

        /// <summary>The class names of this style.</summary>
        public string[] Shapes => AllShapes[..ShapeCount];
    }

    /// <summary>A multi-label image: its path and the shapes it shows.</summary>
    public sealed class MultiLabelRow
    {
        public string ImagePath { get; set; } = "";
        public string[] Labels { get; set; } = [];
    }

    /// <summary>A regression image: its path and the drawing's size.</summary>
    public sealed class RegressionRow
    {
        public string ImagePath { get; set; } = "";
        public float Label { get; set; }
    }

    public static List<MultiLabelRow> WriteMultiLabel(string folder, string subset, int count, int canvas, int seed, Style style)
    {
        Directory.CreateDirectory(folder);
        var random = new Random(seed);
        var rows = new List<MultiLabelRow>(count);
        for (int i = 0; i < count; i++)
        {
            using var surface = SKSurface.Create(new SKImageInfo(canvas, canvas, SKColorType.Rgba8888, SKAlphaType.Premul));
            var c = surface.Canvas;
            Background(c, canvas, random, style.MaxScribbles);
            var present = Enumerable.Range(0, style.ShapeCount).Where(_ => random.NextDouble() < style.Presence).ToArray();
            foreach (int shape in present)
            {
                float size = canvas * (style.MultiLabelMin + (style.MultiLabelMax - style.MultiLabelMin) * (float)random.NextDouble());
                Draw(c, shape, size, Centre(canvas, size, random), random);
            }
            var path = Path.Combine(folder, $"{subset}-{i:D5}.png");
            Save(surface, path);
            rows.Add(new MultiLabelRow { ImagePath = path, Labels = [.. present.Select(s => AllShapes[s])] });
        }
        return rows;
    }

    public static List<RegressionRow> WriteRegression(string folder, string subset, int count, int canvas, int seed, Style style)
    {
        Directory.CreateDirectory(folder);
        var random = new Random(seed);
        var rows = new List<RegressionRow>(count);
        for (int i = 0; i < count; i++)
        {
            using var surface = SKSurface.Create(new SKImageInfo(canvas, canvas, SKColorType.Rgba8888, SKAlphaType.Premul));
            var c = surface.Canvas;
            Background(c, canvas, random, style.MaxScribbles);
            float fraction = style.RegressionMin + (style.RegressionMax - style.RegressionMin) * (float)random.NextDouble();
            float size = canvas * fraction;
            Draw(c, random.Next(style.ShapeCount), size, Centre(canvas, size, random), random);
            var path = Path.Combine(folder, $"{subset}-{i:D5}.png");
            Save(surface, path);
            rows.Add(new RegressionRow { ImagePath = path, Label = fraction });
        }
        return rows;
    }

    /// <summary>A tinted paper-like background with up to <paramref name="maxScribbles"/> thin scribbles (not shapes of any class).</summary>
    private static void Background(SKCanvas c, int canvas, Random random, int maxScribbles)
    {
        c.Clear(new SKColor((byte)random.Next(200, 256), (byte)random.Next(200, 256), (byte)random.Next(200, 256)));
        using var pen = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Stroke, StrokeWidth = 1, Color = RandomColour(random).WithAlpha(120) };
        for (int k = random.Next(0, maxScribbles + 1); k > 0; k--)
        {
            using var scribble = new SKPath();
            scribble.MoveTo(Next(random, canvas), Next(random, canvas));
            scribble.QuadTo(Next(random, canvas), Next(random, canvas), Next(random, canvas), Next(random, canvas));
            c.DrawPath(scribble, pen);
        }
    }

    private static SKPoint Centre(int canvas, float size, Random random)
    {
        float half = size / 2, room = canvas - size;
        return new SKPoint(half + (float)random.NextDouble() * room, half + (float)random.NextDouble() * room);
    }

    /// <summary>Shape <paramref name="shape"/> inside a <paramref name="size"/>-wide box around <paramref name="centre"/>, rotated, filled or outlined.</summary>
    private static void Draw(SKCanvas c, int shape, float size, SKPoint centre, Random random)
    {
        using var paint = new SKPaint
        {
            IsAntialias = true,
            Color = RandomColour(random),
            Style = random.Next(2) == 0 ? SKPaintStyle.Fill : SKPaintStyle.Stroke,
            StrokeWidth = Math.Max(1.5f, size / 12),
        };
        float r = size / 2;
        c.Save();
        c.Translate(centre.X, centre.Y);
        c.RotateDegrees((float)random.NextDouble() * 360);
        using var path = new SKPath();
        switch (AllShapes[shape])
        {
            case "circle":
                path.AddCircle(0, 0, r);
                break;
            case "square":
                path.AddRect(new SKRect(-r * 0.8f, -r * 0.8f, r * 0.8f, r * 0.8f));
                break;
            case "triangle":
                path.AddPoly([Polar(r, -90), Polar(r, 30), Polar(r, 150)]);
                break;
            case "star":
                path.AddPoly([.. Enumerable.Range(0, 10).Select(k => Polar(k % 2 == 0 ? r : r * 0.42f, -90 + 36 * k))]);
                break;
            case "diamond":
                path.AddPoly([Polar(r, -90), Polar(r * 0.6f, 0), Polar(r, 90), Polar(r * 0.6f, 180)]);
                break;
            case "hexagon":
                path.AddPoly([.. Enumerable.Range(0, 6).Select(k => Polar(r, 60 * k))]);
                break;
            case "half-disc":
                path.AddArc(new SKRect(-r, -r, r, r), 180, 180);
                path.Close();
                break;
            default: // cross: a plus sign of two bars
                float w = r * 0.3f;
                path.AddPoly([new(-w, -r), new(w, -r), new(w, -w), new(r, -w), new(r, w), new(w, w), new(w, r), new(-w, r), new(-w, w), new(-r, w), new(-r, -w), new(-w, -w)]);
                break;
        }
        c.DrawPath(path, paint);
        c.Restore();
    }

    private static SKPoint Polar(float r, float degrees) => new(r * MathF.Cos(degrees * MathF.PI / 180), r * MathF.Sin(degrees * MathF.PI / 180));

    private static float Next(Random random, int canvas) => (float)random.NextDouble() * canvas;

    /// <summary>A saturated colour that stands out from the light background.</summary>
    private static SKColor RandomColour(Random random) => SKColor.FromHsv((float)random.NextDouble() * 360, 60 + 40 * (float)random.NextDouble(), 35 + 45 * (float)random.NextDouble());

    private static void Save(SKSurface surface, string path)
    {
        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        using var file = File.Create(path);
        data.SaveTo(file);
    }
}
