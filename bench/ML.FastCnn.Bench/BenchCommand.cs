using System.CommandLine;

namespace ML.FastCnn.Bench;

/// <summary>The benchmark program's commands: throughput and accuracy measurements behind docs/benchmarks.md. Not tests.</summary>
internal static class BenchCommand
{
    public static RootCommand Create()
    {
        var bench = new RootCommand("ML.FastCnn's benchmarks: FastCnn measured against baselines run in the same process (see docs/benchmarks.md).");

        var size = new Option<int>("--size") { Description = "image size in pixels", DefaultValueFactory = _ => 64 };
        var batch = new Option<int>("--batch") { Description = "batch size", DefaultValueFactory = _ => 32 };
        var images = new Option<int>("--images") { Description = "images per measurement", DefaultValueFactory = _ => 512 };
        var pipeline = new Command("pipeline", "Training and scoring images/s through FastCnn from image files, as ratios to a bare TorchSharp loop on ready tensors.");
        foreach (var option in new Option[] { size, batch, images })
            pipeline.Add(option);
        pipeline.SetAction(r => CliErrors.Run(() => PipelineBenchmark.Run(r.GetValue(size), r.GetValue(batch), r.GetValue(images))));
        bench.Add(pipeline);

        var augmentation = new Command("augmentation",
            "Training images/s without augmentation, with SideOn as batch transforms on the device (the default), and with SideOn per image on the CPU.");
        foreach (var option in new Option[] { size, batch, images })
            augmentation.Add(option);
        augmentation.SetAction(r => CliErrors.Run(() => AugmentationBenchmark.Run(r.GetValue(size), r.GetValue(batch), r.GetValue(images))));
        bench.Add(augmentation);

        var side = new Option<int>("--side") { Description = "width of the generated JPEG files in pixels (height: three quarters)", DefaultValueFactory = _ => 480 };
        var reading = new Command("reading", "Images/s of the learner's caching pass over LoadImages files: decoded on the pipeline's workers against in ML.NET's cursor.");
        foreach (var option in new Option[] { images, side, size })
            reading.Add(option);
        reading.SetAction(r => CliErrors.Run(() => ReadingBenchmark.Run(r.GetValue(images), r.GetValue(side), r.GetValue(size))));
        bench.Add(reading);

        var steps = new Option<int>("--steps") { Description = "training steps timed per mode", DefaultValueFactory = _ => 20 };
        var precision = new Command("precision", "ResNet18 training steps in float32, bfloat16, and bfloat16 with float32 master weights (mixed precision by hand).");
        var accuracyImages = new Option<int>("--accuracy") { Description = "instead of timing random batches: train on this many Fashion-MNIST images in each precision and test (0: off)" };
        var precisionEpochs = new Option<int>("--epochs") { Description = "epochs of the --accuracy run", DefaultValueFactory = _ => 3 };
        foreach (var option in new Option[] { size, batch, steps, accuracyImages, precisionEpochs })
            precision.Add(option);
        precision.SetAction(r => CliErrors.Run(() => PrecisionBenchmark.Run(r.GetValue(size), r.GetValue(batch), r.GetValue(steps), r.GetValue(accuracyImages), r.GetValue(precisionEpochs))));
        bench.Add(precision);

        var optimizer = new Command("optimizer", "AdamW's step over ResNet18's parameter tensors against over one flat tensor of the same size, beside a whole training step.");
        foreach (var option in new Option[] { size, batch, steps })
            optimizer.Add(option);
        optimizer.SetAction(r => CliErrors.Run(() => OptimizerBenchmark.Run(r.GetValue(size), r.GetValue(batch), r.GetValue(steps))));
        bench.Add(optimizer);

        var noBaseline = new Option<bool>("--no-baseline") { Description = "skip ML.NET's baseline (tuning runs)" };
        var onnx = new Command("onnx", "Scoring throughput of FastCnn's ResNet18 against ML.NET's ONNX Runtime path (224 px), and ML.NET's own baseline: ResNet18 features + LbfgsMaximumEntropy.");
        onnx.Add(images);
        onnx.Add(noBaseline);
        onnx.SetAction(r => CliErrors.Run(() => OnnxBenchmark.Run(r.GetValue(images), baseline: !r.GetValue(noBaseline))));
        bench.Add(onnx);

        var epochs = new Option<int?>("--epochs") { Description = "epochs of the unfrozen phase (default: the plan's)" };
        var fashionSize = new Option<int?>("--size") { Description = "image size in pixels (default: from the images, 64)" };
        var fashion = new Command("fashion-mnist", "The defaults on all of Fashion-MNIST (needs `apt-get install dataset-fashion-mnist`): test accuracy and wall time.");
        var fashionWatch = new Option<bool>("--watch") { Description = "score the test set after every epoch and report the time to 91% (slower)" };
        var pytorchWeights = new Option<string?>("--pytorch-weights") { Description = "also write the starting network as a PyTorch state dict, for bench/pytorch_fashion_mnist.py" };
        var fashionBudget = new Option<double?>("--time-budget") { Description = "minutes the fit may take (FastCnnOptions.TimeBudget)" };
        var startSize = new Option<int?>("--start-size") { Description = "progressive resizing: the first half of the unfrozen epochs at this size (FastCnnOptions.StartImageSize)" };
        var limit = new Option<int>("--limit") { Description = "only the first N training and N test images (throughput runs; 0: all)" };
        var fashionPrecision = new Option<TrainingPrecision>("--precision") { Description = "Float32 (default) or MixedBFloat16 (FastCnnLearner.Options.Precision)" };
        var fashionSeed = new Option<int>("--seed") { Description = "the learner's seed (weights of the head, order, augmentation)", DefaultValueFactory = _ => 1 };
        var fashionAugmentation = new Option<string?>("--augmentation") { Description = "none, side-on, side-on-no-warp (the PyTorch script's transforms), top-down, size-keeping or quarter-turns (default: the plan's)" };
        foreach (var option in new Option[] { epochs, fashionSize, fashionWatch, pytorchWeights, fashionBudget, startSize, limit, fashionPrecision, fashionSeed, fashionAugmentation })
            fashion.Add(option);
        fashion.SetAction(r => CliErrors.Run(() => FashionMnistBenchmark.Run(r.GetValue(epochs), r.GetValue(fashionSize), r.GetValue(fashionWatch),
            r.GetValue(pytorchWeights), r.GetValue(fashionBudget), r.GetValue(startSize), r.GetValue(limit), r.GetValue(fashionPrecision), r.GetValue(fashionSeed),
            r.GetValue(fashionAugmentation))));
        bench.Add(fashion);
        var sets = new Option<string[]>("--sets") { Description = "sets to run: fashion-mnist-<n per class>, colour", DefaultValueFactory = _ => ["fashion-mnist-20", "fashion-mnist-100", "colour"], AllowMultipleArgumentsPerToken = true };
        var colour = new Option<string?>("--colour") { Description = "folder of the colour set (train/, valid/), made by bench/make_colour_set.py" };
        var recipe = new Option<TrainingRecipe?>("--recipe") { Description = "override: FineTune, FineTuneOnStoredActivations (the default) or Lesson1" };
        var smallSize = new Option<int?>("--size") { Description = "override: image size" };
        var smallEpochs = new Option<int?>("--epochs") { Description = "override: epochs of the main phase" };
        var freeze = new Option<int?>("--freeze-epochs") { Description = "override: frozen epochs" };
        var smallBatch = new Option<int?>("--batch") { Description = "override: batch size" };
        var augment = new Option<bool>("--augment") { Description = "override: SideOn augmentation" };
        var head = new Option<ClassifierHead?>("--head") { Description = "override: Fastai or Linear" };
        var lr = new Option<double?>("--lr") { Description = "override: learning rate" };
        var watch = new Option<bool>("--watch") { Description = "tuning: validate after every epoch (slower)" };
        var cache = new Option<bool?>("--cache") { Description = "override: CacheImages" };
        var mixUp = new Option<double>("--mixup") { Description = "override: MixUp's alpha (0: off)" };
        var seed = new Option<int?>("--seed") { Description = "override: the learner's seed (reruns)" };
        var sgdr = new Option<bool>("--sgdr") { Description = "override: SGDR (2 cycles, length 1, ×2: 3 epochs) instead of one cycle in the main phase" };
        var small = new Command("small-data", "FastCnn's defaults against ML.NET's ResNet18 features + LbfgsMaximumEntropy on small sets: accuracy and wall time.");
        foreach (var option in new Option[] { sets, colour, recipe, smallSize, startSize, smallEpochs, freeze, smallBatch, augment, head, lr, noBaseline, watch, cache, mixUp, seed, sgdr })
            small.Add(option);
        small.SetAction(r => CliErrors.Run(() => SmallDataBenchmark.Run(r.GetRequiredValue(sets), r.GetValue(colour),
            new SmallDataBenchmark.Overrides(r.GetValue(recipe), r.GetValue(smallSize), r.GetValue(smallEpochs), r.GetValue(freeze), r.GetValue(smallBatch),
                r.GetValue(augment), r.GetValue(head), r.GetValue(lr), r.GetValue(watch), r.GetValue(cache), r.GetValue(mixUp), r.GetValue(seed), r.GetValue(startSize), r.GetValue(sgdr)), r.GetValue(noBaseline))));
        bench.Add(small);

        var task = new Option<string>("--task") { Description = "multilabel, regression or both", DefaultValueFactory = _ => "both" };
        var setSeeds = new Option<int[]>("--set-seeds") { Description = "one generated set per seed", DefaultValueFactory = _ => [1, 2, 3], AllowMultipleArgumentsPerToken = true };
        var trainCount = new Option<int>("--train") { Description = "training images per set", DefaultValueFactory = _ => 500 };
        var validCount = new Option<int>("--valid") { Description = "validation images per set", DefaultValueFactory = _ => 200 };
        var canvas = new Option<int>("--canvas") { Description = "canvas size of the drawings in pixels", DefaultValueFactory = _ => 96 };
        var style = new Option<string>("--style") { Description = "standard (five shapes, large drawings), medium (seven, where ML.NET's route scores about 0.82 / 0.70) or hard (eight, small drawings, more scribbles)", DefaultValueFactory = _ => "standard" };
        var augmentationPreset = new Option<string?>("--augmentation") { Description = "override: none, side-on, top-down, size-keeping (flips, quarter turns and lighting: a drawing keeps its size; regression's default) or quarter-turns (the same without lighting)" };
        var loss = new Option<RegressionLoss>("--loss") { Description = "regression loss: MeanSquaredError (default) or MeanAbsoluteError" };
        var headDropout = new Option<double?>("--head-dropout") { Description = "override: the fast.ai head's dropout (fast.ai's ps)" };
        var onlyBaseline = new Option<bool>("--baseline-only") { Description = "only ML.NET's route (calibrating a style)" };
        var tuningSplit = new Option<double>("--tuning-split") { Description = "multi-label: hold out this fraction of the training images as FastCnn's validation set (per-class thresholds tuned on it, best phase kept); 0: none, the README's pipeline" };
        var tasks = new Command("tasks", "Multi-label (accuracy_multi) and regression (R²) on generated drawings: FastCnn's defaults against ML.NET's ResNet18 features + a linear model per class or an SDCA regressor.");
        foreach (var option in new Option[] { task, setSeeds, trainCount, validCount, canvas, style, smallSize, smallEpochs, lr, seed, augmentationPreset, fashionPrecision, loss, headDropout, noBaseline, onlyBaseline, tuningSplit })
            tasks.Add(option);
        tasks.SetAction(r => CliErrors.Run(() => TaskBenchmark.Run(r.GetRequiredValue(task), r.GetRequiredValue(setSeeds), r.GetValue(trainCount), r.GetValue(validCount),
            r.GetValue(canvas), r.GetRequiredValue(style), new TaskBenchmark.Overrides(r.GetValue(smallSize), r.GetValue(smallEpochs), r.GetValue(lr), r.GetValue(seed),
                TaskBenchmark.AugmentationNamed(r.GetValue(augmentationPreset)), r.GetValue(fashionPrecision), r.GetValue(loss), r.GetValue(headDropout), r.GetValue(tuningSplit)), r.GetValue(noBaseline), r.GetValue(onlyBaseline))));
        bench.Add(tasks);

        var soakEpochs = new Option<int>("--epochs") { Description = "training epochs", DefaultValueFactory = _ => 3 };
        var predictions = new Option<int>("--predictions") { Description = "single predictions after training", DefaultValueFactory = _ => 10_000 };
        var soak = new Command("soak", "Training and predictions while another thread forces garbage collections: steps, errors (goal 0), resident memory growth (goal < 5%).");
        soak.Add(soakEpochs);
        soak.Add(predictions);
        soak.Add(fashionPrecision);
        soak.SetAction(r => CliErrors.Run(() => SoakBenchmark.Run(r.GetValue(soakEpochs), r.GetValue(predictions), r.GetValue(fashionPrecision))));
        bench.Add(soak);

        var serveModel = new Argument<string>("model") { Description = "a model.zip saved by train (e.g. fastcnn-output/model.zip from the main job)" };
        var clients = new Option<int>("--clients") { Description = "concurrent clients", DefaultValueFactory = _ => 16 };
        var requests = new Option<int>("--requests") { Description = "requests per configuration", DefaultValueFactory = _ => 2000 };
        var serve = new Command("serve", "Requests/s and p50/p99 latency of `serve` with micro-batching against one request per forward pass, on loopback.");
        serve.Add(serveModel);
        serve.Add(clients);
        serve.Add(requests);
        serve.SetAction(r => CliErrors.Run(() => ServeBenchmark.Run(r.GetRequiredValue(serveModel), r.GetValue(clients), r.GetValue(requests))));
        bench.Add(serve);
        return bench;
    }
}
