using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace ML.FastCnn.Tests;

/// <summary>Starting from ImageNet: ML.NET's ResNet18 imported exactly, PyTorch weight files, a real task.</summary>
[TestClass]
[TestCategory(Categories.Integration)]
public sealed class PretrainedWeightsTests
{
    private static string DnnModel(string relative) => Path.Combine(AppContext.BaseDirectory, "DnnImageModels", relative);

    /// <summary>
    /// A private copy for ApplyOnnxModel: ML.NET keeps its model file locked while the transformer
    /// lives, and the importer reads the original.
    /// </summary>
    private static string OnnxCopy(string relative, string folder)
    {
        var copy = Path.Combine(folder, Path.GetFileName(relative));
        File.Copy(DnnModel(relative), copy);
        return copy;
    }

    /// <summary>512 pooled features: every child of the ResNet but the head.</summary>
    private static Tensor Features(ClassifierNetwork network, Tensor input) => network.Features(input);

    private sealed class OnnxRow
    {
        [VectorType(1, 3, 224, 224)]
        public float[] OriginalInput { get; set; } = [];
    }

    [TestMethod]
    public void ImportedResNet18GivesTheSameFeaturesAsMLNetsOnnxPath()
    {
        // Real images: Fashion-MNIST from the repository, resized to 224 by FastCnn's own converter.
        var images = TestData.FashionMnist("valid", perClass: 1).Take(4).Select(r =>
        {
            using var image = MLImage.CreateFromFile(r.ImagePath);
            return ImageTensorConverter.ToResizedBytes(image, 224);
        }).ToList();
        var rows = images.Select(t => new OnnxRow { OriginalInput = t.to_type(float32).data<float>().ToArray() }).ToList();

        // ML.NET's path: ResNetPreprocess.onnx (RGB → BGR minus mean image), then ResNet18.onnx, through ApplyOnnxModel.
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(rows);
        var folder = Directory.CreateTempSubdirectory("fastcnn-onnx").FullName;
        List<float[]> preprocessed, expected;
        try
        {
            var onnx = ml.Transforms.ApplyOnnxModel(["PreprocessedInput"], ["OriginalInput"], OnnxCopy("ResNetPrepOnnx/ResNetPreprocess.onnx", folder))
                .Append(ml.Transforms.CopyColumns("Input247", "PreprocessedInput"))
                .Append(ml.Transforms.ApplyOnnxModel(["Pooling395_Output_0"], ["Input247"], OnnxCopy("ResNet18Onnx/ResNet18.onnx", folder)))
                .Fit(data).Transform(data);
            preprocessed = onnx.GetColumn<float[]>("PreprocessedInput").ToList();
            expected = onnx.GetColumn<float[]>("Pooling395_Output_0").ToList();
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }

        var (blocks, state) = MLNetResNet18.Import(MLNetResNet18.Find()!);
        CollectionAssert.AreEqual(new[] { 2, 2, 2, 3 }, blocks);
        using var network = NetworkFactory.Create(CnnArchitecture.ResNet18, ClassifierHead.Linear, 1000, CPU, blocks);
        StateDictLoader.Load(network, state, "ResNet18.onnx", "ResNet18");
        network.eval();
        using var noGrad = no_grad();
        for (int i = 0; i < rows.Count; i++)
        {
            using var input = tensor(preprocessed[i], [1, 3, 224, 224]);
            var actual = Features(network, input).data<float>().ToArray();
            float scale = expected[i].Max(Math.Abs);
            float difference = actual.Zip(expected[i], (a, b) => Math.Abs(a - b)).Max();
            Assert.IsLessThanOrEqualTo(1e-3f * scale, difference, $"image {i}: max |difference| {difference} at feature scale {scale}");
        }

        // FastCnn's own input (ImageNet-normalised RGB) into the folded weights: the same features up to the mean image's variation.
        MLNetResNet18.FoldPreprocessing(state, InputNormalization.ImageNet.Mean, InputNormalization.ImageNet.Std);
        StateDictLoader.Load(network, state, "ResNet18.onnx (folded)", "ResNet18");
        for (int i = 0; i < rows.Count; i++)
        {
            using var input = ImageTensorConverter.Normalize(images[i].unsqueeze(0), CPU, InputNormalization.ImageNet);
            using var actual = Features(network, input);
            using var reference = tensor(expected[i], [1, 512]);
            double cosine = nn.functional.cosine_similarity(actual, reference).item<float>();
            Assert.IsGreaterThan(0.99, cosine, $"image {i}: cosine {cosine}");
        }
    }

