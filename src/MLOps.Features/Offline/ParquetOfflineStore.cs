using System.Globalization;
using Apache.Arrow;
using Array = System.Array;
using Apache.Arrow.Types;

namespace MLOps.Features.Offline;

/// <summary>Options of <see cref="ParquetOfflineStore"/>.</summary>
public sealed class ParquetOfflineStoreOptions
{
    internal static readonly int DefaultParallelism = Math.Clamp(Environment.ProcessorCount, 1, 4);

    /// <summary>Gets or sets the entity rows' timestamp column; default <c>event_timestamp</c> (Feast's name).</summary>
    public string EntityTimestampColumn { get; set; } = "event_timestamp";

    /// <summary>
    /// Gets or sets how many Parquet row groups one view decodes at once; default the processor count, at most 4.
    /// It bounds memory: a join holds its slots (one per entity row and requested feature, as the output does) plus this
    /// many decoded row groups, never the whole source. <see cref="HistoricalFeatures.DecodeBufferBytes"/> reports the figure.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is below 1.</exception>
    public int MaxParallelRowGroups
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            field = value;
        }
    } = DefaultParallelism;
}

/// <summary>Per-call options of <see cref="ParquetOfflineStore.GetHistoricalFeaturesAsync(RecordBatch, IReadOnlyList{string}, HistoricalRetrievalOptions, CancellationToken)"/>.</summary>
public sealed class HistoricalRetrievalOptions
{
    /// <summary>Gets or sets whether columns are named <c>view__feature</c>; default <see langword="false"/> (bare names).</summary>
    public bool FullFeatureNames { get; set; }

    /// <summary>
    /// Gets or sets Feast's <c>filter_by_created_timestamp</c>: a feature row also needs <c>created &lt;= entity ts</c>
    /// (rows without a created time are then excluded), so a value written after the entity time is not seen even
    /// when its event time is earlier. Views without a created-timestamp column are unaffected. Default
    /// <see langword="false"/>: the created time only breaks ties.
    /// </summary>
    public bool FilterByCreatedTimestamp { get; set; }

    /// <summary>
    /// Gets or sets a data contract the training set must satisfy before it is returned (checked on the whole result:
    /// entity columns and features, by output column name); <see langword="null"/> (the default) checks nothing.
    /// A violation throws <see cref="Contracts.DataContractException"/> carrying the report of every violation.
    /// </summary>
    public Contracts.DataContract? Contract { get; set; }

    /// <summary>Gets or sets the clock for the contract's freshness check; default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider? TimeProvider { get; set; }
}

/// <summary>What a historical retrieval returned and how much it read.</summary>
public sealed class HistoricalFeatures
{
    internal HistoricalFeatures(RecordBatch batch, RetrievalCounters counters)
    {
        Batch = batch;
        RowGroupsRead = counters.RowGroupsRead;
        RowGroupsSkipped = counters.RowGroupsSkipped;
        FeatureRowsRead = counters.RowsRead;
        DecodeBufferBytes = counters.DecodeBufferBytes;
        JoinStateBytes = counters.JoinStateBytes;
    }

    /// <summary>Gets the training set: the entity columns as given, in input order, then one column per feature.</summary>
    public RecordBatch Batch { get; }

    /// <summary>Gets the number of Parquet row groups read.</summary>
    public long RowGroupsRead { get; }

    /// <summary>Gets the number of row groups skipped by their timestamp statistics.</summary>
    public long RowGroupsSkipped { get; }

    /// <summary>Gets the number of feature rows read from Parquet.</summary>
    public long FeatureRowsRead { get; }

    /// <summary>
    /// Gets the bytes of decoded row-group buffers the join held, summed over views: at most
    /// <see cref="ParquetOfflineStoreOptions.MaxParallelRowGroups"/> row groups per view, whatever the source's size.
    /// </summary>
    public long DecodeBufferBytes { get; }

    /// <summary>Gets the bytes of the join's own state, summed over views: the entity index and one slot per entity row and feature.</summary>
    public long JoinStateBytes { get; }
}

/// <summary>
/// The offline store over Parquet sources: point-in-time-correct training sets with Feast's rule. For each entity
/// row and each view, the newest feature row with the same key and <c>ts - ttl &lt;= event_ts &lt;= ts</c> (both
/// bounds inclusive; no lower bound when the TTL is zero); equal event times go to the newest created timestamp;
/// no match gives nulls and the row is kept. Duplicate entity rows are all kept, in input order. All times are UTC.
/// Thread-safe; views are joined in parallel.
/// </summary>
public sealed class ParquetOfflineStore
{
    private readonly FeatureCatalogue _catalogue;
    private readonly ParquetOfflineStoreOptions _options;

