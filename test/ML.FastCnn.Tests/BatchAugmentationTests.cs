using Microsoft.ML;
using TorchSharp;
using static TorchSharp.torch;

namespace ML.FastCnn.Tests;

/// <summary>
/// Batch augmentation on tensors (AugmentationMode.Batch): each transform's geometry on generated images against
/// independent references (torch.flip / rot90, a linear ramp), per-transform coins, seeded repeats, the identity when
/// off, presized caches. Runs on the CPU through the same device-agnostic code a GPU would run.
/// </summary>
[TestClass]
public sealed class BatchAugmentationTests
{
    private const float Tolerance = 1e-4f;

    /// <summary>A [1, 3, S, S] image with random pixels and a bright marked top-left corner.</summary>
    private static Tensor MarkedImage(int size, int seed = 1)
    {
        var random = new Random(seed);
        var pixels = new float[3 * size * size];
        for (int i = 0; i < pixels.Length; i++)
            pixels[i] = (float)random.NextDouble() * 0.5f;
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < 3; y++)
                for (int x = 0; x < 3; x++)
                    pixels[c * size * size + y * size + x] = 1;
        return tensor(pixels, [1, 3, size, size]);
    }

    private static Tensor Apply(Tensor images, BatchAugmentationDraw draw, int size) =>
        BatchAugmenter.Resample(images, [draw], size);

    private static BatchAugmentationDraw Draw(bool flip = false, int quarterTurns = 0, double angle = 0, double zoom = 1,
        double cropWidth = 1, double cropHeight = 1, double warpX = 0, double warpY = 0) =>
        BatchAugmentationDraw.Create(flip, quarterTurns, angle, zoom, 0.5, 0.5, cropWidth, cropHeight, 0.5, 0.5, warpX, warpY, 0, 1);

    private static void AssertClose(Tensor expected, Tensor actual, string what)
    {
        double difference = (expected - actual).abs().max().ToDouble();
        Assert.IsTrue(difference < Tolerance, $"{what}: largest difference {difference}");
    }

    [TestMethod]
    public void AFlipMirrorsTheImageAndMovesTheMarkedCornerRight()
    {
        using var scope = NewDisposeScope();
        var image = MarkedImage(12);
        var flipped = Apply(image, Draw(flip: true), 12);
        AssertClose(image.flip(3), flipped, "flip = torch.flip along the width");
        Assert.AreEqual(1f, flipped[0, 0, 0, 11].ToSingle(), 1e-5, "the marked corner is now top right");
    }

    [TestMethod]
    [DataRow(1)]
    [DataRow(2)]
    [DataRow(3)]
    public void QuarterTurnsAndAForcedNinetyDegreeRotationTurnClockwise(int turns)
    {
        using var scope = NewDisposeScope();
        var image = MarkedImage(12);
        var clockwise = image.rot90(-turns, (2, 3)); // torch: positive k turns from the height axis to the width axis, i.e. anticlockwise
        AssertClose(clockwise, Apply(image, Draw(quarterTurns: turns), 12), $"{turns} quarter turns");
        AssertClose(clockwise, Apply(image, Draw(angle: 90 * turns), 12), $"rotation by {90 * turns}°");
        AssertClose(clockwise.flip(3), Apply(image, Draw(flip: true, quarterTurns: turns), 12), "dihedral: turned, then mirrored");
    }

    /// <summary>A ramp whose value is the horizontal position in grid_sample's coordinates, (x + 1)/2: bilinear sampling of it is exact.</summary>
    private static Tensor Ramp(int size)
    {
        var values = new float[3 * size * size];
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < size; y++)
                for (int x = 0; x < size; x++)
                    values[(c * size + y) * size + x] = ((2 * x + 1) / (float)size - 1 + 1) / 2;
        return tensor(values, [1, 3, size, size]);
    }

    private static float ExpectedRamp(int column, int size, double scale) => (float)((((2 * column + 1) / (double)size - 1) * scale + 1) / 2);

    [TestMethod]
    public void ACentredZoomOfTwoShowsTheMiddleHalf()
    {
        using var scope = NewDisposeScope();
        var zoomed = Apply(Ramp(16), Draw(zoom: 2), 16);
        for (int x = 0; x < 16; x++)
            Assert.AreEqual(ExpectedRamp(x, 16, 0.5), zoomed[0, 1, 7, x].ToSingle(), 1e-5, $"column {x}");
    }

    [TestMethod]
    public void APresizedImageComesOutAtTheTrainingSizeShowingTheWholeImage()
    {
        using var scope = NewDisposeScope();
        var output = Apply(Ramp(20), BatchAugmentationDraw.Identity, 16);
        CollectionAssert.AreEqual(new long[] { 1, 3, 16, 16 }, output.shape);
        for (int x = 0; x < 16; x++)
            Assert.AreEqual(ExpectedRamp(x, 16, 1), output[0, 0, 3, x].ToSingle(), 1e-5, $"column {x}");
    }

    [TestMethod]
    public void ACropKeepsItsFractionOfTheImage()
    {
        using var scope = NewDisposeScope();
        var cropped = Apply(Ramp(16), Draw(cropWidth: 0.5, cropHeight: 1), 16);
        for (int x = 0; x < 16; x++)
            Assert.AreEqual(ExpectedRamp(x, 16, 0.5), cropped[0, 2, 5, x].ToSingle(), 1e-5, $"column {x}");
    }

    [TestMethod]
    public void AWarpMovesTheCornersAsDrawnAndNoWarpIsTheIdentity()
    {
        var h = BatchAugmentationDraw.Keystone(0.2, -0.1);
        (double X, double Y) Map(double x, double y)
        {
            double w = h[6] * x + h[7] * y + h[8];
            return ((h[0] * x + h[1] * y + h[2]) / w, (h[3] * x + h[4] * y + h[5]) / w);
        }
        foreach (var (sx, sy) in new[] { (-1.0, -1.0), (1.0, -1.0), (-1.0, 1.0), (1.0, 1.0) })
        {
            var (x, y) = Map(sx, sy);
            Assert.AreEqual(sx * (1 + 0.2 * sy), x, 1e-9, $"corner ({sx}, {sy}) x");
            Assert.AreEqual(sy * (1 - 0.1 * sx), y, 1e-9, $"corner ({sx}, {sy}) y");
        }
        CollectionAssert.AreEqual(BatchAugmentationDraw.Identity.Homography, Draw(warpX: 0, warpY: 0).Homography);

        using var scope = NewDisposeScope();
        var image = MarkedImage(16);
        var warped = Apply(image, Draw(warpX: 0.2, warpY: -0.1), 16);
        Assert.IsTrue((warped - image).abs().max().ToDouble() > 0.1, "a warp changes the picture");
    }

    [TestMethod]
    public void LightingWorksInLogitSpace()
    {
        using var scope = NewDisposeScope();
        var images = tensor(new[] { 0.5f, 0.25f, 0.5f, 0.25f }, [2, 1, 1, 2]);
        double brightness = Math.Log(0.6 / 0.4);
        var relit = BatchAugmenter.Relight(images, [BatchAugmentationDraw.Identity with { Brightness = brightness }, BatchAugmentationDraw.Identity with { Contrast = 2 }]);
        static double Sigmoid(double z) => 1 / (1 + Math.Exp(-z));
        Assert.AreEqual(0.6, relit[0, 0, 0, 0].ToSingle(), 1e-5, "brightness moves mid-grey to the drawn level");
        Assert.AreEqual(Sigmoid(Math.Log(0.25 / 0.75) + brightness), relit[0, 0, 0, 1].ToSingle(), 1e-5);
        Assert.AreEqual(0.5, relit[1, 0, 0, 0].ToSingle(), 1e-5, "contrast keeps mid-grey");
        Assert.AreEqual(Sigmoid(2 * Math.Log(0.25 / 0.75)), relit[1, 0, 0, 1].ToSingle(), 1e-5, "contrast 2 doubles the logit");
    }

    [TestMethod]
    public void EachTransformDrawsItsOwnCoin()
    {
        var augmentation = Augmentation.SideOn with { MaxWarp = 0, MaxLighting = 0.4 }; // rotation and zoom tell apart in the matrix
        const int draws = 8000;
        int rotated = 0, zoomed = 0, both = 0, flipped = 0, brighter = 0, contrasted = 0, lit = 0;
        for (int i = 0; i < draws; i++)
        {
            var d = augmentation.DrawForBatch(SampleRandom.For(3, 0, i));
            var h = d.Homography;
            double determinant = Math.Abs(h[0] * h[4] - h[1] * h[3]);
            bool rotates = Math.Abs(h[1]) > 1e-12, zooms = Math.Abs(determinant - 1) > 1e-12, flips = h[0] * h[4] - h[1] * h[3] < 0;
            rotated += rotates ? 1 : 0;
            zoomed += zooms ? 1 : 0;
            both += rotates && zooms ? 1 : 0;
            flipped += flips ? 1 : 0;
            brighter += d.Brightness != 0 ? 1 : 0;
            contrasted += d.Contrast != 1 ? 1 : 0;
            lit += d.Brightness != 0 && d.Contrast != 1 ? 1 : 0;
        }
        // 8000 draws: the standard error of a proportion near 0.75 is 0.005; allow four of them.
        void Near(double expected, int count, string what) => Assert.AreEqual(expected, count / (double)draws, 0.02, what);
        Near(0.75, rotated, "rotation, p_affine");
        Near(0.75, zoomed, "zoom, p_affine");
        Near(0.75 * 0.75, both, "rotation and zoom draw independently (a shared coin would give 0.75)");
        Near(0.5, flipped, "flip");
        Near(0.75, brighter, "brightness, p_lighting");
        Near(0.75, contrasted, "contrast, p_lighting");
        Near(0.75 * 0.75, lit, "brightness and contrast draw independently");
    }

    /// <summary>
    /// Regression's default: its geometry only moves pixels (the sorted values stay the same, so a drawing's area and a
    /// count do too) and reaches all eight flips and quarter turns; lighting is drawn as fast.ai's.
    /// </summary>
    [TestMethod]
    public void SizeKeepingGeometryOnlyMovesPixelsAndReachesAllEightOrientations()
    {
        using var scope = NewDisposeScope();
        var image = MarkedImage(12);
        var sorted = image.flatten().sort().Values;
        var orientations = new HashSet<string>();
        int lit = 0;
        for (int i = 0; i < 200; i++)
        {
            var draw = Augmentation.SizeKeeping.DrawForBatch(SampleRandom.For(5, 0, i));
            lit += draw.Brightness != 0 || draw.Contrast != 1 ? 1 : 0;
            var output = Apply(image, draw, 12);
            AssertClose(sorted, output.flatten().sort().Values, $"draw {i}: the same pixel values, moved");
            orientations.Add(string.Join(",", draw.Homography.Select(v => Math.Round(v, 6) + 0.0))); // + 0.0: -0 prints as 0
        }
        Assert.HasCount(8, orientations, "the dihedral group's eight elements, and no other transform");
        Assert.IsTrue(lit is > 150 and < 200, $"brightness or contrast in about 1 − 0.25² of the draws ({lit} of 200)");
    }

    [TestMethod]
    public void TurningOneTransformOffLeavesTheOthersDrawsAsTheyWere()
    {
        var with = Augmentation.SideOn.DrawForBatch(SampleRandom.For(1, 2, 3));
        var without = (Augmentation.SideOn with { MaxRotation = 0 }).DrawForBatch(SampleRandom.For(1, 2, 3));
        Assert.AreEqual(with.Brightness, without.Brightness);
        Assert.AreEqual(with.Contrast, without.Contrast);
    }

    private static (IDataView Data, int Rows) Data(GeneratedImages images, int perClass)
    {
        var ml = new MLContext(seed: 1);
        var rows = images.Write("train", perClass, seed: 7);
        var raw = ml.Data.LoadFromEnumerable(rows);
        return (TestData.Preprocessing(ml).Fit(raw).Transform(raw), rows.Count);
    }

    /// <summary>Epoch inputs as the learner sees them (normalised floats), flattened per batch.</summary>
    private static List<float[]> Inputs(ImageData data, Augmentation? augmentation, int epoch)
    {
        var inputs = new List<float[]>();
        foreach (var batch in data.Epoch(epoch, shuffle: true, augmentation, CancellationToken.None))
        {
            using (batch)
            using (var input = ImageTensorConverter.ToInput(batch, CPU, InputNormalization.ImageNet))
            {
                CollectionAssert.AreEqual(new long[] { batch.Count, 3, data.Size, data.Size }, input.shape, "the network sees the training size");
                inputs.Add(input.data<float>().ToArray());
            }
        }
        return inputs;
    }

    [TestMethod]
    public void TheSameSeedRepeatsAugmentedBatchesAndTheNextEpochDrawsAnew()
    {
        using var images = new GeneratedImages("batch-aug-seed");
        var (data, _) = Data(images, 4);
        var options = new FastCnnLearner.Options { ImageSize = 32, BatchSize = 4, CacheImages = true, Augmentation = Augmentation.SideOn };
        var input = TrainingInput.Bind(data, options, recipe: null, seed: 9, _ => { }, _ => { }, CancellationToken.None);
        var first = Inputs(input.Train, Augmentation.SideOn, epoch: 2);
        var again = Inputs(input.Train, Augmentation.SideOn, epoch: 2);
        var next = Inputs(input.Train, Augmentation.SideOn, epoch: 3);
        Assert.AreEqual(first.Count, again.Count);
        for (int b = 0; b < first.Count; b++)
            CollectionAssert.AreEqual(first[b], again[b], $"batch {b}");
        Assert.IsFalse(first[0].SequenceEqual(next[0]), "another epoch draws anew");
    }

    [TestMethod]
    public void AugmentationThatChangesNothingGivesExactlyThePlainBatch()
    {
        using var images = new GeneratedImages("batch-aug-none");
        var (data, _) = Data(images, 3);
        var options = new FastCnnLearner.Options { ImageSize = 32, BatchSize = 4, CacheImages = true, Augmentation = Augmentation.SideOn };
        var input = TrainingInput.Bind(data, options, recipe: null, seed: 9, _ => { }, _ => { }, CancellationToken.None);
        var plain = Inputs(input.Train, null, epoch: 1);
        var off = Augmentation.SideOn with { FlipHorizontal = false, AffineProbability = 0, LightingProbability = 0 };
        foreach (var none in new[] { Augmentation.None, off })
        {
            var batches = Inputs(input.Train, none, epoch: 1);
            for (int b = 0; b < plain.Count; b++)
                CollectionAssert.AreEqual(plain[b], batches[b], $"batch {b}");
        }
    }

    [TestMethod]
    public void IdentityDrawsOnTheDeviceGiveThePlainBatchWithItsChannelsInOrder()
    {
        using var images = new GeneratedImages("batch-aug-identity"); // colour, so a channel mix-up shows
        var (data, rows) = Data(images, 3);
        var column = ImageColumn.Bind(data.Schema, "Image", "ImagePath");
        var rowsOf = new DataViewImageRows(data, column, (data.Schema["Label"], new SingleLabelTask(["a", "b", "c"])), rows, shufflePool: 16);
        Func<LabeledImage, AugmentationDraw[]> plainView = _ => [AugmentationDraw.Identity];
        using var plain = new ImageBatchPipeline(rowsOf.Read(null, default), 32, rows, 1, plainView, BadImagePolicy.Fail, _ => { }, default);
        using var rgba = new ImageBatchPipeline(rowsOf.Read(null, default), 32, rows, 1, plainView, BadImagePolicy.Fail, _ => { }, default,
            batchDraws: _ => BatchAugmentationDraw.Identity, outputSize: 32);
        using var plainBatch = plain.Batches().Single();
        using var rgbaBatch = rgba.Batches().Single();
        using var scope = NewDisposeScope();
        AssertClose(ImageTensorConverter.ToInput(plainBatch, CPU, InputNormalization.ImageNet), ImageTensorConverter.ToInput(rgbaBatch, CPU, InputNormalization.ImageNet), "identity on the device");
    }

    [TestMethod]
    public void ThePresizedCacheHoldsLargerImagesAndTheBatchesComeOutAtTheTrainingSize()
    {
        using var images = new GeneratedImages("batch-aug-presize"); // sides 24–47 px
        var (data, _) = Data(images, 4);
        var options = new FastCnnLearner.Options { ImageSize = 16, BatchSize = 4, CacheImages = true, Augmentation = Augmentation.SideOn };
        var input = TrainingInput.Bind(data, options, recipe: null, seed: 9, _ => { }, _ => { }, CancellationToken.None);
        Assert.AreEqual(24, input.Plan.Presize, "1.25 × 16, rounded up to a multiple of 8 (the images are larger)");
        Assert.AreEqual(24, input.Train.Presize);
        StringAssert.Contains(input.Plan.ToString(), "at 16px, cached (presized to 24px):", "the logged plan says so");
        Assert.IsNull(input.Validation?.Presize);
        Assert.IsTrue(input.Train.IsCached);
        Inputs(input.Train, Augmentation.SideOn, epoch: 0); // asserts the 16-px shape of every batch
        Inputs(input.Train, null, epoch: 0);

        var perImage = TrainingInput.Bind(data, new FastCnnLearner.Options
        {
            ImageSize = 16, BatchSize = 4, CacheImages = true, Augmentation = Augmentation.SideOn with { Mode = AugmentationMode.PerImage },
        }, recipe: null, seed: 9, _ => { }, _ => { }, CancellationToken.None);
        Assert.AreEqual(16, perImage.Plan.Presize, "per-image rendering resamples from the source: no presize");
        Assert.AreEqual(40, TrainingPlan.PresizeFor(40, Augmentation.SideOn, () => 28), "small images: never below the training size");
        Assert.AreEqual(72, TrainingPlan.PresizeFor(64, Augmentation.SideOn, () => 72), "capped by the images' own side");
        Assert.AreEqual(80, TrainingPlan.PresizeFor(64, Augmentation.SideOn, () => null), "1.25 × 64 when the side is unknown");
        Assert.AreEqual(64, TrainingPlan.PresizeFor(64, null, () => 500), "no augmentation: no presize");
    }
}
