using System.Globalization;
using OxyPlot;
using OxyPlot.Axes;
using OxyPlot.Legends;
using OxyPlot.Series;
using OxyPlot.SkiaSharp;

namespace ML.FastCnn;

/// <summary>
/// A regression's predicted values against the actual ones: one point per image (a colour per value for a vector target),
/// the line y = x where a perfect model's points lie, both axes over the same range so distance from the line reads the same
/// across and up.
/// </summary>
internal static class PredictedVsActualPlot
{
    private static readonly OxyColor[] Colours =
        [OxyColors.SteelBlue, OxyColor.FromRgb(214, 96, 39), OxyColor.FromRgb(44, 160, 44), OxyColor.FromRgb(148, 103, 189), OxyColor.FromRgb(140, 86, 75)];

    public static void Save(IReadOnlyList<string> valueNames, IReadOnlyList<RegressionPrediction> predictions, IReadOnlyList<RegressionValueMetrics> metrics,
        string path, int width, int height)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (width < 200 || height < 200)
            throw new ArgumentOutOfRangeException(nameof(width), $"The plot needs at least 200×200 pixels (was {width}×{height}).");
        PlotFonts.EnsureAvailable();
        var c = CultureInfo.InvariantCulture;
        string title = valueNames.Count == 1
            ? $"Predicted vs actual: {valueNames[0]} (R² {metrics[0].RSquared.ToString("F3", c)}, MAE {RegressionInterpretation.Number(metrics[0].MeanAbsoluteError)})"
            : "Predicted vs actual";
        var model = new PlotModel { Title = title, TitleFontSize = 15, Background = OxyColors.White, DefaultFont = PlotFonts.Family };

        var all = predictions.SelectMany(p => new[] { (double)p.Actual, p.Predicted }).Where(double.IsFinite).ToList();
        double low = all.Count == 0 ? 0 : all.Min(), high = all.Count == 0 ? 1 : all.Max();
        double pad = high > low ? (high - low) * 0.05 : 0.5;
        (low, high) = (low - pad, high + pad);
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Bottom, Title = "Actual", Minimum = low, Maximum = high, MajorGridlineStyle = LineStyle.Solid, MajorGridlineColor = OxyColor.FromRgb(230, 230, 230) });
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Left, Title = "Predicted", Minimum = low, Maximum = high, MajorGridlineStyle = LineStyle.Solid, MajorGridlineColor = OxyColor.FromRgb(230, 230, 230) });

        var identity = new LineSeries { Title = "y = x", Color = OxyColors.Gray, LineStyle = LineStyle.Dash, StrokeThickness = 1.5 };
        identity.Points.Add(new DataPoint(low, low));
        identity.Points.Add(new DataPoint(high, high));
        model.Series.Add(identity);
        for (int k = 0; k < valueNames.Count; k++)
        {
            var points = new ScatterSeries
            {
                Title = valueNames.Count == 1 ? "images" : $"{valueNames[k]} (R² {metrics[k].RSquared.ToString("F3", c)})",
                MarkerType = MarkerType.Circle, MarkerSize = 3.5, MarkerFill = OxyColor.FromAColor(170, Colours[k % Colours.Length]),
            };
            foreach (var p in predictions.Where(p => p.ValueName == valueNames[k]))
                points.Points.Add(new ScatterPoint(p.Actual, p.Predicted));
            model.Series.Add(points);
        }
        model.Legends.Add(new Legend { LegendPosition = LegendPosition.TopLeft, LegendBackground = OxyColor.FromAColor(220, OxyColors.White), LegendBorder = OxyColors.LightGray });

        AtomicFile.Write(path, stream => new PngExporter { Width = width, Height = height, Dpi = 96 }.Export(model, stream));
    }
}
