using System.Collections.Concurrent;
using Microsoft.Win32.SafeHandles;
using Parquet;
using Parquet.Schema;

namespace MLOps.Features.Offline;

/// <summary>
/// One decoded column of a row group: <c>long[]</c> (timestamps in microseconds since the Unix epoch, UTC),
/// <c>int[]</c>, <c>float[]</c>, <c>double[]</c>, <c>bool[]</c> or <c>string?[]</c>, possibly longer than the row
/// count (buffers are reused), plus a null mask that is meaningful only when <see cref="HasNulls"/>.
/// </summary>
internal sealed class ColumnValues
{
    public Array Values { get; set; } = Array.Empty<long>();

    public bool[]? Nulls { get; set; }

    public bool HasNulls { get; set; }

    public bool IsNull(int row) => HasNulls && Nulls![row];

    public long Bytes => (Values.LongLength * ElementSize(Values)) + (Nulls?.LongLength ?? 0);

    public object? GetBoxed(int row) => IsNull(row) ? null : Values.GetValue(row);

    private Action? _return;

    /// <summary>Gets a value array of at least <paramref name="count"/> elements, rented from <see cref="System.Buffers.ArrayPool{T}"/>.</summary>
    public T[] Ensure<T>(int count)
    {
        if (Values is T[] a && a.Length >= count)
        {
            return a;
        }

        Release();
        var rented = System.Buffers.ArrayPool<T>.Shared.Rent(count);
        Values = rented;
        _return = () => System.Buffers.ArrayPool<T>.Shared.Return(rented);
        return rented;
    }

    /// <summary>Gives a rented value array back to its pool; the column is empty afterwards.</summary>
    public void Release()
    {
        _return?.Invoke();
        _return = null;
        Values = Array.Empty<long>();
    }

    public bool[] EnsureNulls(int count)
    {
        if (Nulls is null || Nulls.Length < count)
        {
            Nulls = new bool[count];
        }

        return Nulls;
    }

    private static int ElementSize(Array a) => a switch
    {
        long[] or double[] => 8,
        int[] or float[] => 4,
        bool[] => 1,
        _ => IntPtr.Size,
    };
}

/// <summary>One decoded row group of a feature view's source. Buffers are reused between row groups.</summary>
internal sealed class RowGroupData
{
    public RowGroupData(int keys, int features)
    {
        Keys = new ColumnValues[keys];
        Features = new ColumnValues[features];
        for (var i = 0; i < keys; i++)
        {
            Keys[i] = new ColumnValues();
        }

        for (var i = 0; i < features; i++)
        {
            Features[i] = new ColumnValues();
        }
    }

    public int Count { get; set; }

    /// <summary>Gets or sets the position of row 0 in the source (file index in the top bits), to break exact ties by position.</summary>
    public long FirstOrdinal { get; set; }

    /// <summary>Gets the event time (<c>long[]</c> microseconds).</summary>
    public ColumnValues EventTs { get; } = new();

    /// <summary>Gets the created time (<c>long[]</c> microseconds), or <see langword="null"/> when the source has none.</summary>
    public ColumnValues? CreatedTs { get; set; }

    /// <summary>Gets the join-key columns, in view order.</summary>
    public ColumnValues[] Keys { get; }

    /// <summary>Gets the requested feature columns, in request order.</summary>
    public ColumnValues[] Features { get; }

    public void Release()
    {
        EventTs.Release();
        CreatedTs?.Release();
        foreach (var k in Keys)
        {
            k.Release();
        }

        foreach (var f in Features)
        {
            f.Release();
        }
    }

    public long Bytes
    {
        get
        {
            var b = EventTs.Bytes + (CreatedTs?.Bytes ?? 0);
            foreach (var k in Keys)
            {
                b += k.Bytes;
            }

            foreach (var f in Features)
            {
                b += f.Bytes;
            }

            return b;
        }
    }
}

/// <summary>
/// Streams a view's Parquet source, decoding up to <c>parallelism</c> row groups at once (each worker owns one reusable
/// set of buffers, so decoded data in memory is bounded by <c>parallelism</c> row groups), skipping row groups whose
/// event-time statistics cannot overlap the wanted range. Flat numeric and timestamp columns are decoded by
/// <see cref="ParquetChunkDecoder"/>; other columns by Parquet.Net.
/// </summary>
internal static class ParquetViewReader
{
    internal static readonly long EpochTicks = DateTime.UnixEpoch.Ticks;

