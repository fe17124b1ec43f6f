using System.Globalization;
using Microsoft.Data.Sqlite;
using MLOps.Features.Offline;

namespace MLOps.Features.Online;

/// <summary>
/// The embedded online store: one SQLite file (WAL), one row per (view, entity key, feature) like Feast's SQLite
/// store, keys encoded with <see cref="EntityKeySerializer"/>. Also keeps materialization watermarks.
/// Thread-safe (each call uses its own pooled connection).
/// </summary>
public sealed class SqliteOnlineStore : IOnlineStore, IMaterializationWatermarkStore
{
    private const int ReadChunk = 500;
    private readonly string _connectionString;
    private readonly TimeProvider _time;
    private readonly Lock _init = new();
    private volatile bool _ready;

    /// <summary>Creates the store; the file and its folder are created on first use.</summary>
    /// <param name="path">The SQLite file.</param>
    /// <param name="timeProvider">Clock for TTL on read; default <see cref="TimeProvider.System"/>.</param>
    public SqliteOnlineStore(string path, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = System.IO.Path.GetFullPath(path);
        _time = timeProvider ?? TimeProvider.System;
        _connectionString = new SqliteConnectionStringBuilder { DataSource = Path, Pooling = true, DefaultTimeout = 30 }.ToString();
    }

    /// <summary>Gets the full path of the database file.</summary>
    public string Path { get; }

    /// <inheritdoc />
    public async ValueTask<int> WriteBatchAsync(FeatureView view, IReadOnlyList<OnlineWriteRow> rows, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(rows);
        using var conn = await OpenAsync(cancellationToken).ConfigureAwait(false);
        using var tx = conn.BeginTransaction();
        using var probe = conn.CreateCommand();
        probe.Transaction = tx;
        probe.CommandText = "SELECT max(event_ts) FROM feature_values WHERE view = $v AND entity_key = $k";
        var pv = probe.Parameters.Add("$v", SqliteType.Text);
        var pk = probe.Parameters.Add("$k", SqliteType.Blob);
        using var upsert = conn.CreateCommand();
        upsert.Transaction = tx;
        upsert.CommandText = """
            INSERT INTO feature_values(view, entity_key, feature, value, event_ts, created_ts) VALUES ($v, $k, $f, $val, $ts, $c)
            ON CONFLICT(view, entity_key, feature) DO UPDATE SET value = excluded.value, event_ts = excluded.event_ts, created_ts = excluded.created_ts
            """;
        var uv = upsert.Parameters.Add("$v", SqliteType.Text);
        var uk = upsert.Parameters.Add("$k", SqliteType.Blob);
        var uf = upsert.Parameters.Add("$f", SqliteType.Text);
        var uval = upsert.Parameters.Add("$val", SqliteType.Blob);
        var uts = upsert.Parameters.Add("$ts", SqliteType.Integer);
        var uc = upsert.Parameters.Add("$c", SqliteType.Integer);
        pv.Value = view.Name;
        uv.Value = view.Name;

        // Within a batch, the newest row per key wins, as Feast's Redis store does.
        var newest = new Dictionary<string, (byte[] Key, OnlineWriteRow Row)>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            if (row.Values.Count != view.Schema.Count)
            {
                throw new FeatureStoreException($"A row for feature view '{view.Name}' has {row.Values.Count} values; the schema has {view.Schema.Count}.");
            }

            var key = EntityKeySerializer.Serialize(view, row.EntityKey);
            var id = Convert.ToHexString(key);
            if (!newest.TryGetValue(id, out var prior) || prior.Row.EventTimestamp < row.EventTimestamp)
            {
                newest[id] = (key, row);
            }
        }

        var written = 0;
        foreach (var (key, row) in newest.Values)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var ts = ParquetViewReader.ToMicros(row.EventTimestamp);
            pk.Value = key;
            if (await probe.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long stored && stored >= ts)
            {
                continue;
            }

