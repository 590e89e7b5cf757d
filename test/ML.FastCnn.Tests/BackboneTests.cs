using TorchSharp;
using static TorchSharp.torch;

namespace ML.FastCnn.Tests;

/// <summary>
/// Every backbone against TorchVision's own network of the same name: the same parameter names and
/// shapes (so torchvision's ImageNet files load), the same outputs, and scoring engines that agree.
/// </summary>
[TestClass]
[TestCategory(Categories.Integration)]
public sealed class BackboneTests
{
    private static nn.Module<Tensor, Tensor> TorchVision(CnnArchitecture architecture, int classes) => architecture switch
    {
        CnnArchitecture.ResNet50 => torchvision.models.resnet50(num_classes: classes),
        CnnArchitecture.ResNet101 => torchvision.models.resnet101(num_classes: classes),
        CnnArchitecture.ResNet152 => torchvision.models.resnet152(num_classes: classes),
        CnnArchitecture.ResNeXt50_32x4d => torchvision.models.resnext50_32x4d(num_classes: classes),
        CnnArchitecture.WideResNet50_2 => torchvision.models.wide_resnet50_2(num_classes: classes),
        CnnArchitecture.WideResNet101_2 => torchvision.models.wide_resnet101_2(num_classes: classes),
        _ => throw new ArgumentOutOfRangeException(nameof(architecture)),
    };

    [TestMethod]
    [DataRow(CnnArchitecture.ResNet101)]
    [DataRow(CnnArchitecture.ResNet152)]
    [DataRow(CnnArchitecture.ResNeXt50_32x4d)]
    [DataRow(CnnArchitecture.WideResNet50_2)]
    // Not ResNeXt101_32x8d / 64x4d: TorchSharp 0.107's resnext101_* build ResNet-50's 3-4-6-3 layout (320 tensors, torchvision's
    // have 626); TorchVisionBackboneTests checks ours against torchvision's own names and shapes instead.
    [DataRow(CnnArchitecture.WideResNet101_2)]
    public void TheNetworkIsTorchVisionsAndItsFoldedScoringAgrees(CnnArchitecture architecture)
    {
        using var reference = TorchVision(architecture, 3);
        using var classifier = ImageClassifier.Create(architecture, ClassifierHead.Linear, 32, new SingleLabelTask(["a", "b", "c"]), CPU, seed: 1);
        var ours = classifier.Network.state_dict();
        var theirs = reference.state_dict();
        CollectionAssert.AreEquivalent(theirs.Keys.ToArray(), ours.Keys.ToArray(), "parameter and buffer names");
        foreach (var (name, tensor) in theirs)
            CollectionAssert.AreEqual(tensor.shape, ours[name].shape, name);

        // TorchVision's weights in our network: the same outputs (eval mode); then the folded engines agree with it.
        using (no_grad())
        {
            foreach (var (name, tensor) in theirs)
                ours[name].copy_(tensor);
        }
        using var images = ProbeClassifier.Images(2, 32, seed: 4);
        float[] expected;
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            reference.eval();
            expected = reference.call(ImageTensorConverter.Normalize(images, CPU, InputNormalization.ImageNet)).data<float>().ToArray();
        }
        using var engines = new ScoringEngines(classifier);
        foreach (var engine in new[] { ScoringEngine.Reference, ScoringEngine.TorchSharp, ScoringEngine.OnnxRuntime })
        {
            var forward = engines.For(engine, MLNetLog.None);
            Assert.AreEqual(engine, forward.Kind, string.Join("; ", engines.Checks));
            var logits = forward.Logits(images);
            double scale = Math.Max(1, expected.Max(Math.Abs));
            for (int i = 0; i < expected.Length; i++)
                Assert.AreEqual(expected[i], logits[i], 1e-4 * scale, $"{architecture}, {engine}: logit {i}");
        }
    }
}