    public static long ToMicros(DateTime t) => (t.Ticks - EpochTicks) / 10;

    public static long ToMicros(DateTimeOffset t) => (t.UtcTicks - EpochTicks) / 10;

    public static DateTimeOffset FromMicros(long micros) => new(EpochTicks + (micros * 10), TimeSpan.Zero);

    /// <summary>
    /// Decodes every row group whose event-time statistics overlap [<paramref name="minMicros"/>, <paramref name="maxMicros"/>]
    /// and hands it to <paramref name="consume"/>, which is called concurrently from up to <paramref name="parallelism"/>
    /// workers and must not keep the <see cref="RowGroupData"/> after it returns.
    /// </summary>
    public static async Task ScanAsync(FeatureView view, IReadOnlyList<FeatureField> features, long minMicros, long maxMicros, int parallelism,
        RetrievalCounters counters, Action<RowGroupData> consume, CancellationToken cancellationToken)
    {
        var pool = new ConcurrentBag<RowGroupData>();
        var files = view.Source.ListFiles();
        for (var fileIndex = 0; fileIndex < files.Count; fileIndex++)
        {
            var file = await SourceFile.OpenAsync(view, features, files[fileIndex], cancellationToken).ConfigureAwait(false);
            await using var fileScope = file.ConfigureAwait(false);
            var selected = new List<int>();
            long? scale = null;
            for (var g = 0; g < file.RowGroupCount; g++)
            {
                if (g == 0)
                {
                    // Statistics are trusted only once row group 0 shows how they map to its actual times:
                    // Parquet.Net 6.1.0, for one, writes millisecond min/max for microsecond columns.
                    scale = await file.CalibrateStatisticsAsync(cancellationToken).ConfigureAwait(false);
                    selected.Add(0);
                }
                else if (file.Overlaps(g, scale, minMicros, maxMicros))
                {
                    selected.Add(g);
                }
                else
                {
                    Interlocked.Increment(ref counters.RowGroupsSkipped);
                }
            }

            var next = -1;
            var fileBase = (long)fileIndex << 40;
            var workers = new Task[Math.Max(1, Math.Min(parallelism, selected.Count))];
            for (var w = 0; w < workers.Length; w++)
            {
                workers[w] = Task.Run(async () =>
                {
                    if (!pool.TryTake(out var buffer))
                    {
                        buffer = new RowGroupData(view.JoinKeys.Count, features.Count);
                    }

                    try
                    {
                        int i;
                        while ((i = Interlocked.Increment(ref next)) < selected.Count)
                        {
                            cancellationToken.ThrowIfCancellationRequested();
                            var g = selected[i];
                            await file.DecodeAsync(g, buffer, cancellationToken).ConfigureAwait(false);
                            buffer.FirstOrdinal = fileBase + file.FirstRow(g);
                            Interlocked.Increment(ref counters.RowGroupsRead);
                            Interlocked.Add(ref counters.RowsRead, buffer.Count);
                            consume(buffer);
                        }
                    }
                    finally
                    {
                        pool.Add(buffer);
                    }
                }, cancellationToken);
            }

            await Task.WhenAll(workers).ConfigureAwait(false);
        }

        // What the workers held: one reusable buffer set each, given back to the array pools now.
        var bytes = 0L;
        foreach (var b in pool)
        {
            bytes += b.Bytes;
            b.Release();
        }

        Interlocked.Add(ref counters.DecodeBufferBytes, bytes);
    }

    /// <summary>One open source file: Parquet.Net for metadata and the columns the fast decoder does not take.</summary>
    private sealed class SourceFile : IAsyncDisposable
    {
        private readonly ParquetReader _reader;
        private readonly SafeFileHandle _handle;
        private readonly SemaphoreSlim _fallbackGate = new(1, 1);
        private readonly string _path;
        private readonly ColumnPlan _ts;
        private readonly ColumnPlan? _created;
        private readonly ColumnPlan[] _keys;
        private readonly ColumnPlan[] _features;
        private readonly long[] _firstRow;

