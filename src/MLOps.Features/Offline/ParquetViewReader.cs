using Parquet;
using Parquet.Schema;

namespace MLOps.Features.Offline;

/// <summary>One row group of a feature view's source, read into canonical nullable arrays.</summary>
internal sealed class RowGroupData
{
    public required int Count { get; init; }

    /// <summary>Event time in microseconds since the Unix epoch (UTC); null where the file has none.</summary>
    public required long?[] EventTs { get; init; }

    /// <summary>Created time in microseconds, or <see langword="null"/> when the source has no created column.</summary>
    public required long?[]? CreatedTs { get; init; }

    /// <summary>Join-key columns in view order: <c>long[]</c>/<c>long?[]</c>, <c>int[]</c>/<c>int?[]</c> or <c>string?[]</c>.</summary>
    public required Array[] Keys { get; init; }

    /// <summary>Feature columns in schema order: <c>T[]</c> (required column), <c>T?[]</c> or <c>string?[]</c>.</summary>
    public required Array[] Features { get; init; }
}

/// <summary>Streams a view's Parquet source one row group at a time, skipping row groups by timestamp statistics.</summary>
internal static class ParquetViewReader
{
    internal static readonly long EpochTicks = DateTime.UnixEpoch.Ticks;

    public static long ToMicros(DateTime t) => (t.Ticks - EpochTicks) / 10;

    public static long ToMicros(DateTimeOffset t) => (t.UtcTicks - EpochTicks) / 10;

    public static DateTimeOffset FromMicros(long micros) => new(EpochTicks + (micros * 10), TimeSpan.Zero);

