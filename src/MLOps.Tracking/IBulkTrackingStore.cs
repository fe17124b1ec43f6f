namespace MLOps.Tracking;

/// <summary>
/// A store that writes a whole flush of a run — any number of metric points, params and tags — in one atomic call,
/// without the per-request limits of MLflow's <c>log-batch</c> (1000 metrics, 100 params, 100 tags). The
/// <see cref="Tracker"/>'s flusher uses it when its store implements it (the embedded
/// <see cref="Sqlite.SqliteTrackingStore"/> does): one transaction per flush instead of one per 1000 points.
/// </summary>
/// <remarks>Implementations are thread-safe, validate every item with MLflow's per-item rules, and write nothing when any item is rejected.</remarks>
public interface IBulkTrackingStore : ITrackingStore
{
    /// <summary>The most metric points the flusher passes in one <see cref="LogBulkAsync"/> call; larger flushes are split.</summary>
    const int MaxMetricsPerCall = 1 << 16;

    /// <summary>Logs metrics, params and tags to an active run in one transaction; MLflow's per-item rules apply, its per-request counts do not.</summary>
    /// <param name="runId">The run.</param>
    /// <param name="metrics">Metric points, at most <see cref="MaxMetricsPerCall"/>.</param>
    /// <param name="parameters">Params, or <see langword="null"/>.</param>
    /// <param name="tags">Tags, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when committed.</returns>
    /// <exception cref="InvalidTrackingValueException">A rule was broken; nothing was written.</exception>
    Task LogBulkAsync(string runId, ReadOnlyMemory<Metric> metrics, IReadOnlyList<Param>? parameters = null, IReadOnlyList<RunTag>? tags = null, CancellationToken cancellationToken = default);
}