        private SourceFile(ParquetReader reader, SafeFileHandle handle, string path, ColumnPlan ts, ColumnPlan? created, ColumnPlan[] keys, ColumnPlan[] features)
        {
            _reader = reader;
            _handle = handle;
            _path = path;
            _ts = ts;
            _created = created;
            _keys = keys;
            _features = features;
            var groups = reader.Metadata!.RowGroups;
            _firstRow = new long[groups.Count];
            for (var g = 1; g < groups.Count; g++)
            {
                _firstRow[g] = _firstRow[g - 1] + groups[g - 1].NumRows;
            }
        }

        public int RowGroupCount => _reader.RowGroupCount;

        public long FirstRow(int g) => _firstRow[g];

        public static async Task<SourceFile> OpenAsync(FeatureView view, IReadOnlyList<FeatureField> features, string path, CancellationToken ct)
        {
            var reader = await ParquetReader.CreateAsync(path, null, ct).ConfigureAwait(false);
            try
            {
                var fields = reader.Schema.GetDataFields();
                var meta = reader.Metadata!;
                ColumnPlan Plan(string column, Type? expected)
                {
                    var field = Find(fields, column, path);
                    if (expected is not null && field.ClrType != expected && !(expected == typeof(string) && field.ClrType == typeof(ReadOnlyMemory<char>)))
                    {
                        throw new FeatureStoreException(
                            $"Column '{field.Name}' of '{path}' holds {field.ClrType.Name}, but feature view '{view.Name}' declares {expected.Name}; fix the schema or the file.");
                    }

                    return new ColumnPlan(field, ParquetChunkDecoder.TryPlan(meta, field.Name, field.ClrType));
                }

                var ts = Plan(view.Source.TimestampField, null);
                var created = view.Source.CreatedTimestampColumn is { } c ? Plan(c, null) : null;
                var keys = view.JoinKeys.Select(k => Plan(k, null)).ToArray();
                var feats = features.Select(f => Plan(view.Source.SourceColumn(f.Name), ClrType(f.Type))).ToArray();
                var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
                return new SourceFile(reader, handle, path, ts, created, keys, feats);
            }
            catch
            {
                await reader.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }

        /// <summary>
        /// Finds how raw statistics map to microseconds (1 = micros, 1000 = millis, -1000 = nanos, 0 = decoded DateTime)
        /// by comparing them with the actual min and max of row group 0; <see langword="null"/> disables pruning.
        /// </summary>
        public async Task<long?> CalibrateStatisticsAsync(CancellationToken ct)
        {
            if (_reader.RowGroupCount == 0)
            {
                return null;
            }

            Parquet.Data.DataColumnStatistics? stats;
            using (var probe = _reader.OpenRowGroupReader(0))
            {
                stats = probe.GetStatistics(_ts.Field);
            }

            if (stats?.MinValue is null || stats.MaxValue is null)
            {
                return null;
            }

            var column = new ColumnValues();
            var rows = checked((int)_reader.Metadata!.RowGroups[0].NumRows);
            long min = long.MaxValue, max = long.MinValue;
            try
            {
                await DecodeColumnAsync(0, rows, _ts, column, timestamp: true, ct).ConfigureAwait(false);
                var values = (long[])column.Values;
                for (var i = 0; i < rows; i++)
                {
                    if (!column.IsNull(i))
                    {
                        min = Math.Min(min, values[i]);
                        max = Math.Max(max, values[i]);
                    }
                }
            }
            finally
            {
                column.Release();
            }

            if (min > max)
            {
                return null;
            }

            foreach (var scale in new long[] { 0, 1, 1000, -1000 })
            {
                if (ToMicros(stats.MinValue, scale) == min && ToMicros(stats.MaxValue, scale) == max)
                {
                    return scale;
                }
            }

            return null;
        }

        public bool Overlaps(int g, long? scale, long minMicros, long maxMicros)
        {
            Parquet.Data.DataColumnStatistics? stats;
            using (var probe = _reader.OpenRowGroupReader(g))
            {
                stats = probe.GetStatistics(_ts.Field);
            }

            if (scale is not { } s || stats?.MinValue is null || stats.MaxValue is null)
            {
                return true;
            }

            var min = ToMicros(stats.MinValue, s);
            var max = ToMicros(stats.MaxValue, s);
            return min is null || max is null || (max.Value >= minMicros && min.Value <= maxMicros);
        }

        public async Task DecodeAsync(int g, RowGroupData target, CancellationToken ct)
        {
            var rows = checked((int)_reader.Metadata!.RowGroups[g].NumRows);
            target.Count = rows;
            await DecodeColumnAsync(g, rows, _ts, target.EventTs, timestamp: true, ct).ConfigureAwait(false);
            if (_created is not null)
            {
                target.CreatedTs ??= new ColumnValues();
                await DecodeColumnAsync(g, rows, _created, target.CreatedTs, timestamp: true, ct).ConfigureAwait(false);
            }
            else
            {
                target.CreatedTs = null;
            }

            for (var k = 0; k < _keys.Length; k++)
            {
                await DecodeColumnAsync(g, rows, _keys[k], target.Keys[k], timestamp: false, ct).ConfigureAwait(false);
            }

            for (var f = 0; f < _features.Length; f++)
            {
                await DecodeColumnAsync(g, rows, _features[f], target.Features[f], timestamp: false, ct).ConfigureAwait(false);
            }
        }

        private async ValueTask DecodeColumnAsync(int g, int rows, ColumnPlan plan, ColumnValues target, bool timestamp, CancellationToken ct)
        {
            var rowGroup = _reader.Metadata!.RowGroups[g];
            if (plan.Fast is { } fast && ParquetChunkDecoder.Supports(rowGroup.Columns[fast.ChunkIndex].MetaData)
                && (!timestamp || fast.Kind == FastKind.Timestamp))
            {
                Array values = fast.Kind switch
                {
                    FastKind.Int32 => target.Ensure<int>(rows),
                    FastKind.Float => target.Ensure<float>(rows),
                    FastKind.Double => target.Ensure<double>(rows),
                    _ => target.Ensure<long>(rows),
                };
                var nulls = fast.Optional ? target.EnsureNulls(rows) : null;
                try
                {
                    target.HasNulls = ParquetChunkDecoder.Decode(_handle, rowGroup, fast, rows, values, nulls);
                    return;
                }
                catch (NotSupportedException)
                {
                    // A page in an encoding the fast path does not read: let Parquet.Net decode the chunk.
                }
            }

            await _fallbackGate.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                using var rg = _reader.OpenRowGroupReader(g);
                if (timestamp)
                {
                    await ReadTimestampsAsync(rg, plan.Field, rows, target, ct).ConfigureAwait(false);
                }
                else
                {
                    await ReadAnyAsync(rg, plan.Field, rows, target, ct).ConfigureAwait(false);
                }
            }
            finally
            {
                _fallbackGate.Release();
            }
        }

