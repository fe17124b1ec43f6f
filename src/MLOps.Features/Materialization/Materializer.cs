using Apache.Arrow;
using Apache.Arrow.Types;
using MLOps.Features.Contracts;
using MLOps.Features.Offline;
using MLOps.Features.Online;

namespace MLOps.Features.Materialization;

/// <summary>Options of <see cref="Materializer"/>.</summary>
public sealed class MaterializationOptions
{
    /// <summary>Gets or sets the rows per online write batch (Feast's <c>online_write_batch_size</c>); default 10,000.</summary>
    public int BatchSize { get; set; } = 10_000;

    /// <summary>
    /// Gets the data contracts checked before a view is written, by view name. A view without an entry is checked
    /// with <see cref="DataContract.ForView"/> (join keys present, typed and not null; features typed) while
    /// <see cref="ValidateContracts"/> is on. Default empty.
    /// </summary>
    public IDictionary<string, DataContract> Contracts { get; } = new Dictionary<string, DataContract>(StringComparer.Ordinal);

    /// <summary>
    /// Gets or sets whether every view's rows are checked against its contract before anything of that view is written;
    /// on a violation the run throws <see cref="DataContractException"/> with the full report, writes nothing for the
    /// view and leaves its watermark. Default <see langword="true"/>.
    /// </summary>
    public bool ValidateContracts { get; set; } = true;
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
        if (_options.ValidateContracts && latest.Count > 0)
        {
            var contract = _options.Contracts.TryGetValue(view.Name, out var c) ? c : DataContract.ForView(view);
            contract.Validate(ToBatch(view, latest), _time).ThrowIfInvalid();
        }
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

    /// <summary>The rows about to be written, as the Arrow batch a contract checks: join keys, features, <c>event_timestamp</c>, <c>created_timestamp</c>.</summary>
    private static RecordBatch ToBatch(FeatureView view, List<LatestRow> rows)
    {
        var fields = new List<Field>();
        var arrays = new List<IArrowArray>();
        for (var k = 0; k < view.Entities.Count; k++)
        {
            var values = new object?[rows.Count];
            for (var i = 0; i < rows.Count; i++)
            {
                values[i] = rows[i].Key[k];
            }

            fields.Add(new Field(view.JoinKeys[k], ArrowValues.ArrowType(view.Entities[k].ValueType), nullable: true));
            arrays.Add(ArrowValues.Build(view.Entities[k].ValueType, values));
        }

        for (var f = 0; f < view.Schema.Count; f++)
        {
            var values = new object?[rows.Count];
            for (var i = 0; i < rows.Count; i++)
            {
                values[i] = rows[i].Values[f];
            }

            fields.Add(new Field(view.Schema[f].Name, ArrowValues.ArrowType(view.Schema[f].Type), nullable: true));
            arrays.Add(ArrowValues.Build(view.Schema[f].Type, values));
        }

        var type = new TimestampType(TimeUnit.Microsecond, "UTC");
        var eventTs = new TimestampArray.Builder(type);
        var createdTs = new TimestampArray.Builder(type);
        foreach (var r in rows)
        {
            eventTs.Append(ParquetViewReader.FromMicros(r.EventTs));
            if (r.CreatedTs == long.MinValue)
            {
                createdTs.AppendNull();
            }
            else
            {
                createdTs.Append(ParquetViewReader.FromMicros(r.CreatedTs));
            }
        }

        fields.Add(new Field("event_timestamp", type, nullable: false));
        arrays.Add(eventTs.Build());
        fields.Add(new Field("created_timestamp", type, nullable: true));
        arrays.Add(createdTs.Build());
        return new RecordBatch(new Schema(fields, null), arrays, rows.Count);
    }
}
