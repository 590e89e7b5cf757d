namespace ML.FastCnn;

/// <summary>How a fit ended, as <see cref="LearnerCallback.AfterFit"/> sees it.</summary>
public enum FitOutcome
{
    /// <summary>Every planned epoch ran.</summary>
    Completed,

    /// <summary>A callback asked to stop (<see cref="FitContext.RequestStop"/>): early stopping, the end of the range test.</summary>
    Stopped,

    /// <summary>The cancellation token (or ML.NET's environment) was cancelled; <see cref="OperationCanceledException"/> follows.</summary>
    Cancelled,

    /// <summary>An exception ended the fit (a diverged loss, an unreadable image, a callback's own error); it follows.</summary>
    Failed,
}
