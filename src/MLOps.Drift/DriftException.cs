namespace MLOps.Drift;

/// <summary>
/// Thrown when a drift test cannot run on the data it was given: an empty column after missing values were
/// dropped, a test that needs numbers on a text column, Fisher's test on more than two categories, and so on.
/// </summary>
/// <remarks>The message names the column (when known) and the test, and says what to change. Never transient.</remarks>
public class DriftException : MLOpsException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong and how to fix it.</param>
    public DriftException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with the column it concerns.</summary>
    /// <param name="message">What went wrong and how to fix it.</param>
    /// <param name="columnName">The column, or <see langword="null"/> when the test ran on bare samples.</param>
    /// <param name="innerException">The underlying failure, if any.</param>
    public DriftException(string message, string? columnName, Exception? innerException = null)
        : base(message, innerException)
    {
        ColumnName = columnName;
    }

    /// <summary>Creates the exception with an inner exception.</summary>
    /// <param name="message">What went wrong and how to fix it.</param>
    /// <param name="innerException">The underlying failure.</param>
    public DriftException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Gets the column the failure concerns, or <see langword="null"/>.</summary>
    public string? ColumnName { get; }
}
