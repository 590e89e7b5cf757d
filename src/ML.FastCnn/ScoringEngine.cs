namespace ML.FastCnn;

/// <summary>
/// What runs a trained network when it scores. Every engine except <see cref="Reference"/> is a
/// faster path that must give the reference's probabilities: it is checked against the reference
/// on a probe batch before its first use, and not used (one warning in MLContext's log) when it
/// differs by more than 1e-4 or fails to start.
/// </summary>
public enum ScoringEngine
{
    /// <summary>
    /// The fastest engine that passes the check on this machine, chosen once per process and network
    /// shape by a short timing probe among <see cref="OnnxRuntime"/> (CPU only), <see cref="TorchSharp"/>
    /// and <see cref="Reference"/>; the first in that order within 20% of the fastest wins, so timing noise
    /// does not change the choice. The default.
    /// </summary>
    Auto,

    /// <summary>The trained network's own forward pass in TorchSharp (BatchNorm as trained): the reference every other engine is checked against.</summary>
    Reference,

    /// <summary>TorchSharp running the network with every BatchNorm folded into the layer next to it, on the model's device.</summary>
    TorchSharp,

    /// <summary>ONNX Runtime (CPU) running the network exported in memory (<see cref="FastCnnTransformer.ExportOnnx(string)"/>'s graph).</summary>
    OnnxRuntime,
}
