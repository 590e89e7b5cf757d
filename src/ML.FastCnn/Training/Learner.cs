using System.Diagnostics;
using Microsoft.ML.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>
/// The training-loop core, after fast.ai's Learner: one batch, one training epoch, one
/// validation pass, and <see cref="Fit"/> over epochs. Each batch runs in its own dispose scope.
/// </summary>
internal sealed class Learner
{
    private readonly ImageClassifier _model;
    private readonly IChannel _channel;

    public Learner(ImageClassifier model, IChannel channel)
    {
        _model = model;
        _channel = channel;
    }

    /// <summary>Trains for <paramref name="epochs"/> epochs with AdamW at a constant learning rate.</summary>
    public IReadOnlyList<EpochResult> Fit(LabeledImageSet train, LabeledImageSet? valid, int epochs, int batchSize,
        double learningRate, double weightDecay, Random random, CancellationToken cancellation = default)
    {
        using var optimizer = optim.AdamW(_model.Network.parameters(), lr: learningRate, weight_decay: weightDecay);
        var results = new List<EpochResult>();
        for (int epoch = 1; epoch <= epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            double trainLoss = TrainEpoch(train, batchSize, optimizer, random, cancellation);
            var (validLoss, accuracy) = valid is null ? (null, null) : Validate(valid, batchSize, cancellation);
            var result = new EpochResult(epoch, trainLoss, validLoss, accuracy, clock.Elapsed);
            _channel.Info(result.ToString());
            results.Add(result);
        }
        return results;
    }

    private double TrainEpoch(LabeledImageSet data, int batchSize, optim.Optimizer optimizer, Random random, CancellationToken cancellation)
    {
        _model.Network.train();
        double lossSum = 0;
        foreach (var indices in data.BatchIndices(batchSize, random))
        {
            cancellation.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var (images, labels) = data.GetBatch(indices, _model.Device);
            var loss = nn.functional.cross_entropy(_model.Network.forward(images), labels);
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
            lossSum += loss.ToDouble() * indices.Length;
        }
        return lossSum / data.Count;
    }

    /// <summary>Mean cross-entropy and accuracy on <paramref name="data"/>, in evaluation mode.</summary>
    public (double? Loss, double? Accuracy) Validate(LabeledImageSet data, int batchSize, CancellationToken cancellation = default)
    {
        if (data.Count == 0)
            return (null, null);
        _model.Network.eval();
        using var noGrad = no_grad();
        double lossSum = 0;
        long correct = 0;
        foreach (var indices in data.BatchIndices(batchSize, random: null))
        {
            cancellation.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var (images, labels) = data.GetBatch(indices, _model.Device);
            var logits = _model.Network.forward(images);
            lossSum += nn.functional.cross_entropy(logits, labels, reduction: nn.Reduction.Sum).ToDouble();
            correct += logits.argmax(1).eq(labels).sum().ToInt64();
        }
        return (lossSum / data.Count, (double)correct / data.Count);
    }
}
