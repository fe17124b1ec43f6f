using System.Globalization;
using Apache.Arrow;
using Array = System.Array;
using Apache.Arrow.Types;

namespace MLOps.Features.Offline;

/// <summary>Options of <see cref="ParquetOfflineStore"/>.</summary>
public sealed class ParquetOfflineStoreOptions
{
    /// <summary>Gets or sets the entity rows' timestamp column; default <c>event_timestamp</c> (Feast's name).</summary>
    public string EntityTimestampColumn { get; set; } = "event_timestamp";
}

/// <summary>What a historical retrieval returned and how much it read.</summary>
public sealed class HistoricalFeatures
{
    internal HistoricalFeatures(RecordBatch batch, long rowGroupsRead, long rowGroupsSkipped, long featureRowsRead)
    {
        Batch = batch;
        RowGroupsRead = rowGroupsRead;
        RowGroupsSkipped = rowGroupsSkipped;
        FeatureRowsRead = featureRowsRead;
    }

    /// <summary>Gets the training set: the entity columns as given, in input order, then one column per feature.</summary>
    public RecordBatch Batch { get; }

    /// <summary>Gets the number of Parquet row groups read.</summary>
    public long RowGroupsRead { get; }

    /// <summary>Gets the number of row groups skipped by their timestamp statistics.</summary>
    public long RowGroupsSkipped { get; }

    /// <summary>Gets the number of feature rows read from Parquet.</summary>
    public long FeatureRowsRead { get; }
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
    public async Task<HistoricalFeatures> GetHistoricalFeaturesAsync(RecordBatch entityRows, IReadOnlyList<string> features, bool fullFeatureNames = false, CancellationToken cancellationToken = default)
    {
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
        for (var i = 0; i < n; i++)
        {
            if (tsColumn.GetTimestamp(i) is { } t)
            {
                entityTs[i] = ParquetViewReader.ToMicros(t);
                hasTs[i] = true;
            }
        }

        var counters = new RetrievalCounters();
        var jobs = perView.Select(kv => Task.Run(() => JoinViewAsync(_catalogue.GetFeatureView(kv.Key), kv.Value, entityRows, entityTs, hasTs, counters, cancellationToken), cancellationToken)).ToArray();
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
        return new HistoricalFeatures(new RecordBatch(schema, arrays, n), counters.RowGroupsRead, counters.RowGroupsSkipped, counters.RowsRead);
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
                row[name] = ArrowValues.Coerce(ArrowValues.Get(column, i), type);
            }