    /// <summary>Creates the store.</summary>
    /// <param name="catalogue">The definitions.</param>
    /// <param name="options">Options; defaults when <see langword="null"/>.</param>
    public ParquetOfflineStore(FeatureCatalogue catalogue, ParquetOfflineStoreOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(catalogue);
        _catalogue = catalogue;
        _options = options ?? new ParquetOfflineStoreOptions();
    }

    /// <summary>Builds a training set for the features of a service.</summary>
    /// <param name="entityRows">Entity rows: every needed join key and the timestamp column.</param>
    /// <param name="service">The feature service.</param>
    /// <param name="fullFeatureNames">Name columns <c>view__feature</c>; default bare names.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The training set.</returns>
    public Task<HistoricalFeatures> GetHistoricalFeaturesAsync(RecordBatch entityRows, FeatureService service, bool fullFeatureNames = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(service);
        return GetHistoricalFeaturesAsync(entityRows, service.Features, fullFeatureNames, cancellationToken);
    }

    /// <summary>Builds a point-in-time-correct training set.</summary>
    /// <param name="entityRows">Entity rows: every needed join key and the timestamp column
    /// (<see cref="ParquetOfflineStoreOptions.EntityTimestampColumn"/>, an Arrow timestamp); any order, duplicates kept.</param>
    /// <param name="features">Feature references <c>view:feature</c>, stored or on-demand.</param>
    /// <param name="fullFeatureNames">Name columns <c>view__feature</c>; default bare names.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The entity columns followed by the features, one output row per entity row.</returns>
    /// <exception cref="FeatureNameCollisionException">Two features give the same column and <paramref name="fullFeatureNames"/> is false.</exception>
    /// <exception cref="FeatureDefinitionException">A reference is unknown.</exception>
    /// <exception cref="FeatureStoreException">An entity column is missing, or a file does not match its view.</exception>
    public Task<HistoricalFeatures> GetHistoricalFeaturesAsync(RecordBatch entityRows, IReadOnlyList<string> features, bool fullFeatureNames = false, CancellationToken cancellationToken = default) =>
        GetHistoricalFeaturesAsync(entityRows, features, new HistoricalRetrievalOptions { FullFeatureNames = fullFeatureNames }, cancellationToken);

    /// <summary>Builds a point-in-time-correct training set with per-call options.</summary>
    /// <param name="entityRows">Entity rows: every needed join key and the timestamp column
    /// (<see cref="ParquetOfflineStoreOptions.EntityTimestampColumn"/>, an Arrow timestamp); any order, duplicates kept.</param>
    /// <param name="features">Feature references <c>view:feature</c>, stored or on-demand.</param>
    /// <param name="options">Column naming and <c>filter_by_created_timestamp</c>.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The entity columns followed by the features, one output row per entity row.</returns>
    /// <exception cref="FeatureNameCollisionException">Two features give the same column and full names are off.</exception>
    /// <exception cref="FeatureDefinitionException">A reference is unknown.</exception>
    /// <exception cref="FeatureStoreException">An entity column is missing, or a file does not match its view.</exception>
    public async Task<HistoricalFeatures> GetHistoricalFeaturesAsync(RecordBatch entityRows, IReadOnlyList<string> features, HistoricalRetrievalOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var fullFeatureNames = options.FullFeatureNames;
        ArgumentNullException.ThrowIfNull(entityRows);
        ArgumentNullException.ThrowIfNull(features);

        // Resolve the requested references; on-demand views pull their inputs in as hidden columns.
        var requested = new List<(FeatureReference Ref, FeatureField Field)>();
        var columns = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < entityRows.ColumnCount; i++)
        {
            columns.Add(entityRows.Schema.GetFieldByIndex(i).Name);
        }

        foreach (var f in features)
        {
            var resolved = _catalogue.Resolve(f);
            if (!columns.Add(resolved.Reference.ColumnName(fullFeatureNames)))
            {
                throw new FeatureNameCollisionException(resolved.Reference.ColumnName(fullFeatureNames));
            }

            requested.Add(resolved);
        }

