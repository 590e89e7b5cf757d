using OxyPlot;
using OxyPlot.Annotations;
using OxyPlot.Axes;
using OxyPlot.Series;
using OxyPlot.SkiaSharp;

namespace ML.FastCnn;

/// <summary>The confusion matrix as a heat map (fast.ai <c>plot_confusion_matrix</c>): rows = actual, columns = predicted, counts written in the cells, colour = share of the row.</summary>
internal static class ConfusionMatrixPlot
{
    public static void Save(IReadOnlyList<string> classes, int[,] counts, double[,] shares, string path, int width, int height)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (width < 200 || height < 200)
            throw new ArgumentOutOfRangeException(nameof(width), $"The plot needs at least 200×200 pixels (was {width}×{height}).");
        PlotFonts.EnsureAvailable();
        int n = classes.Count;
        var model = new PlotModel { Title = "Confusion matrix (colour: share of the actual class)", Background = OxyColors.White, DefaultFont = PlotFonts.Family };
        model.Axes.Add(new LinearColorAxis
        {
            Position = AxisPosition.Right, Minimum = 0, Maximum = 1, Title = "share of row",
            Palette = OxyPalette.Interpolate(200, OxyColors.White, OxyColor.FromRgb(107, 174, 214), OxyColor.FromRgb(8, 48, 107)),
        });
        var x = new CategoryAxis { Position = AxisPosition.Bottom, Title = "Predicted", Angle = n > 5 ? -40 : 0, GapWidth = 0, Key = "x" };
        x.Labels.AddRange(classes);
        // Actual classes top to bottom, as fast.ai draws them.
        var y = new CategoryAxis { Position = AxisPosition.Left, Title = "Actual", StartPosition = 1, EndPosition = 0, GapWidth = 0, Key = "y" };
        y.Labels.AddRange(classes);
        model.Axes.Add(x);
        model.Axes.Add(y);

        var data = new double[n, n];
        for (int a = 0; a < n; a++)
        {
            for (int p = 0; p < n; p++)
                data[p, a] = shares[a, p];
        }
        model.Series.Add(new HeatMapSeries
        {
            X0 = 0, X1 = n - 1, Y0 = 0, Y1 = n - 1, Data = data, XAxisKey = "x", YAxisKey = "y",
            CoordinateDefinition = HeatMapCoordinateDefinition.Center, Interpolate = false, RenderMethod = HeatMapRenderMethod.Rectangles,
        });
        for (int a = 0; a < n; a++)
        {
            for (int p = 0; p < n; p++)
            {
                model.Annotations.Add(new TextAnnotation
                {
                    TextPosition = new DataPoint(p, a), Text = counts[a, p].ToString(System.Globalization.CultureInfo.InvariantCulture),
                    TextColor = shares[a, p] > 0.5 ? OxyColors.White : OxyColors.Black, Stroke = OxyColors.Transparent, StrokeThickness = 0,
                    TextHorizontalAlignment = HorizontalAlignment.Center, TextVerticalAlignment = VerticalAlignment.Middle,
                    XAxisKey = "x", YAxisKey = "y", FontSize = n > 12 ? 9 : 12,
                });
            }
        }
        AtomicFile.Write(path, stream => new PngExporter { Width = width, Height = height, Dpi = 96 }.Export(model, stream));
    }
}
