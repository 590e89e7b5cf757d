using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>
/// The frozen body's activations of every training and validation image, computed once so that head
/// epochs skip the body (fast.ai v0.7 <c>precompute=True</c>). Stale as soon as the body, the image size
/// or the augmentation changes: the loop clears it then.
/// </summary>
internal sealed class ActivationCache : IDisposable
{
    public TensorDataset? Train { get; private set; }

    public TensorDataset? Valid { get; private set; }

    public bool IsFilled => Train is not null;

    /// <summary>
    /// Runs each image not stored yet once through <paramref name="model"/>'s body, in evaluation mode, reporting progress.
    /// The activations stay on the model's device: head epochs then read them without a copy per batch (on a GPU, a
    /// pooled feature vector per image: 60,000 ResNet34 images take 240 MB).
    /// </summary>
    public void Fill(ImageClassifier model, ImageData train, ImageData? valid, Action<string> log, IProgress<PhaseProgress>? progress,
        CancellationToken cancellation)
    {
        long missing = (Train is null ? train.Count : 0) + (Valid is null && valid is not null ? valid.Count : 0);
        if (missing == 0)
            return;
        var meter = new PhaseMeter("Storing activations", missing, "images", log, progress);
        Train ??= Compute(model, train, meter, cancellation);
        if (valid is not null)
            Valid ??= Compute(model, valid, meter, cancellation);
        meter.Finish();
    }

    private static TensorDataset Compute(ImageClassifier model, ImageData data, PhaseMeter meter, CancellationToken cancellation)
    {
        model.Network.eval();
        using var noGrad = no_grad();
        var parts = new List<Tensor>();
        var targets = new List<float[]>();
        try
        {
            foreach (var batch in data.Epoch(0, shuffle: false, augmentation: null, cancellation))
            {
                using (batch)
                using (var scope = NewDisposeScope())
                {
                    parts.Add(model.Network.Features(ImageTensorConverter.Normalize(batch.Images, model.Device, model.Normalization)).MoveToOuterDisposeScope());
                    targets.AddRange(batch.Targets);
                }
                meter.Advance(batch.Count);
            }
            return new TensorDataset(cat(parts, 0), [.. targets]);
        }
        finally
        {
            parts.ForEach(p => p.Dispose());
        }
    }

    /// <summary>Forgets the stored activations (they no longer match the body or the images).</summary>
    public void Clear()
    {
        Train?.Dispose();
        Valid?.Dispose();
        Train = Valid = null;
    }

    public void Dispose() => Clear();
}