        var perView = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (r, _) in requested)
        {
            if (_catalogue.FindOnDemand(r.View) is { } odfv)
            {
                foreach (var input in odfv.Inputs)
                {
                    var ir = FeatureReference.Parse(input);
                    AddFeature(perView, ir.View, ir.Feature);
                }
            }
            else
            {
                AddFeature(perView, r.View, r.Feature);
            }
        }

        var tsColumn = ArrowValues.Find(entityRows, _options.EntityTimestampColumn) as TimestampArray
            ?? throw new FeatureStoreException($"The entity rows have no timestamp column '{_options.EntityTimestampColumn}'; add an Arrow timestamp column with that name.");
        var n = entityRows.Length;
        var entityTs = new long[n];
        var hasTs = new bool[n];
        var perMicro = ((TimestampType)tsColumn.Data.DataType).Unit switch
        {
            TimeUnit.Second => 1_000_000L,
            TimeUnit.Millisecond => 1000L,
            TimeUnit.Microsecond => 1L,
            _ => -1000L,
        };
        var raw = tsColumn.Values;
        for (var i = 0; i < n; i++)
        {
            if (tsColumn.IsValid(i))
            {
                entityTs[i] = perMicro > 0 ? raw[i] * perMicro : Math.DivRem(raw[i], 1000, out var rem) - (rem < 0 ? 1 : 0);
                hasTs[i] = true;
            }
        }

        var counters = new RetrievalCounters();
        var jobs = perView.Select(kv => JoinViewAsync(_catalogue.GetFeatureView(kv.Key), kv.Value, entityRows, entityTs, hasTs, options.FilterByCreatedTimestamp, counters, cancellationToken)).ToArray();
        var joined = await Task.WhenAll(jobs).ConfigureAwait(false);
        var byRef = new Dictionary<string, (FeatureColumnBuffer Buffer, int[] Rows)>(StringComparer.Ordinal);
        foreach (var j in joined)
        {
            foreach (var (name, buffer) in j.Buffers)
            {
                byRef[j.View + ":" + name] = (buffer, j.Rows);
            }
        }

        var fields = new List<Apache.Arrow.Field>();
        var arrays = new List<IArrowArray>();
        for (var i = 0; i < entityRows.ColumnCount; i++)
        {
            fields.Add(entityRows.Schema.GetFieldByIndex(i));
            arrays.Add(entityRows.Column(i));
        }

        foreach (var (r, field) in requested)
        {
            fields.Add(new Apache.Arrow.Field(r.ColumnName(fullFeatureNames), ArrowValues.ArrowType(field.Type), nullable: true));
            if (_catalogue.FindOnDemand(r.View) is { } odfv)
            {
                arrays.Add(ComputeOnDemand(odfv, field, entityRows, byRef));
            }
            else
            {
                var (buffer, rows) = byRef[r.ToString()];
                arrays.Add(buffer.Gather(rows));
            }
        }

        var schema = new Schema(fields, entityRows.Schema.Metadata);
        var batch = new RecordBatch(schema, arrays, n);
        options.Contract?.Validate(batch, options.TimeProvider).ThrowIfInvalid();
        return new HistoricalFeatures(batch, counters);
    }

    private static void AddFeature(Dictionary<string, List<string>> perView, string view, string feature)
    {
        if (!perView.TryGetValue(view, out var list))
        {
            perView[view] = list = [];
        }

        if (!list.Contains(feature, StringComparer.Ordinal))
        {
            list.Add(feature);
        }
    }

    private static IArrowArray ComputeOnDemand(OnDemandFeatureView odfv, FeatureField output, RecordBatch entityRows, Dictionary<string, (FeatureColumnBuffer Buffer, int[] Rows)> byRef)
    {
        var inputs = odfv.Inputs.Select(i => (Name: FeatureReference.Parse(i).Feature, Source: byRef[i])).ToArray();
        var request = odfv.RequestFields.Select(f => (f.Name, f.Type, Column: ArrowValues.Find(entityRows, f.Name)
            ?? throw new FeatureStoreException($"On-demand view '{odfv.Name}' needs the request column '{f.Name}' in the entity rows."))).ToArray();
        var values = new object?[entityRows.Length];
        var row = new Dictionary<string, object?>(StringComparer.Ordinal);
        for (var i = 0; i < values.Length; i++)
        {
            row.Clear();
            foreach (var (name, (buffer, rows)) in inputs)
            {
                row[name] = buffer.GetBoxed(rows[i]);
            }

            foreach (var (name, type, column) in request)
            {
                row[name] = FeatureValues.Coerce(ArrowValues.Get(column, i), type);
            }

            values[i] = odfv.Transform(row).GetValueOrDefault(output.Name);
        }

        return ArrowValues.Build(output.Type, values);
    }

    private sealed record JoinedView(string View, int[] Rows, List<(string Name, FeatureColumnBuffer Buffer)> Buffers);

    private async Task<JoinedView> JoinViewAsync(FeatureView view, List<string> features, RecordBatch entityRows, long[] entityTs, bool[] hasTs,
        bool filterByCreated, RetrievalCounters sharedCounters, CancellationToken ct)
    {
        var keyColumns = view.JoinKeys.Select(k => ArrowValues.Find(entityRows, k)
            ?? throw new FeatureStoreException($"The entity rows have no column '{k}', the join key of feature view '{view.Name}'.")).ToArray();
        KeyMapper keys = keyColumns.Length == 1 && view.Entities[0].ValueType is FeatureValueType.Int64 or FeatureValueType.Int32
            ? new Int64KeyMapper(keyColumns[0])
            : new CompositeKeyMapper(keyColumns);
        var fields = features.Select(f => view.Find(f)!).ToArray();
        var join = new PointInTimeJoin(view, fields, keys, entityRows.Length, entityTs, hasTs, filterByCreated);
        var counters = new RetrievalCounters();
        if (join.HasEntities)
        {
            await ParquetViewReader.ScanAsync(view, fields, join.Lower, join.Upper, _options.MaxParallelRowGroups, counters, join.Consume, ct).ConfigureAwait(false);
        }

        var rows = join.Resolve();
        Interlocked.Add(ref sharedCounters.RowGroupsRead, counters.RowGroupsRead);
        Interlocked.Add(ref sharedCounters.RowGroupsSkipped, counters.RowGroupsSkipped);
        Interlocked.Add(ref sharedCounters.RowsRead, counters.RowsRead);
        Interlocked.Add(ref sharedCounters.DecodeBufferBytes, counters.DecodeBufferBytes);
        Interlocked.Add(ref sharedCounters.JoinStateBytes, join.Bytes);
        return new JoinedView(view.Name, rows, [.. features.Select((f, i) => (f, new FeatureColumnBuffer(join.Slots, i)))]);
    }

    /// <summary>
    /// The point-in-time join of one view, streaming. Entity rows are sorted by (key, timestamp) once; each entity row
    /// owns a slot. A feature row of key k and time t goes to the first slot of k whose timestamp is at or after t
    /// (at or after max(t, created) with <c>filter_by_created_timestamp</c>), where it replaces the slot's candidate
    /// when it is newer by (event time, created time, position). Since a candidate valid for a slot is valid for every
    /// later slot of the same key, the answer of an entity row is the newest candidate among its key's slots up to its
    /// own, checked against the TTL: a prefix maximum, computed once at the end. Memory is the slots (one per entity
    /// row, as the output) plus the decode buffers; the feature rows are never held.
    /// </summary>
    private sealed class PointInTimeJoin
    {
        private readonly object _gate = new();
        private readonly bool _allFloat32;
        private readonly KeyMapper _keys;
        private readonly int _n;
        private readonly long _ttl;
        private readonly bool _filterByCreated;
        private readonly int[] _groupStart;
        private readonly long[] _sortedTs;
        private readonly int[] _sortedRow;
        private readonly long[] _bestTs;
        private readonly Tie[] _tie;

        public PointInTimeJoin(FeatureView view, FeatureField[] fields, KeyMapper keys, int n, long[] entityTs, bool[] hasTs, bool filterByCreated)
        {
            _keys = keys;
            _n = n;
            _ttl = view.Ttl.Ticks / 10;
            _filterByCreated = filterByCreated && view.Source.CreatedTimestampColumn is not null;

            // Group ids per entity row (-1: null key or null time), then a counting sort by group and a sort by time within.
            var group = new int[n];
            var groups = keys.MapEntities(hasTs, group);
            _groupStart = new int[groups + 1];
            long min = long.MaxValue, max = long.MinValue;
            var valid = 0;
            for (var i = 0; i < n; i++)
            {
                if (group[i] >= 0)
                {
                    _groupStart[group[i] + 1]++;
                    min = Math.Min(min, entityTs[i]);
                    max = Math.Max(max, entityTs[i]);
                    valid++;
                }
            }

            for (var g = 0; g < groups; g++)
            {
                _groupStart[g + 1] += _groupStart[g];
            }

            _sortedTs = new long[valid];
            _sortedRow = new int[valid];
            var next = new int[groups];
            Array.Copy(_groupStart, next, groups);
            for (var i = 0; i < n; i++)
            {
                if (group[i] is var g and >= 0)
                {
                    var p = next[g]++;
                    _sortedTs[p] = entityTs[i];
                    _sortedRow[p] = i;
                }
            }

            for (var g = 0; g < groups; g++)
            {
                var len = _groupStart[g + 1] - _groupStart[g];
                if (len > 32)
                {
                    Array.Sort(_sortedTs, _sortedRow, _groupStart[g], len);
                }
                else if (len > 1)
                {
                    // A key's few rows: insertion sort, stable, without a library call per key.
                    var from = _groupStart[g];
                    for (var a = from + 1; a < from + len; a++)
                    {
                        var t = _sortedTs[a];
                        var row = _sortedRow[a];
                        var b = a - 1;
                        while (b >= from && _sortedTs[b] > t)
                        {
                            _sortedTs[b + 1] = _sortedTs[b];
                            _sortedRow[b + 1] = _sortedRow[b];
                            b--;
                        }

                        _sortedTs[b + 1] = t;
                        _sortedRow[b + 1] = row;
                    }
                }
            }

            // The candidate's event time apart from its tie-breakers: the scan reads it for every feature row, the
            // tie-breakers are touched only on equal times and on replacement, so the hot array stays small.
            _bestTs = new long[valid];
            Array.Fill(_bestTs, long.MinValue);
            _tie = new Tie[valid];
            Slots = new SlotStore([.. fields.Select(static f => f.Type)], valid);
            _allFloat32 = Slots.AllFloat32;
            HasEntities = valid > 0;
            Upper = max;
            Lower = _ttl > 0 && valid > 0 ? min - _ttl : long.MinValue;
        }

        public bool HasEntities { get; }

        /// <summary>Gets the smallest event time that can matter (microseconds).</summary>
        public long Lower { get; }

        /// <summary>Gets the largest event time that can matter (microseconds).</summary>
        public long Upper { get; }

        public SlotStore Slots { get; }

        public long Bytes
        {
            get
            {
                return (_sortedTs.LongLength * (8 + 4 + 8 + 16)) + (_groupStart.LongLength * 4) + _keys.Bytes + Slots.Bytes;
            }
        }

        /// <summary>Joins one decoded row group; called concurrently by the scan's workers.</summary>
        public void Consume(RowGroupData rg)
        {
            var count = rg.Count;
            var slot = System.Buffers.ArrayPool<int>.Shared.Rent(count);
            try
            {
                // Outside the lock: key lookup, time filter and the slot of each feature row.
                _keys.MapFile(rg, slot);
                var ts = (long[])rg.EventTs.Values;
                var tsNulls = rg.EventTs.HasNulls ? rg.EventTs.Nulls : null;
                var created = rg.CreatedTs;
                var createdValues = created?.Values as long[];
                var createdNulls = created is { HasNulls: true } ? created.Nulls : null;
                var filterByCreated = _filterByCreated;
                var lower = Lower;
                var upper = Upper;
                var groupStart = _groupStart;
                var sortedTs = _sortedTs;
                var bestTs = _bestTs;
                var tie = _tie;
                for (var r = 0; r < count; r++)
                {
                    var g = slot[r];
                    if (g < 0)
                    {
                        continue;
                    }

                    var t = ts[r];
                    if (t > upper || t < lower || (tsNulls is not null && tsNulls[r]))
                    {
                        slot[r] = -1;
                        continue;
                    }

                    var effective = t;
                    if (filterByCreated)
                    {
                        // Feast: created <= entity ts as well; rows without a created time are excluded.
                        if (createdValues is null || (createdNulls is not null && createdNulls[r]))
                        {
                            slot[r] = -1;
                            continue;
                        }

                        effective = Math.Max(t, createdValues[r]);
                    }

                    // The first slot of the key whose entity time is >= effective (binary search: measured faster
                    // here than a branch-free count or a branch-free search over the usual ~10 slots per key).
                    var lo = groupStart[g];
                    var end = groupStart[g + 1];
                    var hi = end;
                    while (lo < hi)
                    {
                        var mid = (lo + hi) >>> 1;
                        if (sortedTs[mid] < effective)
                        {
                            lo = mid + 1;
                        }
                        else
                        {
                            hi = mid;
                        }
                    }

                    // A slot's best event time only grows, so a row older than a (possibly stale) best can never win:
                    // drop it here, in parallel, and leave the lock for the likely winners.
                    slot[r] = lo < end && t >= Volatile.Read(ref bestTs[lo]) ? lo : -1;
                }

                float[][]? floats = null;
                if (_allFloat32 && Array.TrueForAll(rg.Features, static f => !f.HasNulls && f.Values is float[]))
                {
                    floats = new float[rg.Features.Length][];
                    for (var f = 0; f < floats.Length; f++)
                    {
                        floats[f] = (float[])rg.Features[f].Values;
                    }
                }

                lock (_gate)
                {
                    for (var r = 0; r < count; r++)
                    {
                        var p = slot[r];
                        if (p < 0)
                        {
                            continue;
                        }

                        var t = ts[r];
                        var c = createdValues is not null && (createdNulls is null || !createdNulls[r]) ? createdValues[r] : long.MinValue;
                        var o = rg.FirstOrdinal + r;
                        var bt = bestTs[p];
                        if (t < bt || (t == bt && (c < tie[p].Created || (c == tie[p].Created && o < tie[p].Ordinal))))
                        {
                            continue;
                        }

                        bestTs[p] = t;
                        tie[p] = new Tie(c, o);
                        if (floats is not null)
                        {
                            Slots.SetFloats(p, floats, r);
                        }
                        else
                        {
                            Slots.Set(p, rg.Features, r);
                        }
                    }

                }
            }
            finally
            {
                System.Buffers.ArrayPool<int>.Shared.Return(slot);
            }
        }

        /// <summary>The prefix maximum per key and the TTL check: the slot answering each entity row, -1 for none.</summary>
        public int[] Resolve()
        {
            var rows = new int[_n];
            Array.Fill(rows, -1);
            for (var g = 0; g + 1 < _groupStart.Length; g++)
            {
                var best = -1;
                for (var p = _groupStart[g]; p < _groupStart[g + 1]; p++)
                {
                    if (_bestTs[p] != long.MinValue && (best < 0 || IsNewer(p, best)))
                    {
                        best = p;
                    }

                    if (best >= 0 && (_ttl <= 0 || _bestTs[best] >= _sortedTs[p] - _ttl))
                    {
                        rows[_sortedRow[p]] = best;
                    }
                }
            }

            return rows;
        }

        private bool IsNewer(int a, int b) =>
            _bestTs[a] > _bestTs[b] || (_bestTs[a] == _bestTs[b] && (_tie[a].Created > _tie[b].Created || (_tie[a].Created == _tie[b].Created && _tie[a].Ordinal > _tie[b].Ordinal)));

        /// <summary>A slot's candidate's tie-breakers: created time (MinValue when none) and source position.</summary>
        private readonly record struct Tie(long Created, long Ordinal);
    }

    /// <summary>Maps entity keys to dense group ids, on the entity side and for decoded feature rows.</summary>
    private abstract class KeyMapper
    {
        public abstract long Bytes { get; }

        /// <summary>Fills <paramref name="group"/> (-1 for rows without a usable key or time) and returns the group count.</summary>
        public abstract int MapEntities(bool[] hasTs, int[] group);

        /// <summary>Fills <paramref name="group"/> with the group of each feature row, -1 when no entity row has its key.</summary>
        public abstract void MapFile(RowGroupData rg, int[] group);
    }

    /// <summary>Single integer keys: an open-addressing hash table from key to group id.</summary>
    private sealed class Int64KeyMapper(IArrowArray column) : KeyMapper
    {
        private long[] _keys = [];
        private int[] _ids = [];
        private int _shift;
        private int[]? _dense;
        private long _denseBase;

        public override long Bytes => (_keys.LongLength * 8) + (_ids.LongLength * 4) + ((_dense?.LongLength ?? 0) * 4);

        public override int MapEntities(bool[] hasTs, int[] group)
        {
            var n = group.Length;
            Resize(1024);
            var count = 0;
            var longs = column as Int64Array;
            var ints = column as Int32Array;
            if (longs is null && ints is null)
            {
                throw new FeatureStoreException($"Join-key column of Arrow type {column.Data.DataType.Name} does not match the entity's integer type.");
            }

            if (TryMapPacked(hasTs, group, longs, ints, out var packed))
            {
                return packed;
            }

            for (var i = 0; i < n; i++)
            {
                if (!hasTs[i] || column.IsNull(i))
                {
                    group[i] = -1;
                    continue;
                }

                var key = longs is not null ? longs.Values[i] : ints!.Values[i];
                var found = Find(key);
                if (found < 0)
                {
                    // Keep the table at most half full, so that it stays small (cache-resident) and probes stay short.
                    if ((count + 1) * 2 > _keys.Length)
                    {
                        Resize(_keys.Length * 2);
                    }

                    Insert(key, count);
                    found = count++;
                }

                group[i] = found;
            }

            // Keys packed in a small range (the usual surrogate ids): a direct table, which stays in cache.
            long min = long.MaxValue, max = long.MinValue;
            for (var h = 0; h < _ids.Length; h++)
            {
                if (_ids[h] != 0)
                {
                    min = Math.Min(min, _keys[h]);
                    max = Math.Max(max, _keys[h]);
                }
            }

            if (count > 0 && (ulong)(max - min) < (ulong)Math.Max(4L * count, 4096))
            {
                _denseBase = min;
                _dense = new int[max - min + 1];
                Array.Fill(_dense, -1);
                for (var h = 0; h < _ids.Length; h++)
                {
                    if (_ids[h] != 0)
                    {
                        _dense[_keys[h] - min] = _ids[h] - 1;
                    }
                }
            }

            return count;
        }

        /// <summary>When the keys span a small range (packed surrogate ids), builds the direct table without hashing.</summary>
        private bool TryMapPacked(bool[] hasTs, int[] group, Int64Array? longs, Int32Array? ints, out int count)
        {
            count = 0;
            var n = group.Length;
            long min = long.MaxValue, max = long.MinValue;
            var any = false;
            for (var i = 0; i < n; i++)
            {
                if (hasTs[i] && !column.IsNull(i))
                {
                    var key = longs is not null ? longs.Values[i] : ints!.Values[i];
                    min = Math.Min(min, key);
                    max = Math.Max(max, key);
                    any = true;
                }
            }

            if (!any || (ulong)(max - min) >= (ulong)Math.Max(4L * n, 4096))
            {
                return false;
            }

            var dense = new int[max - min + 1];
            Array.Fill(dense, -1);
            for (var i = 0; i < n; i++)
            {
                if (!hasTs[i] || column.IsNull(i))
                {
                    group[i] = -1;
                    continue;
                }

                ref var id = ref dense[(longs is not null ? longs.Values[i] : ints!.Values[i]) - min];
                if (id < 0)
                {
                    id = count++;
                }

                group[i] = id;
            }

            // Sparse ranges (more than four slots per key) keep the hash table, which stays smaller.
            if ((ulong)(max - min) >= (ulong)Math.Max(4L * count, 4096))
            {
                count = 0;
                return false;
            }

            _dense = dense;
            _denseBase = min;
            return true;
        }

        private void Resize(int capacity)
        {
            var oldKeys = _keys;
            var oldIds = _ids;
            _keys = new long[capacity];
            _ids = new int[capacity]; // id + 1; 0 = empty
            _shift = 64 - System.Numerics.BitOperations.Log2((uint)capacity);
            for (var h = 0; h < oldIds.Length; h++)
            {
                if (oldIds[h] != 0)
                {
                    Insert(oldKeys[h], oldIds[h] - 1);
                }
            }
        }

        private void Insert(long key, int id)
        {
            var h = Slot(key);
            while (_ids[h] != 0)
            {
                h = (h + 1) & (_keys.Length - 1);
            }

            _keys[h] = key;
            _ids[h] = id + 1;
        }

        public override void MapFile(RowGroupData rg, int[] group)
        {
            var column = rg.Keys[0];
            var count = rg.Count;
            if (_dense is { } dense && column.Values is long[] keys && !column.HasNulls)
            {
                var b = _denseBase;
                for (var r = 0; r < count; r++)
                {
                    var offset = (ulong)(keys[r] - b);
                    group[r] = offset < (ulong)dense.Length ? dense[offset] : -1;
                }

                return;
            }

            switch (column.Values)
            {
                case long[] a:
                    for (var r = 0; r < count; r++)
                    {
                        group[r] = column.IsNull(r) ? -1 : Find(a[r]);
                    }

                    break;
                case int[] a:
                    for (var r = 0; r < count; r++)
                    {
                        group[r] = column.IsNull(r) ? -1 : Find(a[r]);
                    }

                    break;
                default:
                    Array.Fill(group, -1, 0, count);
                    break;
            }
        }

        private int Slot(long key) => (int)(((ulong)key * 0x9E3779B97F4A7C15UL) >> _shift);

        private int Find(long key)
        {
            var h = Slot(key);
            while (true)
            {
                var id = _ids[h];
                if (id == 0)
                {
                    return -1;
                }

                if (_keys[h] == key)
                {
                    return id - 1;
                }

                h = (h + 1) & (_keys.Length - 1);
            }
        }
    }

    /// <summary>Any other keys (strings, several columns): invariant text joined by U+001F.</summary>
    private sealed class CompositeKeyMapper(IArrowArray[] columns) : KeyMapper
    {
        private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);

        public override long Bytes => _ids.Count * 64L;

        public override int MapEntities(bool[] hasTs, int[] group)
        {
            var parts = new string[columns.Length];
            for (var i = 0; i < group.Length; i++)
            {
                group[i] = -1;
                if (!hasTs[i])
                {
                    continue;
                }

                var ok = true;
                for (var c = 0; c < columns.Length && ok; c++)
                {
                    if (ArrowValues.Get(columns[c], i) is { } v)
                    {
                        parts[c] = Convert.ToString(v, CultureInfo.InvariantCulture)!;
                    }
                    else
                    {
                        ok = false;
                    }
                }

                if (ok)
                {
                    var key = parts.Length == 1 ? parts[0] : string.Join('\u001f', parts);
                    if (!_ids.TryGetValue(key, out var id))
                    {
                        _ids[key] = id = _ids.Count;
                    }

                    group[i] = id;
                }
            }

            return _ids.Count;
        }

        public override void MapFile(RowGroupData rg, int[] group)
        {
            var parts = new string[columns.Length];
            for (var r = 0; r < rg.Count; r++)
            {
                group[r] = -1;
                var ok = true;
                for (var c = 0; c < parts.Length && ok; c++)
                {
                    if (rg.Keys[c].GetBoxed(r) is { } v)
                    {
                        parts[c] = Convert.ToString(v, CultureInfo.InvariantCulture)!;
                    }
                    else
                    {
                        ok = false;
                    }
                }

                if (ok && _ids.TryGetValue(parts.Length == 1 ? parts[0] : string.Join('\u001f', parts), out var id))
                {
                    group[r] = id;
                }
            }
        }
    }

    /// <summary>
    /// Reads, for materialization, the latest row per entity key with event time in [<paramref name="start"/>,
    /// <paramref name="end"/>] (both inclusive), ties broken by created time.
    /// </summary>
    internal static async Task<List<LatestRow>> ReadLatestAsync(FeatureView view, DateTimeOffset start, DateTimeOffset end, int parallelism, CancellationToken ct)
    {
        var lo = ParquetViewReader.ToMicros(start);
        var hi = ParquetViewReader.ToMicros(end);
        var latest = new Dictionary<string, LatestRow>(StringComparer.Ordinal);
        var gate = new object();
        var counters = new RetrievalCounters();
        await ParquetViewReader.ScanAsync(view, view.Schema, lo, hi, parallelism, counters, rg =>
        {
            var ts = (long[])rg.EventTs.Values;
            var createdValues = rg.CreatedTs?.Values as long[];
            lock (gate)
            {
                for (var r = 0; r < rg.Count; r++)
                {
                    var t = ts[r];
                    if (rg.EventTs.IsNull(r) || t < lo || t > hi)
                    {
                        continue;
                    }

                    var created = createdValues is not null && !rg.CreatedTs!.IsNull(r) ? createdValues[r] : long.MinValue;
                    var keyValues = new object[rg.Keys.Length];
                    var ok = true;
                    for (var k = 0; k < keyValues.Length && ok; k++)
                    {
                        if (rg.Keys[k].GetBoxed(r) is { } v)
                        {
                            keyValues[k] = FeatureValues.Coerce(v, view.Entities[k].ValueType)!;
                        }
                        else
                        {
                            ok = false;
                        }
                    }

                    if (!ok)
                    {
                        continue;
                    }

                    var id = string.Join('\u001f', keyValues.Select(static v => Convert.ToString(v, CultureInfo.InvariantCulture)));
                    var ordinal = rg.FirstOrdinal + r;
                    if (latest.TryGetValue(id, out var prior)
                        && (prior.EventTs > t || (prior.EventTs == t && (prior.CreatedTs > created || (prior.CreatedTs == created && prior.Ordinal > ordinal)))))
                    {
                        continue;
                    }

                    var values = new object?[rg.Features.Length];
                    for (var f = 0; f < values.Length; f++)
                    {
                        values[f] = rg.Features[f].GetBoxed(r);
                    }

                    latest[id] = new LatestRow(keyValues, values, t, created, ordinal);
                }
            }
        }, ct).ConfigureAwait(false);

        return [.. latest.Values.OrderBy(static r => r.Ordinal)];
    }
}

/// <summary>The latest source row of one entity.</summary>
internal sealed record LatestRow(object[] Key, object?[] Values, long EventTs, long CreatedTs, long Ordinal);
