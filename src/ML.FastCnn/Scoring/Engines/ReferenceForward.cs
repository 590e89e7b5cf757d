using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>The network's own forward pass in evaluation mode: what every faster engine must reproduce.</summary>
internal sealed class ReferenceForward(ImageClassifier classifier) : IScoringForward
{
    public ScoringEngine Kind => ScoringEngine.Reference;

    public float[] Logits(Tensor imageBytes)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        classifier.Network.eval();
        var logits = classifier.Network.call(ImageTensorConverter.Normalize(imageBytes, classifier.Device, classifier.Normalization));
        return logits.cpu().data<float>().ToArray();
    }

    public void Dispose()
    {
        // The network belongs to the classifier.
    }
}
