namespace MLOps.Datasets;

/// <summary>A column of a dataset's schema, as the caller describes it (for example <c>("amount", "float64")</c>).</summary>
/// <remarks>Immutable; compared by value.</remarks>
public sealed record DatasetColumn
{
    /// <summary>Creates a column.</summary>
    /// <param name="name">The column name.</param>
    /// <param name="type">The type, in whatever vocabulary the caller uses (Arrow, pandas, SQL...).</param>
    /// <exception cref="ArgumentException">An argument is null or empty.</exception>
    public DatasetColumn(string name, string type)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(type);
        Name = name;
        Type = type;
    }

    /// <summary>Gets the column name.</summary>
    public string Name { get; }

    /// <summary>Gets the column type as the caller wrote it.</summary>
    public string Type { get; }
}
