using OxyPlot;
using OxyPlot.Annotations;
using OxyPlot.Axes;
using OxyPlot.Legends;
using OxyPlot.Series;
using OxyPlot.SkiaSharp;
using SkiaSharp;

namespace ML.FastCnn;

/// <summary>Training curves: loss, accuracy, learning rate and momentum against the batch, four OxyPlot panels in one PNG.</summary>
internal static class TrainingCurvesPlot
{
    public static void Save(IReadOnlyList<RecordedBatch> batches, IReadOnlyList<RecordedEpoch> epochs, string path, int width, int height)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (width < 400 || height < 300)
            throw new ArgumentOutOfRangeException(nameof(width), $"The plot needs at least 400×300 pixels (was {width}×{height}).");
        PlotFonts.EnsureAvailable();
        var fitStarts = batches.Skip(1).Where((b, i) => b.Fit != batches[i].Fit).Select(b => b.Iteration - 0.5).ToList();

        var loss = Panel("Loss", "loss", fitStarts);
        var smoothed = Recorder.Smooth(batches.Select(b => b.Loss).ToList());
        loss.Series.Add(Line("training (smoothed)", OxyColors.SteelBlue, batches.Select((b, i) => new DataPoint(b.Iteration, smoothed[i]))));
        var valid = epochs.Where(e => e.Result.ValidLoss is not null).ToList();
        if (valid.Count > 0)
            loss.Series.Add(Line("validation (per epoch)", OxyColors.DarkOrange, valid.Select(e => new DataPoint(e.Iteration, e.Result.ValidLoss!.Value)), marker: true));

        var accuracy = Panel("Validation accuracy", "accuracy", fitStarts);
        accuracy.Legends[0].LegendPosition = LegendPosition.BottomRight; // accuracy climbs towards the top right
        var accuracies = epochs.Where(e => e.Result.Accuracy is not null).ToList();
        accuracy.Series.Add(Line("accuracy (per epoch)", OxyColors.ForestGreen, accuracies.Select(e => new DataPoint(e.Iteration, e.Result.Accuracy!.Value)), marker: true));
        if (accuracies.Count == 0)
            accuracy.Subtitle = "no validation set";

        var rate = Panel("Learning rate (head)", "learning rate", fitStarts);
        rate.Series.Add(Line("learning rate", OxyColors.Purple, batches.Select(b => new DataPoint(b.Iteration, b.LearningRate))));
        var momentum = Panel("Momentum (β1)", "momentum", fitStarts);
        momentum.Series.Add(Line("momentum", OxyColors.Brown, batches.Select(b => new DataPoint(b.Iteration, b.Momentum))));

        int panelWidth = width / 2, panelHeight = height / 2;
        using var surface = SKSurface.Create(new SKImageInfo(panelWidth * 2, panelHeight * 2, SKColorType.Rgba8888, SKAlphaType.Premul));
        surface.Canvas.Clear(SKColors.White);
        var panels = new[] { loss, accuracy, rate, momentum };
        for (int i = 0; i < panels.Length; i++)
        {
            using var stream = new MemoryStream();
            new PngExporter { Width = panelWidth, Height = panelHeight, Dpi = 96 }.Export(panels[i], stream);
            using var bitmap = SKBitmap.Decode(stream.ToArray());
            surface.Canvas.DrawBitmap(bitmap, i % 2 * panelWidth, i / 2 * panelHeight);
        }
        using var image = surface.Snapshot();
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        AtomicFile.Write(path, stream => png.SaveTo(stream));
    }

    private static PlotModel Panel(string title, string yTitle, List<double> fitStarts)
    {
        var model = new PlotModel { Title = title, TitleFontSize = 14, Background = OxyColors.White, DefaultFont = PlotFonts.Family };
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Bottom, Title = "batch", MajorGridlineStyle = LineStyle.Solid, MinorGridlineStyle = LineStyle.None });
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Left, Title = yTitle, MajorGridlineStyle = LineStyle.Solid });
        model.Legends.Add(new Legend { LegendPosition = LegendPosition.TopRight, LegendBackground = OxyColor.FromAColor(200, OxyColors.White) });
        foreach (var start in fitStarts)
            model.Annotations.Add(new LineAnnotation { Type = LineAnnotationType.Vertical, X = start, Color = OxyColors.Gray, LineStyle = LineStyle.Dot });
        return model;
    }

    private static LineSeries Line(string title, OxyColor color, IEnumerable<DataPoint> points, bool marker = false)
    {
        var line = new LineSeries { Title = title, Color = color, StrokeThickness = 2 };
        if (marker)
        {
            line.MarkerType = MarkerType.Circle;
            line.MarkerSize = 4;
            line.MarkerFill = color;
        }
        line.Points.AddRange(points.Where(p => double.IsFinite(p.Y)));
        return line;
    }
}
