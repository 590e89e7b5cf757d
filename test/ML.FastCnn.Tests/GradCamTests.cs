using Microsoft.ML;
using Microsoft.ML.Data;

namespace ML.FastCnn.Tests;

/// <summary>
/// Grad-CAM shows where the evidence is: on grey noise images whose class is decided by one region only
/// (a red or a blue square, in a random quadrant), the heat map of a trained tiny model for the image's class
/// is hottest in the square's quadrant.
/// </summary>
[TestClass]
[TestCategory(Categories.Integration)]
public sealed class GradCamTests
{
    private const int Size = 64; // layer4 is 2×2 at 64 px: one cell per quadrant
    private static readonly string[] Classes = ["red", "blue"];

    [TestMethod]
    public void HeatMapPeaksInTheRegionThatDecidesTheClass()
    {
        using var images = new GeneratedImages("gradcam");
        var ml = new MLContext(seed: 1);
        var (trainRows, _) = Write(images.Folder, "train", 24, seed: 1);
        var (validRows, quadrants) = Write(images.Folder, "valid", 8, seed: 2);
        var train = ml.Data.LoadFromEnumerable(trainRows);
        var valid = ml.Data.LoadFromEnumerable(validRows);
        var options = TestData.TinyOptions();
        options.Learner.ImageSize = Size;
        options.Learner.Weights = PretrainedWeights.ImageNet; // ML.NET's ResNet18, offline: features that stay where they were seen
        options.Epochs = 0;                                    // the head alone, on stored activations (fast)
        options.FreezeEpochs = 6;
        options.LearningRate = 1e-2;
        var model = TestData.Preprocessing(ml).Append(FastCnn.Train(ml, options)).Fit(train);

        var interpretation = FastCnnInterpretation.Create(model, valid);
        Assert.IsTrue(interpretation.Accuracy >= 0.9, $"the task is learnt (accuracy {interpretation.Accuracy:P0})");
        int peaks = 0;
        foreach (var image in interpretation.Predictions)
        {
            var heat = interpretation.GradCam(image, Classes[image.Actual]);
            Assert.AreEqual(Size * Size, heat.Length);
            Assert.IsTrue(heat.All(v => v >= 0 && v <= 1), "normalised to [0, 1]");
            var means = Enumerable.Range(0, 4).Select(q => Quadrant(heat, q / 2, q % 2)).ToList();
            if (means.IndexOf(means.Max()) == quadrants[image.Index])
                peaks++;
        }
        Assert.IsTrue(peaks >= 0.8 * interpretation.Predictions.Count, // chance: 25%
            $"{peaks} of {interpretation.Predictions.Count} heat maps are hottest in the square's quadrant");

        var gradCamGrid = Path.Combine(images.Folder, "top_losses_gradcam.png");
        interpretation.SaveTopLosses(gradCamGrid, 4, gradCam: true);
        Assert.IsTrue(new FileInfo(gradCamGrid).Length > 1000);
    }

    private static double Quadrant(float[] heat, int qy, int qx)
    {
        double sum = 0;
        int half = Size / 2;
        for (int y = qy * half; y < (qy + 1) * half; y++)
            for (int x = qx * half; x < (qx + 1) * half; x++)
                sum += heat[y * Size + x];
        return sum / (half * half);
    }

    /// <summary>Grey noise (0–100) with a red or blue 16-pixel square inside a random quadrant; returns the rows and each square's quadrant (0 top-left … 3 bottom-right).</summary>
    private static (List<ImageRow> Rows, List<int> Quadrants) Write(string folder, string subset, int perClass, int seed)
    {
        var random = new Random(seed);
        var rows = new List<ImageRow>();
        var quadrants = new List<int>();
        for (int i = 0; i < perClass; i++)
        {
            for (int c = 0; c < Classes.Length; c++)
            {
                var rgb = new byte[Size, Size, 3];
                for (int y = 0; y < Size; y++)
                {
                    for (int x = 0; x < Size; x++)
                    {
                        byte grey = (byte)random.Next(0, 100);
                        rgb[y, x, 0] = rgb[y, x, 1] = rgb[y, x, 2] = grey;
                    }
                }
                int quadrant = random.Next(4), half = Size / 2;
                int left = quadrant % 2 * half + random.Next(2, half - 18), top = quadrant / 2 * half + random.Next(2, half - 18);
                for (int y = top; y < top + 16; y++)
                {
                    for (int x = left; x < left + 16; x++)
                    {
                        rgb[y, x, 0] = (byte)(c == 0 ? 255 : 0);
                        rgb[y, x, 1] = 0;
                        rgb[y, x, 2] = (byte)(c == 0 ? 0 : 255);
                    }
                }
                var path = Path.Combine(folder, $"{subset}-{c}-{i}.png");
                GeneratedImages.Save(path, Size, Size, MLPixelFormat.Rgba32, rgb);
                rows.Add(new ImageRow { ImagePath = path, Label = Classes[c] });
                quadrants.Add(quadrant);
            }
        }
        return (rows, quadrants);
    }
}
