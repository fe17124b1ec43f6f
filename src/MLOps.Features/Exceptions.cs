namespace MLOps.Features;

/// <summary>Base type of the feature store's errors.</summary>
public class FeatureStoreException : MLOpsException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong and what to do.</param>
    public FeatureStoreException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong and what to do.</param>
    /// <param name="isTransient">Whether a retry may succeed.</param>
    /// <param name="innerException">The cause; optional.</param>
    public FeatureStoreException(string message, bool isTransient, Exception? innerException = null)
        : base(message, isTransient, innerException)
    {
    }
}

/// <summary>A definition is invalid or refers to something that is not registered.</summary>
public class FeatureDefinitionException : FeatureStoreException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong.</param>
    public FeatureDefinitionException(string message)
        : base(message)
    {
    }
}

/// <summary>Two requested features map to the same output column (Feast's <c>FeatureNameCollisionError</c>).</summary>
public sealed class FeatureNameCollisionException : FeatureStoreException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="columnName">The clashing column.</param>
    public FeatureNameCollisionException(string columnName)
        : base($"Two requested features produce the column '{columnName}'; pass fullFeatureNames: true to name columns 'view__feature'.")
    {
        ColumnName = columnName;
    }

    /// <summary>Gets the clashing column name.</summary>
    public string ColumnName { get; }
}
