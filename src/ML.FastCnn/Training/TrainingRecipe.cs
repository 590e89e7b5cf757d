namespace ML.FastCnn;

/// <summary>
/// How a pretrained network is trained: each value is a <see cref="FastCnnLearner"/> method of the same
/// name that takes a <see cref="TrainingPlan"/>; <see cref="FastCnnLearner.Train"/> runs the plan's.
/// </summary>
public enum TrainingRecipe
{
    /// <summary>
    /// fast.ai v2's <c>fine_tune</c> (<see cref="FastCnnLearner.FineTune(TrainingPlan?, CancellationToken)"/>):
    /// range test, one-cycle epochs of the head (and BatchNorm) with the body frozen, then all layers with
    /// discriminative rates.
    /// </summary>
    FineTune,

    /// <summary>
    /// The default (<see cref="FastCnnLearner.FineTuneOnStoredActivations"/>): the frozen body's activations
    /// computed once, the range test and several cheap head epochs on them, then all layers with the body's
    /// BatchNorm statistics kept, discriminative rates and one cycle.
    /// </summary>
    FineTuneOnStoredActivations,

    /// <summary>
    /// fast.ai v0.7's lesson 1 (<see cref="FastCnnLearner.Lesson1"/>): as <see cref="FineTuneOnStoredActivations"/>,
    /// then all layers with augmentation (side-on unless the plan has its own) and SGDR: cycles of 1 and 2 epochs.
    /// </summary>
    Lesson1,

    /// <summary>The name of <see cref="FineTuneOnStoredActivations"/> before version 2.</summary>
    [Obsolete("Renamed FineTuneOnStoredActivations (what it does); the value is the same.")]
    Precompute = FineTuneOnStoredActivations,
}
