using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>TorchSharp running the network with BatchNorm folded in (<see cref="FoldedNetwork"/>), on the model's device.</summary>
internal sealed class FoldedForward(ImageClassifier classifier) : IScoringForward
{
    private readonly FoldedNetwork _folded = FoldedNetwork.From(classifier.Network, classifier.Head);

    public ScoringEngine Kind => ScoringEngine.TorchSharp;

    public float[] Logits(Tensor imageBytes)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var logits = _folded.Forward(ImageTensorConverter.Normalize(imageBytes, classifier.Device, classifier.Normalization));
        return logits.cpu().data<float>().ToArray();
    }

    public void Dispose() => _folded.Dispose();
}