            uk.Value = key;
            uts.Value = ts;
            uc.Value = row.CreatedTimestamp is { } c ? ParquetViewReader.ToMicros(c) : DBNull.Value;
            for (var f = 0; f < view.Schema.Count; f++)
            {
                uf.Value = view.Schema[f].Name;
                uval.Value = ToDb(row.Values[f], view.Schema[f].Type);
                uval.SqliteType = view.Schema[f].Type switch
                {
                    FeatureValueType.Float32 or FeatureValueType.Float64 => SqliteType.Real,
                    FeatureValueType.String => SqliteType.Text,
                    _ => SqliteType.Integer,
                };
                await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            written++;
        }

        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return written;
    }

    /// <inheritdoc />
    public async ValueTask<OnlineFeatureValue[][]> ReadAsync(FeatureView view, IReadOnlyList<IReadOnlyList<object>> entityKeys, IReadOnlyList<string> features, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(entityKeys);
        ArgumentNullException.ThrowIfNull(features);
        var featureIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        var types = new FeatureValueType[features.Count];
        for (var f = 0; f < features.Count; f++)
        {
            types[f] = (view.Find(features[f]) ?? throw new FeatureDefinitionException($"Feature view '{view.Name}' has no feature '{features[f]}'.")).Type;
            featureIndex[features[f]] = f;
        }

        var result = new OnlineFeatureValue[entityKeys.Count][];
        var rowsByKey = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var keys = new byte[entityKeys.Count][];
        for (var e = 0; e < entityKeys.Count; e++)
        {
            result[e] = new OnlineFeatureValue[features.Count];
            Array.Fill(result[e], new OnlineFeatureValue(null, FeatureStatus.NotFound, DateTimeOffset.UnixEpoch));
            keys[e] = EntityKeySerializer.Serialize(view, entityKeys[e]);
            var id = Convert.ToHexString(keys[e]);
            if (!rowsByKey.TryGetValue(id, out var list))
            {
                rowsByKey[id] = list = [];
            }

            list.Add(e);
        }

        var now = _time.GetUtcNow();
        var ttl = view.Ttl;
        using var conn = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var distinct = rowsByKey.Values.Select(l => keys[l[0]]).ToArray();
        for (var start = 0; start < distinct.Length; start += ReadChunk)
        {
            var count = Math.Min(ReadChunk, distinct.Length - start);
            using var cmd = conn.CreateCommand();
            cmd.Parameters.AddWithValue("$v", view.Name);
            var names = new string[count];
            for (var i = 0; i < count; i++)
            {
                names[i] = "$k" + i.ToString(CultureInfo.InvariantCulture);
                cmd.Parameters.Add(names[i], SqliteType.Blob).Value = distinct[start + i];
            }

            cmd.CommandText = $"SELECT entity_key, feature, value, event_ts FROM feature_values WHERE view = $v AND entity_key IN ({string.Join(',', names)})";
            using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                if (!featureIndex.TryGetValue(reader.GetString(1), out var f))
                {
                    continue;
                }

                var id = Convert.ToHexString((byte[])reader.GetValue(0));
                var ts = ParquetViewReader.FromMicros(reader.GetInt64(3));
                var value = reader.IsDBNull(2) ? null : FromDb(reader.GetValue(2), types[f]);
                var status = value is null ? FeatureStatus.NullValue
                    : ttl > TimeSpan.Zero && now - ts > ttl ? FeatureStatus.OutsideMaxAge
                    : FeatureStatus.Present;
                foreach (var e in rowsByKey[id])
                {
                    result[e][f] = new OnlineFeatureValue(value, status, ts);
                }
            }
        }

        return result;
    }

    /// <inheritdoc />
    public async ValueTask DeleteAsync(FeatureView view, IReadOnlyList<IReadOnlyList<object>>? entityKeys = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(view);
        using var conn = await OpenAsync(cancellationToken).ConfigureAwait(false);
        using var tx = conn.BeginTransaction();
        using var cmd = conn.CreateCommand();
        cmd.Transaction = tx;
        cmd.Parameters.AddWithValue("$v", view.Name);
        if (entityKeys is null)
        {
            cmd.CommandText = "DELETE FROM feature_values WHERE view = $v";
            await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            cmd.CommandText = "DELETE FROM feature_values WHERE view = $v AND entity_key = $k";
            var pk = cmd.Parameters.Add("$k", SqliteType.Blob);
            foreach (var key in entityKeys)
            {
                pk.Value = EntityKeySerializer.Serialize(view, key);
                await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<DateTimeOffset?> GetWatermarkAsync(string viewName, CancellationToken cancellationToken = default)
    {
        using var conn = await OpenAsync(cancellationToken).ConfigureAwait(false);
        using var cmd = conn.CreateCommand();
        cmd.CommandText = "SELECT end_ts FROM materialization WHERE view = $v";
        cmd.Parameters.AddWithValue("$v", viewName);
        return await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long micros ? ParquetViewReader.FromMicros(micros) : null;
    }

    /// <inheritdoc />
    public async ValueTask SetWatermarkAsync(string viewName, DateTimeOffset endTime, CancellationToken cancellationToken = default)
    {
        using var conn = await OpenAsync(cancellationToken).ConfigureAwait(false);
        using var cmd = conn.CreateCommand();
        cmd.CommandText = "INSERT INTO materialization(view, end_ts) VALUES ($v, $e) ON CONFLICT(view) DO UPDATE SET end_ts = excluded.end_ts";
        cmd.Parameters.AddWithValue("$v", viewName);
        cmd.Parameters.AddWithValue("$e", ParquetViewReader.ToMicros(endTime));
        await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static object ToDb(object? value, FeatureValueType type) => FeatureValues.Coerce(value, type) switch
    {
        null => DBNull.Value,
        bool b => b ? 1L : 0L,
        float f => (double)f,
        var v => v,
    };

    private static object FromDb(object value, FeatureValueType type) => type switch
    {
        FeatureValueType.Bool => Convert.ToInt64(value, CultureInfo.InvariantCulture) != 0,
        _ => FeatureValues.Coerce(value, type)!,
    };

    private async Task<SqliteConnection> OpenAsync(CancellationToken ct)
    {
        var conn = new SqliteConnection(_connectionString);
        try
        {
            await conn.OpenAsync(ct).ConfigureAwait(false);
            if (!_ready)
            {
                lock (_init)
                {
                    if (!_ready)
                    {
                        using var cmd = conn.CreateCommand();
                        cmd.CommandText = """
                            PRAGMA journal_mode = WAL;
                            CREATE TABLE IF NOT EXISTS feature_values(
                                view TEXT NOT NULL, entity_key BLOB NOT NULL, feature TEXT NOT NULL, value, event_ts INTEGER NOT NULL, created_ts INTEGER,
                                PRIMARY KEY(view, entity_key, feature)) WITHOUT ROWID;
                            CREATE TABLE IF NOT EXISTS materialization(view TEXT PRIMARY KEY, end_ts INTEGER NOT NULL);
                            """;
                        cmd.ExecuteNonQuery();
                        _ready = true;
                    }
                }
            }

            return conn;
        }
        catch (SqliteException ex)
        {
            conn.Dispose();
            throw new FeatureStoreException($"The online store '{Path}' could not be opened: {ex.Message}", ex.SqliteErrorCode is 5 or 6, ex);
        }
    }
}
