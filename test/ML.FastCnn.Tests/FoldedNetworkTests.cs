using static TorchSharp.torch;

namespace ML.FastCnn.Tests;

/// <summary>Scoring runs the network with BatchNorm folded into its neighbours: it must compute what the network computes.</summary>
[TestClass]
public class FoldedNetworkTests
{
    [TestMethod]
    [DataRow(ResNetArchitecture.ResNet18, ClassifierHead.Fastai)]
    [DataRow(ResNetArchitecture.ResNet18, ClassifierHead.Linear)]
    [DataRow(ResNetArchitecture.ResNet50, ClassifierHead.Fastai)]
    public void ScoringWithBatchNormFoldedInGivesTheNetworksProbabilities(ResNetArchitecture architecture, ClassifierHead head)
    {
        const int size = 32;
        using var classifier = ImageClassifier.Create(architecture, head, size, ["a", "b", "c"], CPU, seed: 5);
        using (var noGrad = no_grad())
        {
            // Fresh BatchNorm layers are the identity (mean 0, variance 1, scale 1, shift 0): give them statistics a trained network has.
            var random = new Random(7);
            foreach (var (name, value) in classifier.Network.state_dict().Where(kv => kv.Key.Contains("bn", StringComparison.Ordinal) || kv.Key.Contains("downsample.1", StringComparison.Ordinal)))
            {
                bool positive = name.EndsWith("running_var", StringComparison.Ordinal) || name.EndsWith(".weight", StringComparison.Ordinal);
                if (positive || name.EndsWith("running_mean", StringComparison.Ordinal) || name.EndsWith(".bias", StringComparison.Ordinal))
                {
                    var values = Enumerable.Range(0, (int)value.numel()).Select(_ => positive ? 0.25f + 1.5f * random.NextSingle() : 0.6f * (random.NextSingle() - 0.5f)).ToArray();
                    using var replacement = tensor(values, value.shape);
                    value.copy_(replacement);
                }
            }
        }
        var pixels = new byte[4 * 3 * size * size];
        new Random(9).NextBytes(pixels);
        using var images = tensor(pixels, [4, 3, size, size]);

        float[] expected;
        using (var scope = NewDisposeScope())
        using (var noGrad = no_grad())
        {
            classifier.Network.eval();
            expected = nn.functional.softmax(classifier.Network.forward(ImageTensorConverter.Normalize(images, CPU)), 1).data<float>().ToArray();
        }
        var actual = classifier.PredictProbabilities(images).SelectMany(p => p).ToArray();

        Assert.IsTrue(expected.Max() - expected.Min() > 0.05, "the probabilities depend on the image (the check below means something)");
        for (int i = 0; i < expected.Length; i++)
            Assert.AreEqual(expected[i], actual[i], 1e-4, $"{architecture}, {head} head: probability {i}");
    }
}