        public async ValueTask DisposeAsync()
        {
            _handle.Dispose();
            await _reader.DisposeAsync().ConfigureAwait(false);
            _fallbackGate.Dispose();
        }

        private sealed record ColumnPlan(DataField Field, FastColumn? Fast);

        private static DataField Find(DataField[] fields, string name, string file)
        {
            foreach (var f in fields)
            {
                if (string.Equals(f.Name, name, StringComparison.Ordinal))
                {
                    return f;
                }
            }

            throw new FeatureStoreException($"Parquet file '{file}' has no column '{name}'; check the feature view's schema, field mapping and source.");
        }

        public override string ToString() => _path;
    }

    private static long? ToMicros(object value, long scale) => (value, scale) switch
    {
        (DateTime d, 0) => ToMicros(d),
        (DateTimeOffset o, 0) => ToMicros(o),
        (long raw, 1) => raw,
        (long raw, 1000) => raw * 1000,
        (long raw, -1000) => raw / 1000,
        _ => null,
    };

    internal static Type ClrType(FeatureValueType type) => type switch
    {
        FeatureValueType.Int32 => typeof(int),
        FeatureValueType.Int64 => typeof(long),
        FeatureValueType.Float32 => typeof(float),
        FeatureValueType.Float64 => typeof(double),
        FeatureValueType.Bool => typeof(bool),
        _ => typeof(string),
    };

