using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>
/// What a trained model does with labelled images, after fast.ai's <c>ClassificationInterpretation</c>:
/// per-image loss, probabilities, predicted and actual class; the top losses, the most confused pairs,
/// the per-class views of fast.ai v0.7's lesson 1, the confusion matrix, Grad-CAM heat maps, and
/// pictures of all of them.
/// </summary>
/// <remarks>
/// The numbers come from the model's own <c>Score</c> column (what <c>Transform</c> and
/// <c>MulticlassClassification.Evaluate</c> see, test-time augmentation included), so
/// <see cref="ConfusionMatrix"/> equals ML.NET's <c>ConfusionMatrix.Counts</c> and the mean of the
/// per-image <see cref="ImagePrediction.Loss"/> equals its <c>LogLoss</c>. Pictures and Grad-CAM render
/// the images again, as the network sees them (at its input size); Grad-CAM uses the model's network,
/// so keep the model undisposed while you call it.
/// </remarks>
public sealed class FastCnnInterpretation
{
    private readonly FastCnnTransformer _transformer;
    private readonly InterpretedImages _images;

    private FastCnnInterpretation(FastCnnTransformer transformer, InterpretedImages images, List<ImagePrediction> predictions)
    {
        _transformer = transformer;
        _images = images;
        Predictions = predictions;
    }

    /// <summary>
    /// Scores <paramref name="data"/> with <paramref name="model"/> and keeps, for every row with a label,
    /// the probabilities and the true class.
    /// </summary>
    /// <param name="model">A <see cref="FastCnnTransformer"/>, or a chain (for example a loaded model) with one inside.</param>
    /// <param name="data">Rows the model can transform (image paths, when the chain loads the images) with a label column.</param>
    /// <param name="labelColumnName">The true class: a key column whose values are the class names (as <c>MapValueToKey</c> makes), or text.</param>
    /// <exception cref="ArgumentException">The model has no FastCnn step or is not a single-label classifier, or the label column is missing, of another type, or names an unknown class.</exception>
    public static FastCnnInterpretation Create(ITransformer model, IDataView data, string labelColumnName = "Label")
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentException.ThrowIfNullOrWhiteSpace(labelColumnName);
        var (transformer, before) = FastCnn.FindTransformerAndStepsBefore(model) ?? throw FastCnn.NoFastCnnStep(nameof(model));
        if (transformer.Task != ImageTask.SingleLabel)
            throw new ArgumentException($"FastCnnInterpretation explains single-label classifiers; this model is {transformer.Task}. " +
                (transformer.Task == ImageTask.MultiLabel ? "Use MultiLabelInterpretation.Create." : "Use RegressionInterpretation.Create."), nameof(model));

        var scored = model.Transform(data);
        var classes = transformer.ClassNames;
        var score = scored.Schema.GetColumnOrNull(transformer.ScoreColumnName)
            ?? throw new ArgumentException($"The model's output has no '{transformer.ScoreColumnName}' column.", nameof(model));
        var label = scored.Schema.GetColumnOrNull(labelColumnName)
            ?? throw new ArgumentException($"The data has no label column '{labelColumnName}'. Pass labelColumnName, or add the true class to the data.", nameof(labelColumnName));
        var path = transformer.ImagePathColumnName is { } p ? scored.Schema.GetColumnOrNull(p) : null;
        var readLabel = LabelReader(label, classes, labelColumnName);