    [TestMethod]
    public void AWrongMappingFailsTheFeatureComparison()
    {
        // The comparison above must be able to fail: swap two blocks and the features move far.
        var (blocks, state) = MLNetResNet18.Import(MLNetResNet18.Find()!);
        using var network = NetworkFactory.Create(CnnArchitecture.ResNet18, ClassifierHead.Linear, 1000, CPU, blocks);
        StateDictLoader.Load(network, state, "ResNet18.onnx", "ResNet18");
        network.eval();
        using var noGrad = no_grad();
        using var input = randn(1, 3, 224, 224).mul_(60);
        var right = Features(network, input).data<float>().ToArray();
        foreach (var part in new[] { "conv1.weight", "conv2.weight" })
        {
            var a = state[$"layer4.1.{part}"];
            state[$"layer4.1.{part}"] = state[$"layer4.2.{part}"];
            state[$"layer4.2.{part}"] = a;
        }
        StateDictLoader.Load(network, state, "ResNet18.onnx (swapped)", "ResNet18");
        var wrong = Features(network, input).data<float>().ToArray();

        Assert.IsGreaterThan(1e-3f * right.Max(Math.Abs), right.Zip(wrong, (x, y) => Math.Abs(x - y)).Max());
    }

    [TestMethod]
    [DataRow(".pth")]
    [DataRow(".safetensors")]
    [DataRow(".dat")]
    public void WeightFilesLoadIntoTheBackboneAndTheHeadIsNew(string extension)
    {
        var folder = Directory.CreateTempSubdirectory("fastcnn-weights").FullName;
        try
        {
            torch.random.manual_seed(7);
            using var source = torchvision.models.resnet18(num_classes: 1000); // ImageNet-shaped head
            var path = Path.Combine(folder, "resnet18" + extension);
            if (extension == ".pth")
                source.save_py(path);
            else if (extension == ".safetensors")
                source.save_safetensors(path);
            else
                source.save(path);

            var options = TestData.TinyOptions();
            options.Learner.Weights = PretrainedWeights.FromFile(path);
            using var classifier = BackboneFactory.Create(options.Learner, 32, new SingleLabelTask(["a", "b", "c"]), CPU, seed: 1, _ => { }, default);

            var loaded = classifier.Network.state_dict();
            foreach (var (name, tensor) in source.state_dict())
            {
                if (name.StartsWith("fc.", StringComparison.Ordinal))
                    continue;
                Assert.IsTrue(tensor.eq(loaded[name]).all().item<bool>(), $"{name} was not loaded from {extension}");
            }
            Assert.IsFalse(loaded.Keys.Any(k => k.StartsWith("fc.", StringComparison.Ordinal)), "the file's ImageNet head is left out");
            CollectionAssert.AreEqual(new long[] { 512, 1024 }, loaded["head.lin1.weight"].shape, "fastai's head on concat pooling (2 × 512 features)");
            CollectionAssert.AreEqual(new long[] { 3, 512 }, loaded["head.lin2.weight"].shape, "a new head for three classes");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    public void SavedWeightsHoldTheTrainedNetworkAndStartAnotherFit()
    {
        var ml = new MLContext(seed: 1);
        var raw = ml.Data.LoadFromEnumerable(TestData.FashionMnist("train", 2));
        var data = TestData.Preprocessing(ml).Fit(raw).Transform(raw);
        var folder = Directory.CreateTempSubdirectory("fastcnn-weights").FullName;
        try
        {
            var options = TestData.TinyOptions().Learner;
            var path = Path.Combine(folder, "stage-1.pth");
            using var learner = FastCnnLearner.Create(ml, data, options);
            learner.FitOneCycle(1, 2e-3);
            learner.SaveWeights(path);
            using var trained = learner.ToTransformer();

            var file = StateDictFile.Read(path); // PyTorch's pickle format, as torch.load reads it
            var network = trained.Classifier.Network.state_dict();
            CollectionAssert.AreEquivalent(network.Keys.ToList(), file.Keys.ToList());
            foreach (var (name, tensor) in network)
                Assert.IsTrue(tensor.eq(file[name]).all().item<bool>(), $"{name} differs in the file");

            options.Weights = PretrainedWeights.FromFile(path);
            using var restarted = BackboneFactory.Create(options, 32, new SingleLabelTask(["a", "b", "c"]), CPU, seed: 2, _ => { }, default);
            var body = restarted.Network.state_dict().Where(p => !p.Key.StartsWith("head.", StringComparison.Ordinal)).ToList();
            Assert.IsNotEmpty(body);
            foreach (var (name, tensor) in body)
                Assert.IsTrue(tensor.eq(network[name]).all().item<bool>(), $"{name} was not loaded from the saved weights");
            Assert.IsFalse(restarted.Network.state_dict()["head.lin2.weight"].shape.SequenceEqual(network["head.lin2.weight"].shape), "a new head for three classes");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    public void AFileForAnotherArchitectureNamesTheFirstTensorThatDiffers()
    {
        var folder = Directory.CreateTempSubdirectory("fastcnn-weights").FullName;
        try
        {
            using var resnet50 = torchvision.models.resnet50(num_classes: 1000);
            var path = Path.Combine(folder, "resnet50.pth");
            resnet50.save_py(path);
            var options = TestData.TinyOptions(); // ResNet18
            options.Learner.Weights = PretrainedWeights.FromFile(path);

            var e = Assert.ThrowsExactly<InvalidDataException>(() =>
                BackboneFactory.Create(options.Learner, 32, new SingleLabelTask(["a", "b"]), CPU, seed: 1, _ => { }, default));

            StringAssert.Contains(e.Message, path);
            StringAssert.Contains(e.Message, "does not fit ResNet18");
            StringAssert.Contains(e.Message, "'layer1.0.conv1.weight' has shape [64, 64, 1, 1] in the file, but [64, 64, 3, 3] in the network");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    public void OfflineWithoutACachedFileSaysWhatToDo()
    {
        var cache = Directory.CreateTempSubdirectory("fastcnn-cache").FullName;
        try
        {
            var options = TestData.TinyOptions();
            options.Learner.Architecture = CnnArchitecture.ResNet34;
            options.Learner.Weights = PretrainedWeights.ImageNet;
            options.Learner.WeightsCacheFolder = cache;
            options.Learner.Offline = true;

            var e = Assert.ThrowsExactly<InvalidOperationException>(() =>
                BackboneFactory.Create(options.Learner, 32, new SingleLabelTask(["a", "b"]), CPU, seed: 1, _ => { }, default));

            StringAssert.Contains(e.Message, "resnet34-b627a593.pth");
            StringAssert.Contains(e.Message, cache);
        }
        finally
        {
            Directory.Delete(cache, recursive: true);
        }
    }

    [TestMethod]
    public void FineTuningFromImageNetBeatsRandomWeightsAtEqualEpochs()
    {
        // 100 real images (Fashion-MNIST) at 128 px and four passes each: where transfer learning
        // matters. (With 200 images at 96 px random weights catch up: 28-pixel grey clothes are far from ImageNet.)
        double Accuracy(PretrainedWeights weights, int freezeEpochs, int epochs)
        {
            var ml = new MLContext(seed: 1);
            var train = ml.Data.LoadFromEnumerable(TestData.FashionMnist("train", perClass: 10));
            var valid = ml.Data.LoadFromEnumerable(TestData.FashionMnist("valid", perClass: 30));
            var options = TestData.TinyOptions();
            options.Learner.Weights = weights;
            options.Learner.ImageSize = 128;
            options.Learner.BatchSize = 32;
            options.FreezeEpochs = freezeEpochs;
            options.Epochs = epochs;
            options.LearningRate = 2e-3;
            var model = TestData.Preprocessing(ml).Append(FastCnn.Train(ml, options)).Fit(train);
            return ml.MulticlassClassification.Evaluate(model.Transform(valid)).MicroAccuracy;
        }

        double pretrained = Accuracy(PretrainedWeights.ImageNet, freezeEpochs: 1, epochs: 3);
        double random = Accuracy(PretrainedWeights.None, freezeEpochs: 0, epochs: 4);

        Console.WriteLine($"Fashion-MNIST, 100 training and 300 validation images, 4 epochs at 128 px: ImageNet ResNet18 {pretrained:P1}, random ResNet18 {random:P1}");
        Assert.IsGreaterThan(random + 0.05, pretrained, $"pretrained {pretrained:P1} vs random {random:P1}");
    }
}
