using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>One way of running a trained network on images: the reference forward or a faster path checked against it.</summary>
internal interface IScoringForward : IDisposable
{
    /// <summary>Which engine this is.</summary>
    ScoringEngine Kind { get; }

    /// <summary>Class scores before the softmax (logits) of a batch of resized uint8 images [N, 3, S, S], row after row: N × classes values.</summary>
    float[] Logits(Tensor imageBytes);
}
