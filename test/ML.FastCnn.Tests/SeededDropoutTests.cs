using TorchSharp;
using static TorchSharp.torch;

namespace ML.FastCnn.Tests;

/// <summary>The fast.ai head's dropout: seeded by the network, the same on every device.</summary>
[TestClass]
public sealed class SeededDropoutTests
{
    [TestMethod]
    public void TheSameSeedDropsTheSameValuesAndScalesTheRest()
    {
        using var input = ones(64, 128);
        float[] Drop(int seed)
        {
            using var generator = new Generator((ulong)seed);
            using var dropout = new SeededDropout(0.25, generator);
            dropout.train();
            using var output = dropout.call(input);
            return output.data<float>().ToArray();
        }

        var first = Drop(3);
        CollectionAssert.AreEqual(first, Drop(3), "same seed, same mask");
        CollectionAssert.AreNotEqual(first, Drop(4), "another seed, another mask");
        Assert.IsTrue(first.All(v => v == 0 || Math.Abs(v - 1 / 0.75) < 1e-6), "kept values are scaled by 1/(1-p)");
        Assert.AreEqual(0.25, first.Count(v => v == 0) / (double)first.Length, 0.03, "about p of the values are dropped");
    }

    [TestMethod]
    public void TheMaskIsDrawnWhereTheGeneratorIsWhateverTheInputsDevice()
    {
        // On a GPU, drawing on the input's device with TorchSharp's (CPU) generator fails
        // ("Expected a 'cuda' device type for generator"). Without a GPU here, an input on the meta device
        // (shapes only) shows where the draw happens: on the generator's device, advancing its state.
        using var generator = new Generator(7);
        using var dropout = new SeededDropout(0.5, generator);
        dropout.train();
        using var input = empty([8, 16], device: new Device(DeviceType.META));
        using var before = generator.get_state();

        using var output = dropout.call(input);
        using var after = generator.get_state();

        Assert.AreEqual(DeviceType.META, output.device_type, "the result stays on the input's device");
        Assert.IsFalse(before.data<byte>().ToArray().SequenceEqual(after.data<byte>().ToArray()), "the mask came from the network's generator");
    }

    [TestMethod]
    public void ANewProbabilityChangesTheShareDroppedAndTheScale()
    {
        using var input = ones(64, 128);
        using var generator = new Generator(5);
        using var dropout = new SeededDropout(0.25, generator);
        dropout.train();

        dropout.Probability = 0.5;
        using var half = dropout.call(input);
        dropout.Probability = 0;
        using var none = dropout.call(input);

        var values = half.data<float>().ToArray();
        Assert.IsTrue(values.All(v => v == 0 || Math.Abs(v - 2) < 1e-6), "kept values are scaled by 1/(1-0.5)");
        Assert.AreEqual(0.5, values.Count(v => v == 0) / (double)values.Length, 0.03, "about half of the values are dropped");
        CollectionAssert.AreEqual(input.data<float>().ToArray(), none.data<float>().ToArray(), "p = 0 passes the input through");
    }

    [TestMethod]
    public void TheHeadDropoutOptionSetsTheFastaiHeadsTwoLayers()
    {
        using var network = NetworkFactory.Create(CnnArchitecture.ResNet18, ClassifierHead.Fastai, classCount: 3, CPU, seed: 2);
        network.train();
        using var features = randn(16, 2 * network.FeatureChannels);
        bool Repeats()
        {
            using var first = network.Classifier.call(features);
            using var second = network.Classifier.call(features);
            return first.data<float>().ToArray().SequenceEqual(second.data<float>().ToArray());
        }

        Assert.IsFalse(Repeats(), "fast.ai's ps = 0.5: two training passes drop different values");
        network.SetHeadDropout(0);
        Assert.IsTrue(Repeats(), "ps = 0: nothing is dropped in either layer");
    }
}
