namespace ML.FastCnn;

/// <summary>The optimizer that updates the weights.</summary>
public enum OptimizerKind
{
    /// <summary>Adam with decoupled weight decay (fast.ai's default); schedules cycle its β1.</summary>
    AdamW,

    /// <summary>SGD with momentum and L2 weight decay (as PyTorch's SGD); schedules cycle its momentum.</summary>
    Sgd,
}
