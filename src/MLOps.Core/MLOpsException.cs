namespace MLOps;

/// <summary>
/// The base type of every exception the MLOps.Sdk packages throw on purpose.
/// </summary>
/// <remarks>
/// Catch this type to handle any suite failure in one place; test <see cref="IsTransient"/> to decide whether a
/// retry can help (a busy database, a server that answered 503) or not (bad input, a missing model).
/// Messages quote the offending value and say what to do; they never contain secrets.
/// </remarks>
public class MLOpsException : Exception
{
    /// <summary>Creates an exception with a message.</summary>
    /// <param name="message">What went wrong, the value that caused it, and the fix.</param>
    public MLOpsException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and the exception that caused it.</summary>
    /// <param name="message">What went wrong, the value that caused it, and the fix.</param>
    /// <param name="innerException">The underlying failure.</param>
    public MLOpsException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception, saying whether the same call may succeed if retried.</summary>
    /// <param name="message">What went wrong, the value that caused it, and the fix.</param>
    /// <param name="isTransient">Whether a retry of the same call may succeed.</param>
    /// <param name="innerException">The underlying failure, if any.</param>
    public MLOpsException(string message, bool isTransient, Exception? innerException = null)
        : base(message, innerException)
    {
        IsTransient = isTransient;
    }

    /// <summary>
    /// Gets a value indicating whether the same call may succeed if retried unchanged
    /// (for example after a lock timeout or an HTTP 503). <see langword="false"/> by default.
    /// </summary>
    public bool IsTransient { get; }
}
