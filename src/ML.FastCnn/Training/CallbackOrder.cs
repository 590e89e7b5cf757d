namespace ML.FastCnn;

/// <summary>
/// The <see cref="LearnerCallback.Order"/> of the built-in callbacks, lowest first. Give your own a
/// value between them to run before or after one of them.
/// </summary>
public static class CallbackOrder
{
    /// <summary>0: the schedule (or the range test's sweep) sets learning rates and momentum before anything reads them.</summary>
    public const int Scheduler = 0;

    /// <summary>10: the divergence guard stops on a non-finite loss before others record it.</summary>
    public const int DivergenceGuard = 10;

    /// <summary>20: the epoch table and batch progress are reported.</summary>
    public const int Reporting = 20;

    /// <summary>30: early stopping decides after the epoch was reported.</summary>
    public const int EarlyStopping = 30;

    /// <summary>40: keep-best records the epoch's weights and puts the best back at the end.</summary>
    public const int KeepBestModel = 40;

    /// <summary>45: the checkpoint is written after the epoch is complete and recorded.</summary>
    public const int Checkpoint = 45;

    /// <summary>50: callbacks that do not say otherwise, after every built-in one.</summary>
    public const int Default = 50;
}
