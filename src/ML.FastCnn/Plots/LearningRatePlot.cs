using OxyPlot;
using OxyPlot.Annotations;
using OxyPlot.Axes;
using OxyPlot.Series;
using OxyPlot.SkiaSharp;

namespace ML.FastCnn;

/// <summary>fast.ai's range-test plot: smoothed loss against learning rate on a log axis, the suggestion marked.</summary>
internal static class LearningRatePlot
{
    public static void Save(LearningRateFinderResult result, string path, LearningRateSuggestion mark, int width, int height)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (width < 100 || height < 100)
            throw new ArgumentOutOfRangeException(nameof(width), $"The plot needs at least 100×100 pixels (was {width}×{height}).");
        PlotFonts.EnsureAvailable();

        var model = new PlotModel { Title = "Learning-rate range test", Background = OxyColors.White, DefaultFont = PlotFonts.Family };
        model.Axes.Add(new LogarithmicAxis
        {
            Position = AxisPosition.Bottom, Title = "Learning rate (log scale)", StringFormat = "0e0",
            MajorGridlineStyle = LineStyle.Solid, MinorGridlineStyle = LineStyle.Dot,
        });
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Left, Title = "Loss (smoothed)", MajorGridlineStyle = LineStyle.Solid });

        // Like fast.ai's plot_lr_find: leave out the last five points, where the loss shoots up.
        var line = new LineSeries { Color = OxyColors.SteelBlue, StrokeThickness = 2 };
        int shown = Math.Max(2, result.Losses.Count - 5);
        for (int i = 0; i < Math.Min(shown, result.Losses.Count); i++)
        {
            if (double.IsFinite(result.Losses[i]))
                line.Points.Add(new DataPoint(result.LearningRates[i], result.Losses[i]));
        }
        model.Series.Add(line);

        var (x, y) = result.SuggestionPoint(mark);
        var marker = new ScatterSeries { MarkerType = MarkerType.Circle, MarkerSize = 6, MarkerFill = OxyColors.Red };
        marker.Points.Add(new ScatterPoint(x, y));
        model.Series.Add(marker);
        model.Annotations.Add(new TextAnnotation
        {
            TextPosition = new DataPoint(x, y),
            Text = $"{mark}: {result.Suggest(mark):0.0e0}",
            TextColor = OxyColors.DarkRed, Stroke = OxyColors.Transparent, StrokeThickness = 0,
            TextHorizontalAlignment = HorizontalAlignment.Left, TextVerticalAlignment = VerticalAlignment.Bottom,
            Offset = new ScreenVector(8, -8),
        });

        AtomicFile.Write(path, stream => new PngExporter { Width = width, Height = height, Dpi = 96 }.Export(model, stream));
    }
}
