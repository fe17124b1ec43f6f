using MLOps.Features.Offline;
using MLOps.Features.Online;

namespace MLOps.Features.Materialization;

/// <summary>Options of <see cref="Materializer"/>.</summary>
public sealed class MaterializationOptions
{
    /// <summary>Gets or sets the rows per online write batch (Feast's <c>online_write_batch_size</c>); default 10,000.</summary>
    public int BatchSize { get; set; } = 10_000;
}

/// <summary>Progress of a materialization, reported after each written batch.</summary>
/// <param name="View">The view being materialized.</param>
/// <param name="RowsDone">Rows of this view handled so far (written or skipped as not newer).</param>
/// <param name="RowsTotal">Rows of this view to handle: one per entity key with data in the window.</param>
public sealed record MaterializationProgress(string View, int RowsDone, int RowsTotal);

/// <summary>The outcome for one view.</summary>
/// <param name="View">The view.</param>
/// <param name="Start">Window start (inclusive).</param>
/// <param name="End">Window end (inclusive); the new watermark.</param>
/// <param name="Rows">Latest rows found in the window (one per entity key).</param>
/// <param name="Written">Rows written (the others were not newer than the stored values).</param>
public sealed record MaterializedView(string View, DateTimeOffset Start, DateTimeOffset End, int Rows, int Written);

/// <summary>
/// Copies the latest feature values per entity from the offline sources to an online store, as Feast's
/// <c>materialize</c> and <c>materialize_incremental</c> do. Only views with <see cref="FeatureView.Online"/> are taken
/// when none are named. A view's watermark moves to the window end only after all its rows are written, so a run that
/// is cancelled or killed is resumed by running again; the store's "only if newer" rule makes rewriting harmless.
/// Thread-safe; do not run two materializations of the same view at once.
/// </summary>
public sealed class Materializer
{
    private readonly FeatureCatalogue _catalogue;
    private readonly IOnlineStore _store;
    private readonly IMaterializationWatermarkStore _watermarks;
    private readonly TimeProvider _time;
    private readonly MaterializationOptions _options;

    /// <summary>Creates the materializer.</summary>
    /// <param name="catalogue">The definitions.</param>
    /// <param name="store">The online store written to.</param>
    /// <param name="watermarks">Where watermarks persist (the SQLite online store implements it).</param>
    /// <param name="timeProvider">Clock for the first incremental run's start; default <see cref="TimeProvider.System"/>.</param>
    /// <param name="options">Options; defaults when <see langword="null"/>.</param>
    public Materializer(FeatureCatalogue catalogue, IOnlineStore store, IMaterializationWatermarkStore watermarks, TimeProvider? timeProvider = null, MaterializationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(catalogue);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(watermarks);
        _catalogue = catalogue;
        _store = store;
        _watermarks = watermarks;
        _time = timeProvider ?? TimeProvider.System;
        _options = options ?? new MaterializationOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.BatchSize, 1, nameof(options));
    }

    /// <summary>Writes the latest row per entity with event time in [<paramref name="start"/>, <paramref name="end"/>].</summary>
    /// <param name="start">Window start, inclusive.</param>
    /// <param name="end">Window end, inclusive.</param>
    /// <param name="views">View names; default every online view.</param>
    /// <param name="progress">Receives progress after each batch; optional.</param>
    /// <param name="cancellationToken">Stops between batches; what was written stays, the watermark does not move.</param>
    /// <returns>One entry per view.</returns>
    /// <exception cref="ArgumentException"><paramref name="end"/> is before <paramref name="start"/>.</exception>
    public async Task<IReadOnlyList<MaterializedView>> MaterializeAsync(DateTimeOffset start, DateTimeOffset end, IReadOnlyList<string>? views = null, IProgress<MaterializationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        if (end < start)
        {
            throw new ArgumentException($"The window end {end:O} is before its start {start:O}.", nameof(end));
        }

        var results = new List<MaterializedView>();
        foreach (var view in Select(views))
        {
            results.Add(await RunAsync(view, start, end, progress, cancellationToken).ConfigureAwait(false));
        }

        return results;
    }

    /// <summary>
    /// Continues each view from its watermark to <paramref name="end"/>. A view never materialized starts at
    /// <c>now - ttl</c>, or <c>now - 52 weeks</c> when its TTL is zero (Feast's rule).
    /// </summary>
    /// <param name="end">Window end, inclusive.</param>
    /// <param name="views">View names; default every online view.</param>
    /// <param name="progress">Receives progress after each batch; optional.</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    /// <returns>One entry per view.</returns>
    public async Task<IReadOnlyList<MaterializedView>> MaterializeIncrementalAsync(DateTimeOffset end, IReadOnlyList<string>? views = null, IProgress<MaterializationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var results = new List<MaterializedView>();
        foreach (var view in Select(views))
        {
            var start = await _watermarks.GetWatermarkAsync(view.Name, cancellationToken).ConfigureAwait(false)
                ?? _time.GetUtcNow() - (view.Ttl > TimeSpan.Zero ? view.Ttl : TimeSpan.FromDays(7 * 52));
            results.Add(await RunAsync(view, start, end, progress, cancellationToken).ConfigureAwait(false));
        }

        return results;
    }

    private IEnumerable<FeatureView> Select(IReadOnlyList<string>? views) =>
        views is null ? _catalogue.FeatureViews.Where(static v => v.Online).OrderBy(static v => v.Name, StringComparer.Ordinal) : views.Select(_catalogue.GetFeatureView);

    private async Task<MaterializedView> RunAsync(FeatureView view, DateTimeOffset start, DateTimeOffset end, IProgress<MaterializationProgress>? progress, CancellationToken ct)
    {
        var latest = await ParquetOfflineStore.ReadLatestAsync(view, start, end, ParquetOfflineStoreOptions.DefaultParallelism, ct).ConfigureAwait(false);
        var written = 0;
        var batch = new List<OnlineWriteRow>(Math.Min(_options.BatchSize, latest.Count));
        for (var i = 0; i < latest.Count; i++)
        {
            var r = latest[i];
            batch.Add(new OnlineWriteRow(r.Key, r.Values, ParquetViewReader.FromMicros(r.EventTs), r.CreatedTs == long.MinValue ? null : ParquetViewReader.FromMicros(r.CreatedTs)));
            if (batch.Count == _options.BatchSize || i == latest.Count - 1)
            {
                ct.ThrowIfCancellationRequested();
                written += await _store.WriteBatchAsync(view, batch, ct).ConfigureAwait(false);
                batch.Clear();
                progress?.Report(new MaterializationProgress(view.Name, i + 1, latest.Count));
            }
        }

        await _watermarks.SetWatermarkAsync(view.Name, end, ct).ConfigureAwait(false);
        return new MaterializedView(view.Name, start, end, latest.Count, written);
    }
}
