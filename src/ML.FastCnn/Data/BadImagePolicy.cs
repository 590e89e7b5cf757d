namespace ML.FastCnn;

/// <summary>What training does with an image that cannot be read (missing, empty or corrupt file).</summary>
public enum BadImagePolicy
{
    /// <summary>Stop before training starts, naming the image. The default.</summary>
    Fail,

    /// <summary>Leave the row out, and report how many rows were left out in MLContext's log.</summary>
    Skip,
}
