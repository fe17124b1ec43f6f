namespace MLOps.Features.Online;

/// <summary>A request for online features, shaped like Feast's <c>POST /get-online-features</c> body.</summary>
public sealed class OnlineFeaturesRequest
{
    /// <summary>Gets the feature references <c>view:feature</c>; set this or <see cref="FeatureService"/>.</summary>
    public IReadOnlyList<string>? Features { get; init; }

    /// <summary>Gets the feature service name; set this or <see cref="Features"/>.</summary>
    public string? FeatureService { get; init; }

    /// <summary>Gets the entity rows as columns: join key (and request-source field) to one value per row.</summary>
    public required IReadOnlyDictionary<string, IReadOnlyList<object?>> Entities { get; init; }

    /// <summary>Gets whether feature columns are named <c>view__feature</c>; default bare names.</summary>
    public bool FullFeatureNames { get; init; }

    internal int RowCount()
    {
        var n = -1;
        foreach (var (name, values) in Entities)
        {
            if (n >= 0 && values.Count != n)
            {
                throw new FeatureStoreException($"Entity column '{name}' has {values.Count} values but the others have {n}; give every column one value per row.");
            }

            n = values.Count;
        }

        return Math.Max(n, 0);
    }
}

/// <summary>One column of an online response: a join key or a feature, one entry per entity row.</summary>
/// <param name="Name">Column name.</param>
/// <param name="Values">Values (CLR types: long, int, float, double, string, bool), null when missing.</param>
/// <param name="Statuses">Statuses.</param>
/// <param name="EventTimestamps">Event times; the Unix epoch for join keys and missing values.</param>
public sealed record OnlineFeatureColumn(string Name, IReadOnlyList<object?> Values, IReadOnlyList<FeatureStatus> Statuses, IReadOnlyList<DateTimeOffset> EventTimestamps);

/// <summary>
/// The columnar answer of Feast's feature server: join keys first, then features. Columns are not guaranteed to be in
/// request order; look them up by name with <see cref="Column(string)"/>.
/// </summary>
public sealed class OnlineFeaturesResponse
{
    /// <summary>Creates a response.</summary>
    /// <param name="columns">The columns.</param>
    public OnlineFeaturesResponse(IReadOnlyList<OnlineFeatureColumn> columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        Columns = columns;
    }

    /// <summary>Gets the columns (Feast's <c>metadata.feature_names</c> and <c>results</c>).</summary>
    public IReadOnlyList<OnlineFeatureColumn> Columns { get; }

    /// <summary>Gets a column by name.</summary>
    /// <param name="name">The name.</param>
    /// <returns>The column.</returns>
    /// <exception cref="KeyNotFoundException">No such column.</exception>
    public OnlineFeatureColumn Column(string name)
    {
        foreach (var c in Columns)
        {
            if (string.Equals(c.Name, name, StringComparison.Ordinal))
            {
                return c;
            }
        }

        throw new KeyNotFoundException($"The response has no column '{name}'; it has {string.Join(", ", Columns.Select(static c => c.Name))}.");
    }
}

/// <summary>Reads online features: the local <see cref="FeatureStore"/> and the Feast feature-server client implement it alike.</summary>
public interface IOnlineFeatureReader
{
    /// <summary>Reads features for entity rows.</summary>
    /// <param name="request">What to read.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The columnar response.</returns>
    ValueTask<OnlineFeaturesResponse> GetOnlineFeaturesAsync(OnlineFeaturesRequest request, CancellationToken cancellationToken = default);
}
