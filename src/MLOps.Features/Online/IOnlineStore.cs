namespace MLOps.Features.Online;

/// <summary>Status of one online value, with Feast's numbering (<c>FieldStatus</c> in <c>ServingService.proto</c>).</summary>
public enum FeatureStatus
{
    /// <summary>Not set.</summary>
    Invalid = 0,

    /// <summary>The value is stored and within the view's TTL.</summary>
    Present = 1,

    /// <summary>A row is stored for the entity but this value is null.</summary>
    NullValue = 2,

    /// <summary>Nothing is stored for the entity and view.</summary>
    NotFound = 3,

    /// <summary>The value is stored but older than the view's TTL (<c>now - event_ts &gt; ttl</c>); it is still returned.</summary>
    OutsideMaxAge = 4,
}

/// <summary>One value read from an online store.</summary>
/// <param name="Value">The value (CLR type of the feature's <see cref="FeatureValueType"/>), or <see langword="null"/>.</param>
/// <param name="Status">Its status.</param>
/// <param name="EventTimestamp">The stored event time; the Unix epoch when not found.</param>
public readonly record struct OnlineFeatureValue(object? Value, FeatureStatus Status, DateTimeOffset EventTimestamp);

/// <summary>One entity's features to write.</summary>
/// <param name="EntityKey">Join-key values in <see cref="FeatureView.JoinKeys"/> order.</param>
/// <param name="Values">Feature values in <see cref="FeatureView.Schema"/> order; null allowed.</param>
/// <param name="EventTimestamp">The event time of the row.</param>
/// <param name="CreatedTimestamp">The created time, when known.</param>
public sealed record OnlineWriteRow(IReadOnlyList<object> EntityKey, IReadOnlyList<object?> Values, DateTimeOffset EventTimestamp, DateTimeOffset? CreatedTimestamp = null);

/// <summary>
/// The online store contract: latest feature values per (view, entity key) for low-latency serving.
/// Implementations must be thread-safe and must:
/// <list type="bullet">
/// <item>ignore a row whose event time is at or before the stored one for that entity and view (as Feast's Redis store does);</item>
/// <item>return one value per requested entity and feature, in request order, with <see cref="FeatureStatus.NotFound"/>
/// (value null, epoch timestamp) when nothing is stored, <see cref="FeatureStatus.NullValue"/> for a stored null, and
/// <see cref="FeatureStatus.OutsideMaxAge"/> when the view has a TTL and <c>now - event_ts &gt; ttl</c> (TTL enforced
/// on read, unlike Feast's Python server; the value is still returned);</item>
/// <item>encode entity keys with the registered entity value types (see <see cref="EntityKeySerializer"/>).</item>
/// </list>
/// </summary>
public interface IOnlineStore
{
    /// <summary>Writes a batch of rows of one view; rows older than or as old as what is stored are skipped.</summary>
    /// <param name="view">The view.</param>
    /// <param name="rows">The rows.</param>
    /// <param name="cancellationToken">Cancels the write; a batch is written atomically or not at all.</param>
    /// <returns>The number of rows written (not skipped).</returns>
    ValueTask<int> WriteBatchAsync(FeatureView view, IReadOnlyList<OnlineWriteRow> rows, CancellationToken cancellationToken = default);

    /// <summary>Reads features of several entities of one view.</summary>
    /// <param name="view">The view.</param>
    /// <param name="entityKeys">Entity keys, each in <see cref="FeatureView.JoinKeys"/> order.</param>
    /// <param name="features">Feature names of the view.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns><c>result[entity][feature]</c>, in request order.</returns>
    ValueTask<OnlineFeatureValue[][]> ReadAsync(FeatureView view, IReadOnlyList<IReadOnlyList<object>> entityKeys, IReadOnlyList<string> features, CancellationToken cancellationToken = default);

    /// <summary>Deletes entities of a view, or the whole view when <paramref name="entityKeys"/> is <see langword="null"/>.</summary>
    /// <param name="view">The view.</param>
    /// <param name="entityKeys">Keys to delete, or <see langword="null"/> for all.</param>
    /// <param name="cancellationToken">Cancels the delete.</param>
    /// <returns>A task that completes when deleted.</returns>
    ValueTask DeleteAsync(FeatureView view, IReadOnlyList<IReadOnlyList<object>>? entityKeys = null, CancellationToken cancellationToken = default);
}

/// <summary>Keeps the materialization watermark (the end of the last successful run) per view.</summary>
public interface IMaterializationWatermarkStore
{
    /// <summary>Gets the watermark of a view.</summary>
    /// <param name="viewName">The view.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The end of the last successful run, or <see langword="null"/> if never materialized.</returns>
    ValueTask<DateTimeOffset?> GetWatermarkAsync(string viewName, CancellationToken cancellationToken = default);

    /// <summary>Records that a view was materialized up to <paramref name="endTime"/>.</summary>
    /// <param name="viewName">The view.</param>
    /// <param name="endTime">The end of the window.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when recorded durably.</returns>
    ValueTask SetWatermarkAsync(string viewName, DateTimeOffset endTime, CancellationToken cancellationToken = default);
}