    /// <summary>Reads the row groups whose event-time statistics overlap [<paramref name="minMicros"/>, <paramref name="maxMicros"/>].</summary>
    public static async IAsyncEnumerable<RowGroupData> ReadAsync(
        FeatureView view, long minMicros, long maxMicros, RetrievalCounters counters,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var file in view.Source.ListFiles())
        {
            var reader = await ParquetReader.CreateAsync(file, null, cancellationToken).ConfigureAwait(false);
            await using var readerScope = reader.ConfigureAwait(false);
            var fields = reader.Schema.GetDataFields();
            var tsField = Find(fields, view.Source.TimestampField, file);
            var createdField = view.Source.CreatedTimestampColumn is { } c ? Find(fields, c, file) : null;
            var keyFields = view.JoinKeys.Select(k => Find(fields, k, file)).ToArray();
            var featureFields = view.Schema.Select(f => Find(fields, f.Name, file)).ToArray();
            for (var i = 0; i < view.Schema.Count; i++)
            {
                CheckType(view, view.Schema[i], featureFields[i], file);
            }

            // Statistics are trusted only once the first row group shows how they map to its actual times:
            // Parquet.Net 6.1.0, for one, writes millisecond min/max for microsecond columns.
            // Decoding is pipelined: while the caller joins row group g, a second reader (own stream) decodes the next one.
            // The first reader only probes statistics; two more (own streams) take turns decoding.
            var second = await ParquetReader.CreateAsync(file, null, cancellationToken).ConfigureAwait(false);
            await using var secondScope = second.ConfigureAwait(false);
            var third = await ParquetReader.CreateAsync(file, null, cancellationToken).ConfigureAwait(false);
            await using var thirdScope = third.ConfigureAwait(false);
            ParquetReader[] readers = [second, third];
            long? scale = null;
            Task<RowGroupData>? pending = null;
            var use = 0;
            try
            {
                for (var g = 0; g < reader.RowGroupCount || pending is not null; g++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var next = -1;
                    for (; g < reader.RowGroupCount; g++)
                    {
                        Parquet.Data.DataColumnStatistics? stats;
                        using (var probe = reader.OpenRowGroupReader(g))
                        {
                            stats = probe.GetStatistics(tsField);
                        }

                        if (g == 0 || Overlaps(stats, scale, minMicros, maxMicros))
                        {
                            next = g;
                            break;
                        }

                        counters.RowGroupsSkipped++;
                    }

                    Task<RowGroupData>? launched = null;
                    if (next >= 0)
                    {
                        counters.RowGroupsRead++;
                        var target = readers[use];
                        use ^= 1;
                        var index = next;
                        launched = Task.Run(() => DecodeAsync(target, index, tsField, createdField, keyFields, featureFields, cancellationToken), cancellationToken);
                        if (index == 0)
                        {
                            // Row group 0 calibrates the statistics before any later group is judged by them.
                            var first = await launched.ConfigureAwait(false);
                            using (var probe = reader.OpenRowGroupReader(0))
                            {
                                scale = Calibrate(probe.GetStatistics(tsField), first.EventTs);
                            }

                            launched = Task.FromResult(first);
                        }
                    }

                    if (pending is not null)
                    {
                        var done = await pending.ConfigureAwait(false);
                        counters.RowsRead += done.Count;
                        pending = launched;
                        yield return done;
                    }
                    else
                    {
                        pending = launched;
                    }
                }
            }
            finally
            {
                // An abandoned enumeration must not dispose a reader under a running decode.
                if (pending is not null)
                {
                    await ((Task)pending).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                }
            }
        }
    }

    private static async Task<RowGroupData> DecodeAsync(ParquetReader reader, int g, DataField tsField, DataField? createdField, DataField[] keyFields, DataField[] featureFields, CancellationToken cancellationToken)
    {
        using var rg = reader.OpenRowGroupReader(g);
        var n = checked((int)rg.RowCount);
        var keys = new Array[keyFields.Length];
        for (var k = 0; k < keys.Length; k++)
        {
            keys[k] = await ReadAnyAsync(rg, keyFields[k], n, cancellationToken).ConfigureAwait(false);
        }

        var features = new Array[featureFields.Length];
        for (var k = 0; k < features.Length; k++)
        {
            features[k] = await ReadAnyAsync(rg, featureFields[k], n, cancellationToken).ConfigureAwait(false);
        }

        return new RowGroupData
        {
            Count = n,
            EventTs = await ReadTimestampsAsync(rg, tsField, n, cancellationToken).ConfigureAwait(false),
            CreatedTs = createdField is null ? null : await ReadTimestampsAsync(rg, createdField, n, cancellationToken).ConfigureAwait(false),
            Keys = keys,
            Features = features,
        };
    }

    /// <summary>
    /// Finds how raw statistics map to microseconds (1 = micros, 1000 = millis, -1000 = nanos, 0 = decoded DateTime) by
    /// comparing them with the actual min and max of the first row group; <see langword="null"/> disables pruning.
    /// </summary>
    private static long? Calibrate(Parquet.Data.DataColumnStatistics? stats, long?[] eventTs)
    {
        long min = long.MaxValue, max = long.MinValue;
        foreach (var t in eventTs)
        {
            if (t is { } v)
            {
                min = Math.Min(min, v);
                max = Math.Max(max, v);
            }
        }

        if (stats?.MinValue is null || stats.MaxValue is null || min > max)
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

    private static long? ToMicros(object value, long scale) => (value, scale) switch
    {
        (DateTime d, 0) => ToMicros(d),
        (DateTimeOffset o, 0) => ToMicros(o),
        (long raw, 1) => raw,
        (long raw, 1000) => raw * 1000,
        (long raw, -1000) => raw / 1000,
        _ => null,
    };

    private static bool Overlaps(Parquet.Data.DataColumnStatistics? stats, long? scale, long minMicros, long maxMicros)
    {
        if (scale is not { } s || stats?.MinValue is null || stats.MaxValue is null)
        {
            return true;
        }

        var min = ToMicros(stats.MinValue, s);
        var max = ToMicros(stats.MaxValue, s);
        return min is null || max is null || (max.Value >= minMicros && min.Value <= maxMicros);
    }

    private static DataField Find(DataField[] fields, string name, string file)
    {
        foreach (var f in fields)
        {
            if (string.Equals(f.Name, name, StringComparison.Ordinal))
            {
                return f;
            }
        }

        throw new FeatureStoreException($"Parquet file '{file}' has no column '{name}'; check the feature view's schema and source.");
    }

    private static void CheckType(FeatureView view, FeatureField feature, DataField field, string file)
    {
        var expected = ClrType(feature.Type);
        if (field.ClrType != expected && !(expected == typeof(string) && field.ClrType == typeof(ReadOnlyMemory<char>)))
        {
            throw new FeatureStoreException(
                $"Column '{field.Name}' of '{file}' holds {field.ClrType.Name}, but feature view '{view.Name}' declares {feature.Type} ({expected.Name}); fix the schema or the file.");
        }
    }

    internal static Type ClrType(FeatureValueType type) => type switch
    {
        FeatureValueType.Int32 => typeof(int),
        FeatureValueType.Int64 => typeof(long),
        FeatureValueType.Float32 => typeof(float),
        FeatureValueType.Float64 => typeof(double),
        FeatureValueType.Bool => typeof(bool),
        _ => typeof(string),
    };

    private static async Task<long?[]> ReadTimestampsAsync(ParquetRowGroupReader rg, DataField field, int n, CancellationToken ct)
    {
        if (field.ClrType == typeof(DateTime) && !field.IsNullable)
        {
            var plain = await ReadPlainAsync<DateTime>(rg, field, n, ct).ConfigureAwait(false);
            var micros = new long?[n];
            for (var i = 0; i < n; i++)
            {
                micros[i] = (plain[i].Ticks - EpochTicks) / 10;
            }

            return micros;
        }

        if (field.ClrType == typeof(DateTime))
        {
            var d = await ReadStructAsync<DateTime>(rg, field, n, ct).ConfigureAwait(false);
            var r = new long?[n];
            for (var i = 0; i < n; i++)
            {
                r[i] = d[i] is { } t ? ToMicros(t) : null;
            }

            return r;
        }

        if (field.ClrType == typeof(DateTimeOffset))
        {
            var d = await ReadStructAsync<DateTimeOffset>(rg, field, n, ct).ConfigureAwait(false);
            var r = new long?[n];
            for (var i = 0; i < n; i++)
            {
                r[i] = d[i] is { } t ? ToMicros(t) : null;
            }

            return r;
        }

        throw new FeatureStoreException($"Timestamp column '{field.Name}' holds {field.ClrType.Name}; write it as a Parquet TIMESTAMP.");
    }

    private static async Task<Array> ReadAnyAsync(ParquetRowGroupReader rg, DataField field, int n, CancellationToken ct)
    {
        var t = field.ClrType;
        if (t == typeof(long))
        {
            return await ReadValuesAsync<long>(rg, field, n, ct).ConfigureAwait(false);
        }

        if (t == typeof(int))
        {
            return await ReadValuesAsync<int>(rg, field, n, ct).ConfigureAwait(false);
        }

        if (t == typeof(float))
        {
            return await ReadValuesAsync<float>(rg, field, n, ct).ConfigureAwait(false);
        }

        if (t == typeof(double))
        {
            return await ReadValuesAsync<double>(rg, field, n, ct).ConfigureAwait(false);
        }

        if (t == typeof(bool))
        {
            return await ReadValuesAsync<bool>(rg, field, n, ct).ConfigureAwait(false);
        }

        if (t == typeof(string) || t == typeof(ReadOnlyMemory<char>))
        {
            var s = new string?[n];
            await rg.ReadAsync(field, s.AsMemory()!, null, ct).ConfigureAwait(false);
            return s;
        }

        throw new FeatureStoreException($"Column '{field.Name}' holds {t.Name}, which the feature store does not read; use int, long, float, double, bool or string.");
    }

    private static async Task<T?[]> ReadStructAsync<T>(ParquetRowGroupReader rg, DataField field, int n, CancellationToken ct)
        where T : struct
    {
        var result = new T?[n];
        if (field.IsNullable)
        {
            await rg.ReadAsync<T>(field, result.AsMemory(), null, ct).ConfigureAwait(false);
            return result;
        }

        var plain = await ReadPlainAsync<T>(rg, field, n, ct).ConfigureAwait(false);
        for (var i = 0; i < n; i++)
        {
            result[i] = plain[i];
        }

        return result;
    }

    /// <summary>Reads a column as <c>T?[]</c> when it is nullable, else as a plain <c>T[]</c> (no copy).</summary>
    private static async Task<Array> ReadValuesAsync<T>(ParquetRowGroupReader rg, DataField field, int n, CancellationToken ct)
        where T : struct
    {
        if (field.IsNullable)
        {
            var result = new T?[n];
            await rg.ReadAsync<T>(field, result.AsMemory(), null, ct).ConfigureAwait(false);
            return result;
        }

        return await ReadPlainAsync<T>(rg, field, n, ct).ConfigureAwait(false);
    }

    private static async Task<T[]> ReadPlainAsync<T>(ParquetRowGroupReader rg, DataField field, int n, CancellationToken ct)
        where T : struct
    {
        var plain = new T[n];
        await rg.ReadAsync<T>(field, plain.AsMemory(), null, ct).ConfigureAwait(false);
        return plain;
    }
}

/// <summary>Mutable counters filled while reading.</summary>
internal sealed class RetrievalCounters
{
    public long RowGroupsRead;
    public long RowGroupsSkipped;
    public long RowsRead;
}