            values[i] = odfv.Transform(row).GetValueOrDefault(output.Name);
        }

        return ArrowValues.Build(output.Type, values);
    }

    private sealed record JoinedView(string View, int[] Rows, List<(string Name, FeatureColumnBuffer Buffer)> Buffers);

    private static Task<JoinedView> JoinViewAsync(FeatureView view, List<string> features, RecordBatch entityRows, long[] entityTs, bool[] hasTs, RetrievalCounters counters, CancellationToken ct)
    {
        var keyColumns = view.JoinKeys.Select(k => ArrowValues.Find(entityRows, k)
            ?? throw new FeatureStoreException($"The entity rows have no column '{k}', the join key of feature view '{view.Name}'.")).ToArray();
        if (keyColumns.Length == 1 && view.Entities[0].ValueType is FeatureValueType.Int64 or FeatureValueType.Int32)
        {
            return JoinViewAsync(view, features, entityRows.Length, entityTs, hasTs, counters, new Int64Keys(keyColumns[0]), ct);
        }

        return JoinViewAsync(view, features, entityRows.Length, entityTs, hasTs, counters, new CompositeKeys(keyColumns), ct);
    }

    private static async Task<JoinedView> JoinViewAsync<TKey>(FeatureView view, List<string> features, int n, long[] entityTs, bool[] hasTs, RetrievalCounters sharedCounters, IKeys<TKey> keys, CancellationToken ct)
        where TKey : notnull
    {
        // 1. Group the entity rows by key and find the time range that can matter.
        var groups = new Dictionary<TKey, int>();
        var rowGroup = new int[n];
        long min = long.MaxValue, max = long.MinValue;
        for (var i = 0; i < n; i++)
        {
            if (!hasTs[i] || !keys.TryGetEntity(i, out var key))
            {
                rowGroup[i] = -1;
                continue;
            }

            if (!groups.TryGetValue(key, out var g))
            {
                groups[key] = g = groups.Count;
            }

            rowGroup[i] = g;
            min = Math.Min(min, entityTs[i]);
            max = Math.Max(max, entityTs[i]);
        }

        var ttl = view.Ttl.Ticks / 10;
        var lower = ttl > 0 && min != long.MaxValue ? min - ttl : long.MinValue;
        var featureIndex = features.Select(f => view.Schema.Select((s, i) => (s, i)).First(x => x.s.Name == f).i).ToArray();
        var buffers = features.Select(f => (f, FeatureColumnBuffer.Create(view.Find(f)!.Type))).ToList();
        var candidates = new CandidateList();
        var counters = new RetrievalCounters();

        // 2. Stream the row groups that overlap [lower, max]; keep the rows whose key is wanted and whose time fits.
        if (groups.Count > 0)
        {
            var selected = Array.Empty<int>();
            await foreach (var rg in ParquetViewReader.ReadAsync(view, lower, max, counters, ct).ConfigureAwait(false))
            {
                if (selected.Length < rg.Count)
                {
                    selected = new int[rg.Count];
                }

                var count = 0;
                for (var r = 0; r < rg.Count; r++)
                {
                    if (rg.EventTs[r] is not { } ts || ts > max || ts < lower || !keys.TryGetFile(rg.Keys, r, out var key) || !groups.TryGetValue(key, out var g))
                    {
                        continue;
                    }

                    candidates.Add(new Candidate(g, ts, rg.CreatedTs?[r] ?? long.MinValue, candidates.Count));
                    selected[count++] = r;
                }

                for (var f = 0; f < featureIndex.Length; f++)
                {
                    buffers[f].Item2.AppendRows(rg.Features[featureIndex[f]], selected, count);
                }
            }
        }

        lock (sharedCounters)
        {
            sharedCounters.RowGroupsRead += counters.RowGroupsRead;
            sharedCounters.RowGroupsSkipped += counters.RowGroupsSkipped;
            sharedCounters.RowsRead += counters.RowsRead;
        }

        // 3. Bucket by key (counting sort, linear), then sort each key's few rows by (event time, created time);
        //    per key, the last row at or before the entity timestamp is the answer.
        var start = new int[groups.Count + 1];
        for (var c = 0; c < candidates.Count; c++)
        {
            start[candidates.Items[c].Group + 1]++;
        }

        for (var g = 0; g < groups.Count; g++)
        {
            start[g + 1] += start[g];
        }

        var sorted = new Candidate[candidates.Count];
        var next = (int[])start.Clone();
        for (var c = 0; c < candidates.Count; c++)
        {
            sorted[next[candidates.Items[c].Group]++] = candidates.Items[c];
        }

        for (var g = 0; g < groups.Count; g++)
        {
            if (start[g + 1] - start[g] > 1)
            {
                Array.Sort(sorted, start[g], start[g + 1] - start[g]);
            }
        }

        var rows = new int[n];
        for (var i = 0; i < n; i++)
        {
            rows[i] = -1;
            var g = rowGroup[i];
            if (g < 0)
            {
                continue;
            }

            // Binary search for the last candidate with EventTs <= entityTs in [start[g], start[g+1]).
            int lo = start[g], hi = start[g + 1] - 1, found = -1;
            while (lo <= hi)
            {
                var mid = (lo + hi) >>> 1;
                if (sorted[mid].EventTs <= entityTs[i])
                {
                    found = mid;
                    lo = mid + 1;
                }
                else
                {
                    hi = mid - 1;
                }
            }

            if (found >= 0 && (ttl <= 0 || sorted[found].EventTs >= entityTs[i] - ttl))
            {
                rows[i] = sorted[found].Index;
            }
        }

        return new JoinedView(view.Name, rows, buffers);
    }

    private sealed class CandidateList
    {
        public Candidate[] Items = new Candidate[1024];
        public int Count;

        public void Add(Candidate c)
        {
            if (Count == Items.Length)
            {
                Array.Resize(ref Items, Items.Length * 2);
            }

            Items[Count++] = c;
        }
    }

    private readonly record struct Candidate(int Group, long EventTs, long CreatedTs, int Index) : IComparable<Candidate>
    {
        public int CompareTo(Candidate other)
        {
            var c = Group.CompareTo(other.Group);
            if (c != 0)
            {
                return c;
            }

            c = EventTs.CompareTo(other.EventTs);
            return c != 0 ? c : CreatedTs.CompareTo(other.CreatedTs);
        }
    }

    private interface IKeys<TKey>
    {
        bool TryGetEntity(int row, out TKey key);

        bool TryGetFile(Array[] columns, int row, out TKey key);
    }

    private sealed class Int64Keys(IArrowArray column) : IKeys<long>
    {
        public bool TryGetEntity(int row, out long key)
        {
            switch (column)
            {
                case Int64Array a when a.GetValue(row) is { } v:
                    key = v;
                    return true;
                case Int32Array a when a.GetValue(row) is { } v:
                    key = v;
                    return true;
                case Int64Array or Int32Array:
                    key = 0;
                    return false;
                default:
                    throw new FeatureStoreException($"Join-key column of Arrow type {column.Data.DataType.Name} does not match the entity's integer type.");
            }
        }

        public bool TryGetFile(Array[] columns, int row, out long key)
        {
            switch (columns[0])
            {
                case long[] a:
                    key = a[row];
                    return true;
                case int[] a:
                    key = a[row];
                    return true;
                case long?[] a when a[row] is { } v:
                    key = v;
                    return true;
                case int?[] a when a[row] is { } v:
                    key = v;
                    return true;
                default:
                    key = 0;
                    return false;
            }
        }
    }

    private sealed class CompositeKeys(IArrowArray[] columns) : IKeys<string>
    {
        public bool TryGetEntity(int row, out string key)
        {
            var parts = new string[columns.Length];
            for (var c = 0; c < columns.Length; c++)
            {
                if (ArrowValues.Get(columns[c], row) is not { } v)
                {
                    key = string.Empty;
                    return false;
                }

                parts[c] = Convert.ToString(v, CultureInfo.InvariantCulture)!;
            }

            key = string.Join('\u001f', parts);
            return true;
        }

        public bool TryGetFile(Array[] columns, int row, out string key)
        {
            var parts = new string[columns.Length];
            for (var c = 0; c < columns.Length; c++)
            {
                if (columns[c].GetValue(row) is not { } v)
                {
                    key = string.Empty;
                    return false;
                }

                parts[c] = Convert.ToString(v, CultureInfo.InvariantCulture)!;
            }

            key = string.Join('\u001f', parts);
            return true;
        }
    }

    /// <summary>
    /// Reads, for materialization, the latest row per entity key with event time in [<paramref name="start"/>,
    /// <paramref name="end"/>] (both inclusive), ties broken by created time.
    /// </summary>
    internal static async Task<List<LatestRow>> ReadLatestAsync(FeatureView view, DateTimeOffset start, DateTimeOffset end, CancellationToken ct)
    {
        var lo = ParquetViewReader.ToMicros(start);
        var hi = ParquetViewReader.ToMicros(end);
        var latest = new Dictionary<string, LatestRow>(StringComparer.Ordinal);
        var counters = new RetrievalCounters();
        await foreach (var rg in ParquetViewReader.ReadAsync(view, lo, hi, counters, ct).ConfigureAwait(false))
        {
            for (var r = 0; r < rg.Count; r++)
            {
                if (rg.EventTs[r] is not { } ts || ts < lo || ts > hi)
                {
                    continue;
                }

                var created = rg.CreatedTs?[r] ?? long.MinValue;
                var keyValues = new object[rg.Keys.Length];
                var ok = true;
                for (var k = 0; k < keyValues.Length; k++)
                {
                    if (rg.Keys[k].GetValue(r) is { } v)
                    {
                        keyValues[k] = ArrowValues.Coerce(v, view.Entities[k].ValueType)!;
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
                if (latest.TryGetValue(id, out var prior) && (prior.EventTs > ts || (prior.EventTs == ts && prior.CreatedTs >= created)))
                {
                    continue;
                }

                var values = new object?[rg.Features.Length];
                for (var f = 0; f < values.Length; f++)
                {
                    values[f] = rg.Features[f].GetValue(r);
                }

                latest[id] = new LatestRow(keyValues, values, ts, created);
            }
        }

        return [.. latest.Values];
    }
}

/// <summary>The latest source row of one entity.</summary>
internal sealed record LatestRow(object[] Key, object?[] Values, long EventTs, long CreatedTs);
