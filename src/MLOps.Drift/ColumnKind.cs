namespace MLOps.Drift;

/// <summary>The statistical type of a column, which decides the default drift test (Evidently's <c>ColumnType</c>).</summary>
public enum ColumnKind
{
    /// <summary>A numeric quantity: distances and rank tests apply.</summary>
    Numerical = 0,

    /// <summary>Labels compared by equality: frequency tests apply.</summary>
    Categorical = 1,
}