        var predictions = new List<ImagePrediction>();
        var positions = new List<long>();
        using (var cursor = scored.GetRowCursor(path is { } pc ? [score, label, pc] : [score, label]))
        {
            var getScore = cursor.GetGetter<VBuffer<float>>(score);
            var getLabel = readLabel(cursor);
            var getPath = path is { } column ? cursor.GetGetter<ReadOnlyMemory<char>>(column) : null;
            VBuffer<float> buffer = default;
            ReadOnlyMemory<char> text = default;
            while (cursor.MoveNext())
            {
                int actual = getLabel();
                if (actual < 0)
                    continue; // missing label: not part of the evaluation, as in ML.NET's evaluator
                getScore(ref buffer);
                var probabilities = buffer.DenseValues().ToArray();
                if (probabilities.Length != classes.Count)
                    throw new InvalidOperationException($"Expected {classes.Count} scores per row, found {probabilities.Length}.");
                getPath?.Invoke(ref text);
                predictions.Add(new ImagePrediction(predictions.Count, getPath is null ? null : text.ToString(), actual, ScoringBinding.ArgMax(probabilities), probabilities));
                positions.Add(cursor.Position);
            }
        }
        var imageRows = before.Aggregate(data, (view, step) => step.Transform(view));
        return new FastCnnInterpretation(transformer, new InterpretedImages(transformer, imageRows, positions), predictions);
    }

    /// <summary>The class names, in the order of the model's score slots.</summary>
    public IReadOnlyList<string> ClassNames => _transformer.ClassNames;

    /// <summary>Every labelled image, in the data's order.</summary>
    public IReadOnlyList<ImagePrediction> Predictions { get; }

    /// <summary>Share of images whose predicted class is the true one (ML.NET's <c>MicroAccuracy</c>).</summary>
    public double Accuracy => Predictions.Count == 0 ? double.NaN : Predictions.Count(p => p.IsCorrect) / (double)Predictions.Count;

    /// <summary>Mean per-image <see cref="ImagePrediction.Loss"/> (ML.NET's <c>LogLoss</c>).</summary>
    public double MeanLoss => Predictions.Count == 0 ? double.NaN : Predictions.Average(p => p.Loss);

    /// <summary>Side in pixels of the images the network sees (and Grad-CAM maps).</summary>
    public int ImageSize => _transformer.ImageSize;

    /// <summary>The <paramref name="count"/> images with the highest loss, highest first (fast.ai <c>top_losses</c>).</summary>
    public IReadOnlyList<ImagePrediction> TopLosses(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return Predictions.OrderByDescending(p => p.Loss).ThenBy(p => p.Index).Take(count).ToList();
    }

    /// <summary>
    /// Off-diagonal cells of the confusion matrix with at least <paramref name="minCount"/> images,
    /// most frequent first (fast.ai <c>most_confused(min_val)</c>).
    /// </summary>
    public IReadOnlyList<ConfusedPair> MostConfused(int minCount = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(minCount, 1);
        var counts = ConfusionMatrix();
        var pairs = new List<ConfusedPair>();
        for (int actual = 0; actual < ClassNames.Count; actual++)
        {
            for (int predicted = 0; predicted < ClassNames.Count; predicted++)
            {
                if (actual != predicted && counts[actual, predicted] >= minCount)
                    pairs.Add(new ConfusedPair(ClassNames[actual], ClassNames[predicted], counts[actual, predicted]));
            }
        }
        return pairs.OrderByDescending(p => p.Count).ThenBy(p => p.Actual, StringComparer.Ordinal).ThenBy(p => p.Predicted, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// Up to <paramref name="count"/> images of one of fast.ai v0.7's per-class views (see <see cref="ClassView"/>),
    /// in the view's order.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="className"/> is not one of <see cref="ClassNames"/>.</exception>
    public IReadOnlyList<ImagePrediction> ByClass(ClassView view, string className, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        int c = ClassIndex(className);
        var images = view switch
        {
            ClassView.MostCorrect => Predictions.Where(p => p.Actual == c && p.IsCorrect).OrderByDescending(p => p.Probabilities[c]),
            ClassView.MostIncorrect => Predictions.Where(p => p.Actual == c && !p.IsCorrect).OrderBy(p => p.Probabilities[c]),
            ClassView.MostUncertain => Predictions.OrderBy(p => Math.Abs(p.Probabilities[c] - 0.5)),
            _ => throw new ArgumentOutOfRangeException(nameof(view), view, "Use MostCorrect, MostIncorrect or MostUncertain."),
        };
        return images.ThenBy(p => p.Index).Take(count).ToList();
    }

    /// <summary>Counts [actual, predicted]: row = true class, column = predicted class (ML.NET's <c>ConfusionMatrix.Counts</c>).</summary>
    public int[,] ConfusionMatrix()
    {
        var counts = new int[ClassNames.Count, ClassNames.Count];
        foreach (var p in Predictions)
            counts[p.Actual, p.Predicted]++;
        return counts;
    }

    /// <summary>The confusion matrix with each row divided by its total: the share of each true class predicted as each class (rows of unseen classes are 0).</summary>
    public double[,] NormalizedConfusionMatrix()
    {
        var counts = ConfusionMatrix();
        int n = ClassNames.Count;
        var shares = new double[n, n];
        for (int a = 0; a < n; a++)
        {
            double total = Enumerable.Range(0, n).Sum(b => counts[a, b]);
            for (int b = 0; b < n; b++)
                shares[a, b] = total == 0 ? 0 : counts[a, b] / total;
        }
        return shares;
    }

    /// <summary>
    /// Grad-CAM of one image for one class: where in the image the evidence for the class lies, from the
    /// last convolutional stage (<c>layer4</c>, or the end of <c>features</c>), upsampled to <see cref="ImageSize"/>×<see cref="ImageSize"/>.
    /// </summary>
    /// <param name="image">One of <see cref="Predictions"/>.</param>
    /// <param name="className">The class to explain; default: the predicted class.</param>
    /// <returns><see cref="ImageSize"/>² values scaled to [0, 1] (1: strongest evidence, 0: weakest), row-major (row 0 at the top); all 0 when the map is flat.</returns>
    public float[] GradCam(ImagePrediction image, string? className = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        int c = className is null ? image.Predicted : ClassIndex(className);
        using var scope = NewDisposeScope();
        var map = _transformer.Classifier.GradCam(tensor(Image(image), [3, ImageSize, ImageSize]), c);
        // Min-max scaling, as the usual Grad-CAM tools do: at 1/32 of the input side the map is coarse and
        // often positive everywhere, so scaling by the maximum alone would paint the whole image hot.
        float min = map.Min(), max = map.Max();
        for (int i = 0; i < map.Length; i++)
            map[i] = max > min ? (map[i] - min) / (max - min) : 0;
        return map;
    }

    /// <summary>Saves the confusion matrix as a heat map: counts in the cells, colour by row share, class names on the axes.</summary>
    public void SaveConfusionMatrix(string path, int width = 800, int height = 700) =>
        ConfusionMatrixPlot.Save(ClassNames, ConfusionMatrix(), NormalizedConfusionMatrix(), path, width, height);

    /// <summary>
    /// Saves the <paramref name="count"/> top losses as a grid of images captioned
    /// "predicted / actual / loss / probability" (fast.ai <c>plot_top_losses</c>); with
    /// <paramref name="gradCam"/>, each image carries its Grad-CAM heat map for the predicted class.
    /// </summary>
    public void SaveTopLosses(string path, int count = 9, bool gradCam = false) =>
        ImageGridPlot.Save(path, gradCam ? "Top losses with Grad-CAM (predicted class)" : "Top losses: predicted / actual / loss / probability",
            Tiles(TopLosses(count), gradCam, p => $"{ClassNames[p.Predicted]} / {ClassNames[p.Actual]} / {p.Loss:F2} / {p.Probability:F2}"),
            columns: 3);

    /// <summary>Saves one of the per-class views (see <see cref="ClassView"/>) as a grid: a row of up to <paramref name="perClass"/> images per class.</summary>
    public void SaveClassView(string path, ClassView view, int perClass = 4)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(perClass, 1);
        var rows = ClassNames.Select(name => (name, images: ByClass(view, name, perClass))).ToList();
        var tiles = new List<ImageGridPlot.Tile>();
        foreach (var (name, images) in rows)
        {
            var row = Tiles(images, gradCam: false, p => $"{name}: {p.Probabilities[ClassIndex(name)]:F2} / {ClassNames[p.Actual]}").ToList();
            while (row.Count < perClass)
                row.Add(ImageGridPlot.Tile.Empty(row.Count == 0 ? $"{name}: none" : ""));
            tiles.AddRange(row);
        }
        string title = view switch
        {
            ClassView.MostCorrect => "Most correct per class: p(class) / actual",
            ClassView.MostIncorrect => "Most incorrect per class: p(class) / actual",
            _ => "Most uncertain per class (p(class) nearest 0.5): p(class) / actual",
        };
        ImageGridPlot.Save(path, title, tiles, columns: perClass);
    }

    /// <summary>Writes <see cref="MostConfused"/> as CSV: <c>actual,predicted,count</c>.</summary>
    public void SaveMostConfusedCsv(string path, int minCount = 1)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var lines = MostConfused(minCount).Select(p => string.Join(',', CsvField.Escape(p.Actual), CsvField.Escape(p.Predicted), p.Count.ToString(CultureInfo.InvariantCulture)));
        AtomicFile.Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, leaveOpen: true);
            writer.Write(string.Join('\n', lines.Prepend("actual,predicted,count")) + "\n");
        });
    }


    private IEnumerable<ImageGridPlot.Tile> Tiles(IEnumerable<ImagePrediction> images, bool gradCam, Func<ImagePrediction, string> caption) =>
        images.Select(p => new ImageGridPlot.Tile(Image(p), ImageSize, caption(p), gradCam ? GradCam(p) : null, p.IsCorrect));

    private int ClassIndex(string className)
    {
        ArgumentNullException.ThrowIfNull(className);
        int index = ClassNames.ToList().IndexOf(className);
        return index >= 0 ? index
            : throw new ArgumentException($"'{className}' is not one of the model's classes ({string.Join(", ", ClassNames)}).", nameof(className));
    }

    /// <summary>The image as the network sees it: RGB planes (CHW), <see cref="ImageSize"/>², uint8.</summary>
    private byte[] Image(ImagePrediction p) => _images[p.Index];

    /// <summary>A function that, for a cursor, returns a getter of the current row's class index (−1: missing).</summary>
    private static Func<DataViewRowCursor, Func<int>> LabelReader(DataViewSchema.Column label, IReadOnlyList<string> classes, string name)
    {
        if (label.Type is KeyDataViewType key)
        {
            if (key.Count != (ulong)classes.Count)
                throw new ArgumentException($"The label column '{name}' has {key.Count} classes, the model {classes.Count}.", nameof(name));
            return cursor =>
            {
                var getter = cursor.GetGetter<uint>(label);
                uint value = 0;
                return () =>
                {
                    getter(ref value);
                    return (int)value - 1;
                };
            };
        }
        if (label.Type is TextDataViewType)
        {
            var index = classes.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => x.i);
            return cursor =>
            {
                var getter = cursor.GetGetter<ReadOnlyMemory<char>>(label);
                ReadOnlyMemory<char> value = default;
                return () =>
                {
                    getter(ref value);
                    if (value.IsEmpty)
                        return -1;
                    var text = value.ToString();
                    return index.TryGetValue(text, out int i) ? i
                        : throw new ArgumentException($"Label '{text}' in column '{name}' is not one of the model's classes ({string.Join(", ", classes)}).", nameof(name));
                };
            };
        }
        throw new ArgumentException($"The label column '{name}' is {label.Type}; use a key column (MapValueToKey) or text.", nameof(name));
    }
}