    private static async Task ReadTimestampsAsync(ParquetRowGroupReader rg, DataField field, int n, ColumnValues target, CancellationToken ct)
    {
        var micros = target.Ensure<long>(n);
        var nulls = target.EnsureNulls(n);
        var any = false;
        if (field.ClrType == typeof(DateTime))
        {
            var d = new DateTime?[n];
            await rg.ReadAsync<DateTime>(field, d.AsMemory(), null, ct).ConfigureAwait(false);
            for (var i = 0; i < n; i++)
            {
                nulls[i] = d[i] is null;
                any |= nulls[i];
                micros[i] = d[i] is { } t ? ToMicros(t) : 0;
            }
        }
        else if (field.ClrType == typeof(DateTimeOffset))
        {
            var d = new DateTimeOffset?[n];
            await rg.ReadAsync<DateTimeOffset>(field, d.AsMemory(), null, ct).ConfigureAwait(false);
            for (var i = 0; i < n; i++)
            {
                nulls[i] = d[i] is null;
                any |= nulls[i];
                micros[i] = d[i] is { } t ? ToMicros(t) : 0;
            }
        }
        else
        {
            throw new FeatureStoreException($"Timestamp column '{field.Name}' holds {field.ClrType.Name}; write it as a Parquet TIMESTAMP.");
        }

        target.HasNulls = any;
    }

    private static async Task ReadAnyAsync(ParquetRowGroupReader rg, DataField field, int n, ColumnValues target, CancellationToken ct)
    {
        var t = field.ClrType;
        if (t == typeof(long))
        {
            await ReadValuesAsync<long>(rg, field, n, target, ct).ConfigureAwait(false);
        }
        else if (t == typeof(int))
        {
            await ReadValuesAsync<int>(rg, field, n, target, ct).ConfigureAwait(false);
        }
        else if (t == typeof(float))
        {
            await ReadValuesAsync<float>(rg, field, n, target, ct).ConfigureAwait(false);
        }
        else if (t == typeof(double))
        {
            await ReadValuesAsync<double>(rg, field, n, target, ct).ConfigureAwait(false);
        }
        else if (t == typeof(bool))
        {
            await ReadValuesAsync<bool>(rg, field, n, target, ct).ConfigureAwait(false);
        }
        else if (t == typeof(string) || t == typeof(ReadOnlyMemory<char>))
        {
            var s = new string?[n];
            await rg.ReadAsync(field, s.AsMemory()!, null, ct).ConfigureAwait(false);
            var nulls = target.EnsureNulls(n);
            var any = false;
            for (var i = 0; i < n; i++)
            {
                nulls[i] = s[i] is null;
                any |= nulls[i];
            }

            target.Release();
            target.Values = s;
            target.HasNulls = any;
        }
        else
        {
            throw new FeatureStoreException($"Column '{field.Name}' holds {t.Name}, which the feature store does not read; use int, long, float, double, bool or string.");
        }
    }

    private static async Task ReadValuesAsync<T>(ParquetRowGroupReader rg, DataField field, int n, ColumnValues target, CancellationToken ct)
        where T : struct
    {
        var values = target.Ensure<T>(n);
        if (!field.IsNullable)
        {
            await rg.ReadAsync<T>(field, values.AsMemory(0, n), null, ct).ConfigureAwait(false);
            target.HasNulls = false;
            return;
        }

        var nullable = new T?[n];
        await rg.ReadAsync<T>(field, nullable.AsMemory(), null, ct).ConfigureAwait(false);
        var nulls = target.EnsureNulls(n);
        var any = false;
        for (var i = 0; i < n; i++)
        {
            nulls[i] = nullable[i] is null;
            any |= nulls[i];
            values[i] = nullable[i].GetValueOrDefault();
        }

        target.HasNulls = any;
    }
}

/// <summary>Counters filled while reading; updated from several workers with <see cref="Interlocked"/>.</summary>
internal sealed class RetrievalCounters
{
    public long RowGroupsRead;
    public long RowGroupsSkipped;
    public long RowsRead;

    /// <summary>Bytes of the decode buffers (one set per worker) at the end of the scan.</summary>
    public long DecodeBufferBytes;

    /// <summary>Bytes held by the join's own state (entity index, slots), summed over views.</summary>
    public long JoinStateBytes;
}
