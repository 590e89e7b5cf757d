using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace ML.FastCnn.Tests;

/// <summary>
/// The batch-size probe a GPU runs before training (no GPU here: the out-of-memory errors are CUDA's own words, thrown by a
/// stand-in step; the probe's real training step runs on the CPU).
/// </summary>
[TestClass]
public sealed class BatchSizeProbeTests
{
    private static readonly ExternalException CudaOutOfMemory =
        new("CUDA out of memory. Tried to allocate 392.00 MiB (GPU 0; 7.79 GiB total capacity; 6.52 GiB already allocated)");

    [TestMethod]
    public void TheBatchIsHalvedUntilATrainingStepFits()
    {
        var tried = new List<int>();
        var warnings = new List<string>();
        int batch = FastCnnLearner.FittingBatchSize(64, 224, size =>
        {
            tried.Add(size);
            if (size > 12)
                throw CudaOutOfMemory;
        }, warnings.Add);

        Assert.AreEqual(8, batch);
        CollectionAssert.AreEqual(new[] { 64, 32, 16, 8 }, tried);
        Assert.AreEqual(1, warnings.Count);
        StringAssert.Contains(warnings[0], "accumulated over 8 batches");
    }

    [TestMethod]
    public void APlannedBatchThatFitsIsKeptWithoutAWarning()
    {
        var warnings = new List<string>();
        Assert.AreEqual(64, FastCnnLearner.FittingBatchSize(64, 224, _ => { }, warnings.Add));
        Assert.AreEqual(0, warnings.Count);
    }

    [TestMethod]
    public void NotEvenOneImageFittingSaysWhatToChangeAndOtherErrorsPassThrough()
    {
        var error = Assert.ThrowsExactly<InvalidOperationException>(() => FastCnnLearner.FittingBatchSize(16, 224, _ => throw CudaOutOfMemory, _ => { }));
        StringAssert.Contains(error.Message, "smaller ImageSize");
        Assert.ThrowsExactly<ArgumentException>(() => FastCnnLearner.FittingBatchSize(16, 224, _ => throw new ArgumentException("a bug"), _ => { }));
    }

    [TestMethod]
    public void TheProbesTrainingStepLeavesTheNetworkAsItWas()
    {
        using var classifier = ProbeClassifier.Create(CnnArchitecture.ResNet18, ClassifierHead.Fastai, 32);
        var network = classifier.Network;
        var frozen = network.named_parameters().Where(p => p.name.StartsWith("layer1", StringComparison.Ordinal)).Select(p => p.parameter).ToList();
        frozen.ForEach(p => p.requires_grad_(false));
        network.eval();
        var before = network.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        var dropout = network.Random.get_state().clone();

        BatchSizeProbe.TrainingStep(network, batch: 4, size: 32, CPU);

        foreach (var (name, value) in network.state_dict())
            Assert.IsTrue(value.equal(before[name]).all().item<bool>(), $"{name} changed");
        Assert.IsTrue(network.parameters().All(p => p.grad is null || p.grad.count_nonzero().item<long>() == 0), "no gradient left");
        Assert.IsTrue(frozen.All(p => !p.requires_grad), "frozen layers stay frozen");
        Assert.IsFalse(network.training, "evaluation mode kept");
        Assert.IsTrue(network.Random.get_state().equal(dropout).all().item<bool>(), "the dropout generator's state kept");
        foreach (var tensor in before.Values.Append(dropout))
            tensor.Dispose();
    }
}
