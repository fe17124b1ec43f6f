using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using MLOps.Features.Online;
using StackExchange.Redis;

namespace MLOps.Features.Redis;

/// <summary>
/// An online store in Redis with Feast's layout (<c>sdk/python/feast/infra/online_stores/redis.py</c>), so Feast and
/// this store read each other's data: one hash per (entity key, project) keyed by the serialized entity key followed by
/// the project name; one field per feature named by <see cref="MurmurHash3.FeastFieldName"/> holding a serialized
/// <c>feast.types.Value</c> (<see cref="FeastValueCodec"/>); the field <c>_ts:{view}</c> holding the event time as a
/// <c>google.protobuf.Timestamp</c>. Also keeps materialization watermarks (in the hash <c>_mlops:watermarks:{project}</c>).
/// </summary>
/// <remarks>
/// <para>Writes: one Lua script per entity sets the fields only if the row is newer than the stored <c>_ts</c> (atomic per
/// entity, unlike Feast's read-then-write), then applies <see cref="RedisOnlineStoreOptions.KeyTtl"/>; a batch is
/// pipelined, and is not atomic across entities (as in Feast). The stored time keeps sub-second precision as the
/// Timestamp's nanos; Feast reads its seconds.</para>
/// <para>Reads: one <c>HMGET</c> per entity of only the requested fields and <c>_ts</c>, pipelined across entities
/// (or <c>HGETALL</c> when <see cref="RedisOnlineStoreOptions.HgetallFieldThreshold"/> is set and reached).
/// Unlike Feast's Python store, an absent hash reads as <see cref="FeatureStatus.NotFound"/>, and a view TTL gives
/// <see cref="FeatureStatus.OutsideMaxAge"/>, as the <see cref="IOnlineStore"/> contract says.</para>
/// <para>Failures: a lost connection, a timeout (<see cref="RedisOnlineStoreOptions.OperationTimeout"/>) or a server that
/// is loading throws <see cref="RedisOnlineStoreException"/> with <c>IsTransient</c> true, within the timeout; the
/// connection is re-established in the background. No call blocks a thread. Thread-safe.</para>
/// </remarks>
public sealed class RedisOnlineStore : IOnlineStore, IMaterializationWatermarkStore, IAsyncDisposable, IDisposable
{
    // KEYS[1] entity hash; ARGV: ts field, ts bytes, seconds, nanos, expiry ms (0 none), then field/value pairs.
    // Timestamp bytes are protobuf: tag 0x08 varint seconds, tag 0x10 varint nanos. Lua numbers are doubles: exact
    // for any realistic seconds; a negative (10-byte two's complement) varint is mapped back below zero.
    private const string WriteScript = """
        local function varint(s, i)
          local v, m = 0, 1
          while i <= #s do
            local b = string.byte(s, i)
            i = i + 1
            v = v + (b % 128) * m
            if b < 128 then return v, i end
            m = m * 128
          end
          return nil, i
        end
        local prev = redis.call('HGET', KEYS[1], ARGV[1])
        local sec, nanos = tonumber(ARGV[3]), tonumber(ARGV[4])
        if prev then
          local ps, pn, i = 0, 0, 1
          while i <= #prev do
            local tag, v
            tag, i = varint(prev, i)
            if tag == nil then break end
            v, i = varint(prev, i)
            if v == nil then break end
            if tag == 8 then ps = v elseif tag == 16 then pn = v end
          end
          if ps >= 9223372036854775808 then ps = ps - 18446744073709551616 end
          if sec < ps or (sec == ps and nanos <= pn) then return 0 end
        end
        local n = #ARGV
        local i = 6
        redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
        while i <= n do
          local j = math.min(i + 199, n)
          redis.call('HSET', KEYS[1], unpack(ARGV, i, j))
          i = j + 1
        end
        local ttl = tonumber(ARGV[5])
        if ttl > 0 then redis.call('PEXPIRE', KEYS[1], ttl) end
        return 1
        """;

    // KEYS[1] entity hash; ARGV: the view's fields and its _ts field. Deletes the hash once no view is left in it.
    private const string DeleteScript = """
        local n = #ARGV
        local i = 1
        while i <= n do
          local j = math.min(i + 199, n)
          redis.call('HDEL', KEYS[1], unpack(ARGV, i, j))
          i = j + 1
        end
        for _, k in ipairs(redis.call('HKEYS', KEYS[1])) do
          if string.sub(k, 1, 4) == '_ts:' then return 0 end
        end
        redis.call('DEL', KEYS[1])
        return 1
        """;

    private static readonly OnlineFeatureValue NotFound = new(null, FeatureStatus.NotFound, DateTimeOffset.UnixEpoch);
    private readonly RedisOnlineStoreOptions _options;
    private readonly TimeProvider _time;
    private readonly byte[] _project;
    private readonly string _where;
    private readonly bool _ownsConnection;
    private readonly ConcurrentDictionary<FeatureView, ViewPlan> _plans = new(ReferenceEqualityComparer.Instance);
    private readonly Lock _connectLock = new();
    private Task<IConnectionMultiplexer>? _connection;
    private volatile IConnectionMultiplexer? _mux;
    private int _disposed;

    /// <summary>Creates the store; it connects on first use (a server that is down then is retried in the background).</summary>
    /// <param name="options">Project, endpoints, credentials, TLS, timeouts.</param>
    /// <param name="timeProvider">Clock for TTL statuses on read; default <see cref="TimeProvider.System"/>.</param>
    /// <exception cref="ArgumentException">The options are invalid; the message lists why.</exception>
    public RedisOnlineStore(RedisOnlineStoreOptions options, TimeProvider? timeProvider = null)
        : this(options, timeProvider, connection: null)
    {
    }

    /// <summary>Creates the store over an existing connection, which the caller keeps owning (endpoints, credentials and TLS in the options are ignored).</summary>
    /// <param name="connection">The connection.</param>
    /// <param name="options">Project, timeouts, key TTL and serialization version.</param>
    /// <param name="timeProvider">Clock for TTL statuses on read; default <see cref="TimeProvider.System"/>.</param>
    /// <exception cref="ArgumentException">The options are invalid; the message lists why.</exception>
    public RedisOnlineStore(IConnectionMultiplexer connection, RedisOnlineStoreOptions options, TimeProvider? timeProvider = null)
        : this(options, timeProvider, connection ?? throw new ArgumentNullException(nameof(connection)))
    {
    }

    private RedisOnlineStore(RedisOnlineStoreOptions options, TimeProvider? timeProvider, IConnectionMultiplexer? connection)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate(requireEndpoint: connection is null);
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(options));
        }

        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _project = Encoding.UTF8.GetBytes(options.Project!);
        // Endpoints only: a configuration string may hold a password.
        _where = connection is not null ? string.Join(",", connection.GetEndPoints().Select(static e => e.ToString()))
            : options.Endpoints.Count > 0 ? string.Join(",", options.Endpoints)
            : string.Join(",", BuildConfiguration(options).EndPoints.Select(static e => e.ToString()));
        _ownsConnection = connection is null;
        _mux = connection;
    }

    /// <summary>Gets the Feast project name appended to every key.</summary>
    public string Project => _options.Project!;

    /// <summary>Gets the Redis key of an entity of <paramref name="view"/>: the serialized entity key followed by the project name.</summary>
    /// <param name="view">The view.</param>
    /// <param name="entityKey">Join-key values in <see cref="FeatureView.JoinKeys"/> order.</param>
    /// <returns>The key bytes.</returns>
    /// <exception cref="FeatureStoreException">The key values do not fit the view's entities.</exception>
    public byte[] RedisKey(FeatureView view, IReadOnlyList<object> entityKey)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(entityKey);
        return Plan(view).Key.Build(view, entityKey, _project);
    }

    /// <inheritdoc />
    /// <exception cref="RedisOnlineStoreException">Redis is unreachable or too slow (transient), or refused the write.</exception>
    public async ValueTask<int> WriteBatchAsync(FeatureView view, IReadOnlyList<OnlineWriteRow> rows, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(rows);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (_options.EntityKeySerializationVersion != EntityKeySerializer.CurrentVersion)
        {
            throw new FeatureStoreException($"Writes need entity key serialization version 3; this store is set to {_options.EntityKeySerializationVersion} to read data an older Feast wrote. Migrate the keys (Feast's reserialize_entity_v2_key_to_v3) and use version 3.");
        }

        var plan = Plan(view);

        // Within a batch, the newest row per key wins whatever its position, as in Feast.
        var newest = new Dictionary<string, (byte[] Key, OnlineWriteRow Row)>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            ArgumentNullException.ThrowIfNull(row);
            if (row.Values.Count != view.Schema.Count)
            {
                throw new FeatureStoreException($"A row for feature view '{view.Name}' has {row.Values.Count} values; the schema has {view.Schema.Count}.");
            }

            var key = RedisKey(view, row.EntityKey);
            var id = Convert.ToBase64String(key);
            if (!newest.TryGetValue(id, out var prior) || prior.Row.EventTimestamp < row.EventTimestamp)
            {
                newest[id] = (key, row);
            }
        }

        if (newest.Count == 0)
        {
            return 0;
        }

        // Encode everything before sending anything: a bad value fails the batch without writing part of it.
        var expiry = _options.KeyTtl is { } ttl ? ((long)Math.Ceiling(ttl.TotalMilliseconds)).ToString(CultureInfo.InvariantCulture) : "0";
        var calls = new List<(RedisKey Key, RedisValue[] Args)>(newest.Count);
        foreach (var (key, row) in newest.Values)
        {
            var (seconds, nanos) = FeastValueCodec.ToSecondsNanos(row.EventTimestamp);
            var args = new RedisValue[5 + (2 * view.Schema.Count)];
            args[0] = plan.TsField;
            args[1] = FeastValueCodec.EncodeTimestamp(row.EventTimestamp);
            args[2] = seconds.ToString(CultureInfo.InvariantCulture);
            args[3] = nanos.ToString(CultureInfo.InvariantCulture);
            args[4] = expiry;
            for (var f = 0; f < view.Schema.Count; f++)
            {
                args[5 + (2 * f)] = plan.Fields[f];
                args[6 + (2 * f)] = FeastValueCodec.Encode(ToStored(row.Values[f], view.Schema[f], view));
            }

            calls.Add((key, args));
        }

        cancellationToken.ThrowIfCancellationRequested();
        var db = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        var tasks = new Task<RedisResult>[calls.Count];
        var batch = db.CreateBatch();
        for (var i = 0; i < calls.Count; i++)
        {
            tasks[i] = batch.ScriptEvaluateAsync(WriteScript, [calls[i].Key], calls[i].Args);
        }

        batch.Execute();
        await AwaitAsync(Task.WhenAll(tasks), "write", cancellationToken).ConfigureAwait(false);
        var written = 0;
        foreach (var t in tasks)
        {
            written += (int)await t.ConfigureAwait(false);
        }

        return written;
    }

    /// <inheritdoc />
    /// <exception cref="RedisOnlineStoreException">Redis is unreachable or too slow (transient).</exception>
    public async ValueTask<OnlineFeatureValue[][]> ReadAsync(FeatureView view, IReadOnlyList<IReadOnlyList<object>> entityKeys, IReadOnlyList<string> features, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(entityKeys);
        ArgumentNullException.ThrowIfNull(features);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var plan = Plan(view);
        var n = features.Count;
        var set = plan.LastFields;
        if (set is null || !set.Matches(features))
        {
            var fields = new RedisValue[n + 1];
            var types = new FeatureValueType[n];
            for (var f = 0; f < n; f++)
            {
                if (!plan.Index.TryGetValue(features[f], out var i))
                {
                    throw new FeatureDefinitionException($"Feature view '{view.Name}' has no feature '{features[f]}'.");
                }

                fields[f] = plan.Fields[i];
                types[f] = view.Schema[i].Type;
            }

            fields[n] = plan.TsField;
            set = new FieldSet([.. features], fields, types, HgetallIndex(fields, n));
            plan.LastFields = set;
        }

        var keys = new RedisKey[entityKeys.Count];
        for (var e = 0; e < keys.Length; e++)
        {
            keys[e] = plan.Key.Build(view, entityKeys[e] ?? throw new ArgumentException("An entity key is null.", nameof(entityKeys)), _project);
        }

        var result = new OnlineFeatureValue[keys.Length][];
        if (keys.Length == 0)
        {
            return result;
        }

        var db = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        RedisValue[][] replies;
        var hgetall = _options.HgetallFieldThreshold is { } threshold && n + 1 >= threshold && set.HgetallIndex is not null;
        if (hgetall)
        {
            var tasks = new Task<HashEntry[]>[keys.Length];
            var batch = keys.Length == 1 ? null : db.CreateBatch();
            for (var e = 0; e < keys.Length; e++)
            {
                tasks[e] = (batch ?? (IDatabaseAsync)db).HashGetAllAsync(keys[e]);
            }

            batch?.Execute();
            var all = await AwaitAsync(Task.WhenAll(tasks), "read", cancellationToken).ConfigureAwait(false);
            replies = new RedisValue[all.Length][];
            for (var e = 0; e < all.Length; e++)
            {
                replies[e] = Pick(all[e], set.HgetallIndex!, plan.TsField, n);
            }
        }
        else if (keys.Length == 1)
        {
            replies = [await AwaitAsync(db.HashGetAsync(keys[0], set.Fields), "read", cancellationToken).ConfigureAwait(false)];
        }
        else
        {
            var tasks = new Task<RedisValue[]>[keys.Length];
            var batch = db.CreateBatch();
            for (var e = 0; e < keys.Length; e++)
            {
                tasks[e] = batch.HashGetAsync(keys[e], set.Fields);
            }

            batch.Execute();
            replies = await AwaitAsync(Task.WhenAll(tasks), "read", cancellationToken).ConfigureAwait(false);
        }

        var now = _time.GetUtcNow();
        var viewTtl = view.Ttl;
        for (var e = 0; e < replies.Length; e++)
        {
            var row = result[e] = new OnlineFeatureValue[n];
            var reply = replies[e];
            if (reply[n].IsNull)
            {
                Array.Fill(row, NotFound);
                continue;
            }

            var ts = FeastValueCodec.DecodeTimestamp(((ReadOnlyMemory<byte>)reply[n]).Span);
            var stale = viewTtl > TimeSpan.Zero && now - ts > viewTtl;
            for (var f = 0; f < n; f++)
            {
                var raw = reply[f];
                if (raw.IsNull)
                {
                    row[f] = NotFound;
                    continue;
                }

                var value = FromStored(FeastValueCodec.Decode(((ReadOnlyMemory<byte>)raw).Span), set.Types[f]);
                row[f] = new OnlineFeatureValue(value, value is null ? FeatureStatus.NullValue : stale ? FeatureStatus.OutsideMaxAge : FeatureStatus.Present, ts);
            }
        }

        return result;
    }

    /// <inheritdoc />
    /// <remarks>
    /// Removes the view's fields and its <c>_ts</c> from each entity's hash, and the hash itself once no view is left in
    /// it. For the whole view, the keys are found with <c>SCAN</c> over the view's key prefix and the project suffix.
    /// </remarks>
    /// <exception cref="RedisOnlineStoreException">Redis is unreachable or too slow (transient).</exception>
    public async ValueTask DeleteAsync(FeatureView view, IReadOnlyList<IReadOnlyList<object>>? entityKeys = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(view);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var plan = Plan(view);
        var args = new RedisValue[plan.Fields.Length + 1];
        plan.Fields.CopyTo(args, 0);
        args[^1] = plan.TsField;
        var db = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        var keys = new List<RedisKey>();
        if (entityKeys is not null)
        {
            foreach (var k in entityKeys)
            {
                keys.Add(RedisKey(view, k));
            }
        }
        else
        {
            var prefix = EntityKeySerializer.SerializePrefix(view.JoinKeys, _options.EntityKeySerializationVersion);
            var pattern = GlobEscape(prefix).Concat("*"u8.ToArray()).Concat(GlobEscape(_project)).ToArray();
            var mux = await ConnectionAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                foreach (var server in mux.GetServers())
                {
                    if (server.IsReplica || !server.IsConnected)
                    {
                        continue;
                    }

                    await foreach (var key in server.KeysAsync(_options.Database, pattern, pageSize: 1000).WithCancellation(cancellationToken).ConfigureAwait(false))
                    {
                        if (IsKeyOf((byte[])key!, prefix.Length, view.Entities.Count))
                        {
                            keys.Add(key);
                        }
                    }
                }
            }
            catch (Exception ex) when (Translate(ex, "delete") is { } translated)
            {
                throw translated;
            }
        }

        for (var start = 0; start < keys.Count; start += 1000)
        {
            var count = Math.Min(1000, keys.Count - start);
            var tasks = new Task[count];
            var batch = db.CreateBatch();
            for (var i = 0; i < count; i++)
            {
                tasks[i] = batch.ScriptEvaluateAsync(DeleteScript, [keys[start + i]], args);
            }

            batch.Execute();
            await AwaitAsync(Task.WhenAll(tasks), "delete", cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    /// <exception cref="RedisOnlineStoreException">Redis is unreachable or too slow (transient).</exception>
    public async ValueTask<DateTimeOffset?> GetWatermarkAsync(string viewName, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(viewName);
        var db = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        var value = await AwaitAsync(db.HashGetAsync(WatermarkKey, viewName), "read", cancellationToken).ConfigureAwait(false);
        return value.IsNull ? null : new DateTimeOffset((long)value, TimeSpan.Zero);
    }

    /// <inheritdoc />
    /// <exception cref="RedisOnlineStoreException">Redis is unreachable or too slow (transient).</exception>
    public async ValueTask SetWatermarkAsync(string viewName, DateTimeOffset endTime, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(viewName);
        var db = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        await AwaitAsync(db.HashSetAsync(WatermarkKey, viewName, endTime.UtcTicks), "write", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Closes the connection if this store opened it.</summary>
    /// <returns>A task that completes when closed.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0 || !_ownsConnection)
        {
            return;
        }

        if (_mux is { } mux)
        {
            await mux.CloseAsync(allowCommandsToComplete: false).ConfigureAwait(false);
            mux.Dispose();
        }
    }

    /// <summary>Closes the connection if this store opened it, without waiting for pending commands.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0 || !_ownsConnection)
        {
            return;
        }

        _mux?.Dispose();
    }

    internal static ConfigurationOptions BuildConfiguration(RedisOnlineStoreOptions o)
    {
        var c = o.Configuration is { Length: > 0 } s ? ConfigurationOptions.Parse(s) : new ConfigurationOptions();
        foreach (var e in o.Endpoints)
        {
            c.EndPoints.Add(e);
        }

        if (o.User is not null)
        {
            c.User = o.User;
        }

        if (o.Password is not null)
        {
            c.Password = o.Password;
        }

        if (o.UseTls)
        {
            c.Ssl = true;
        }

        if (o.TlsHost is not null)
        {
            c.SslHost = o.TlsHost;
        }

        c.DefaultDatabase = o.Database;
        c.ClientName = o.ClientName;
        c.AbortOnConnectFail = false;
        c.ConnectTimeout = (int)Math.Min(int.MaxValue, o.ConnectTimeout.TotalMilliseconds);
        c.AsyncTimeout = (int)Math.Min(int.MaxValue, o.OperationTimeout.TotalMilliseconds);
        c.SyncTimeout = c.AsyncTimeout;
        c.ConnectRetry = 1;
        return c;
    }

    private RedisKey WatermarkKey => (RedisKey)("_mlops:watermarks:" + _options.Project);

    // SCAN MATCH is a glob: escape its special characters in the binary prefix and project.
    private static byte[] GlobEscape(byte[] bytes)
    {
        var list = new List<byte>(bytes.Length + 4);
        foreach (var b in bytes)
        {
            if (b is (byte)'*' or (byte)'?' or (byte)'[' or (byte)']' or (byte)'\\')
            {
                list.Add((byte)'\\');
            }

            list.Add(b);
        }

        return [.. list];
    }

    private static object? ToStored(object? value, FeatureField field, FeatureView view)
    {
        if (value is null)
        {
            return null;
        }

        try
        {
            return value switch
            {
                Array or DateTimeOffset or DateTime => value,
                IConvertible => FeatureValues.Coerce(value, field.Type),
                _ => value,
            };
        }
        catch (Exception ex) when (ex is FormatException or InvalidCastException or OverflowException)
        {
            throw new FeatureStoreException($"Value '{value}' of feature '{view.Name}:{field.Name}' does not fit its type {field.Type}.");
        }
    }

    // A scalar Feast stored with another numeric width (int32 for an Int64 feature, say) reads as the schema's type.
    private static object? FromStored(object? value, FeatureValueType type) => value switch
    {
        null => null,
        int or long or float or double or bool when !IsType(value, type) && type != FeatureValueType.String => FeatureValues.Coerce(value, type),
        _ => value,
    };

    private static bool IsType(object value, FeatureValueType type) => type switch
    {
        FeatureValueType.Int32 => value is int,
        FeatureValueType.Int64 => value is long,
        FeatureValueType.Float32 => value is float,
        FeatureValueType.Float64 => value is double,
        FeatureValueType.Bool => value is bool,
        _ => value is string,
    };

    // The key is prefix, then `count` values (u32 type, u32 len, bytes), then exactly the project name.
    private bool IsKeyOf(byte[] key, int prefixLength, int count)
    {
        var pos = prefixLength;
        for (var i = 0; i < count; i++)
        {
            if (pos + 8 > key.Length)
            {
                return false;
            }

            var len = BinaryPrimitives.ReadUInt32LittleEndian(key.AsSpan(pos + 4, 4));
            if (len > (uint)(key.Length - pos - 8))
            {
                return false;
            }

            pos += 8 + (int)len;
        }

        return key.AsSpan(pos).SequenceEqual(_project);
    }

    private ViewPlan Plan(FeatureView view) => _plans.GetOrAdd(view, static (v, version) =>
    {
        var fields = new RedisValue[v.Schema.Count];
        var index = new Dictionary<string, int>(v.Schema.Count, StringComparer.Ordinal);
        for (var f = 0; f < fields.Length; f++)
        {
            fields[f] = MurmurHash3.FeastFieldName(v.Name, v.Schema[f].Name);
            index[v.Schema[f].Name] = f;
        }

        return new ViewPlan(Encoding.UTF8.GetBytes("_ts:" + v.Name), fields, index, new KeyWriter(v, version));
    }, _options.EntityKeySerializationVersion);

    private async ValueTask<IDatabase> DatabaseAsync(CancellationToken cancellationToken) =>
        (await ConnectionAsync(cancellationToken).ConfigureAwait(false)).GetDatabase(_options.Database);

    private ValueTask<IConnectionMultiplexer> ConnectionAsync(CancellationToken cancellationToken)
    {
        if (_mux is { } mux)
        {
            return new(mux);
        }

        Task<IConnectionMultiplexer> connecting;
        lock (_connectLock)
        {
            if (_connection is null || _connection.IsFaulted || _connection.IsCanceled)
            {
                _connection = ConnectAsync();
            }

            connecting = _connection;
        }

        return new(AwaitAsync(connecting, "connect", cancellationToken));
    }

    private async Task<IConnectionMultiplexer> ConnectAsync()
    {
        // AbortOnConnectFail is off: this completes (disconnected) when the server is down, and reconnects in the background.
        var mux = await ConnectionMultiplexer.ConnectAsync(BuildConfiguration(_options)).ConfigureAwait(false);
        if (Volatile.Read(ref _disposed) != 0)
        {
            mux.Dispose();
            throw new ObjectDisposedException(nameof(RedisOnlineStore));
        }

        _mux = mux;
        return mux;
    }

    // Bounds every wait by the operation timeout, whatever StackExchange.Redis does while reconnecting, and maps its errors.
    private async Task<T> AwaitAsync<T>(Task<T> task, string what, CancellationToken cancellationToken)
    {
        try
        {
            return await task.WaitAsync(_options.OperationTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException ex) when (!task.IsCompleted)
        {
            throw NotAnswered(task, what, ex);
        }
        catch (Exception ex) when (Translate(ex, what) is { } translated)
        {
            throw translated;
        }
    }

    private async Task AwaitAsync(Task task, string what, CancellationToken cancellationToken)
    {
        try
        {
            await task.WaitAsync(_options.OperationTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException ex) when (!task.IsCompleted)
        {
            throw NotAnswered(task, what, ex);
        }
        catch (Exception ex) when (Translate(ex, what) is { } translated)
        {
            throw translated;
        }
    }

    // The wait gave up on a task that is still running: observe its eventual fault, and say the operation timed out.
    private RedisOnlineStoreException NotAnswered(Task task, string what, TimeoutException ex)
    {
        _ = task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return new RedisOnlineStoreException($"The Redis online store at {_where} did not answer the {what} within {_options.OperationTimeout.TotalMilliseconds:0} ms (OperationTimeout); retry later.", true, ex);
    }

    private RedisOnlineStoreException? Translate(Exception ex, string what) => ex switch
    {
        RedisConnectionException or RedisTimeoutException or SocketException or IOException or TimeoutException =>
            new RedisOnlineStoreException($"The Redis online store at {_where} is unavailable for the {what} ({ex.GetType().Name}: {FirstLine(ex.Message)}); retry later.", true, ex),
        RedisServerException s when IsTransientServerError(s.Message) =>
            new RedisOnlineStoreException($"The Redis online store at {_where} cannot serve the {what} now ({FirstLine(s.Message)}); retry later.", true, ex),
        RedisException => new RedisOnlineStoreException($"The Redis online store at {_where} refused the {what}: {FirstLine(ex.Message)}", false, ex),
        _ => null,
    };

    private static bool IsTransientServerError(string message) =>
        message.StartsWith("LOADING", StringComparison.Ordinal) || message.StartsWith("BUSY", StringComparison.Ordinal)
        || message.StartsWith("TRYAGAIN", StringComparison.Ordinal) || message.StartsWith("MASTERDOWN", StringComparison.Ordinal)
        || message.StartsWith("READONLY", StringComparison.Ordinal) || message.StartsWith("CLUSTERDOWN", StringComparison.Ordinal);

    private static string FirstLine(string message)
    {
        var i = message.IndexOfAny(['\r', '\n']);
        return i < 0 ? message : message[..i];
    }

    private sealed record ViewPlan(byte[] TsField, RedisValue[] Fields, Dictionary<string, int> Index, KeyWriter Key)
    {
        // The fields of the last feature list read (callers usually pass the same list each time).
        public volatile FieldSet? LastFields;
    }

    // Requested field (4 little-endian bytes as a uint) to its position, for HGETALL; null if two requested features
    // share a hash (then HMGET is used, which answers each position).
    private static Dictionary<uint, int>? HgetallIndex(RedisValue[] fields, int n)
    {
        var index = new Dictionary<uint, int>(n);
        for (var f = 0; f < n; f++)
        {
            if (!index.TryAdd(BinaryPrimitives.ReadUInt32LittleEndian(((ReadOnlyMemory<byte>)fields[f]).Span), f))
            {
                return null;
            }
        }

        return index;
    }

    // The HMGET-shaped answer (requested fields, then _ts; null where absent) out of a whole hash.
    private static RedisValue[] Pick(HashEntry[] entries, Dictionary<uint, int> index, byte[] tsField, int n)
    {
        var reply = new RedisValue[n + 1];
        Array.Fill(reply, RedisValue.Null);
        foreach (var entry in entries)
        {
            var name = ((ReadOnlyMemory<byte>)entry.Name).Span;
            if (name.Length == 4)
            {
                if (index.TryGetValue(BinaryPrimitives.ReadUInt32LittleEndian(name), out var f))
                {
                    reply[f] = entry.Value;
                }
            }
            else if (name.SequenceEqual(tsField))
            {
                reply[n] = entry.Value;
            }
        }

        return reply;
    }

    private sealed record FieldSet(string[] Names, RedisValue[] Fields, FeatureValueType[] Types, Dictionary<uint, int>? HgetallIndex)
    {
        // Compared name by name (a reference check first), so a list changed between calls is never served stale fields.
        public bool Matches(IReadOnlyList<string> features)
        {
            if (features.Count != Names.Length)
            {
                return false;
            }

            for (var i = 0; i < Names.Length; i++)
            {
                if (!string.Equals(Names[i], features[i], StringComparison.Ordinal))
                {
                    return false;
                }
            }

            return true;
        }
    }

    /// <summary>
    /// <see cref="EntityKeySerializer"/>'s bytes without its per-call sorting and buffering: the join-key section is
    /// computed once per view, and each key is written into one exact-size array with the project appended.
    /// </summary>
    private sealed class KeyWriter
    {
        private readonly byte[] _prefix;
        private readonly int[] _order;
        private readonly FeatureValueType[] _types;

        public KeyWriter(FeatureView view, int version)
        {
            _prefix = EntityKeySerializer.SerializePrefix(view.JoinKeys, version);
            _order = new int[view.Entities.Count];
            for (var i = 0; i < _order.Length; i++)
            {
                _order[i] = i;
            }

            var names = view.Entities.Select(static e => e.JoinKey).ToArray();
            Array.Sort(names, _order, StringComparer.Ordinal);
            _types = view.Entities.Select(static e => e.ValueType).ToArray();
        }

        public byte[] Build(FeatureView view, IReadOnlyList<object> values, ReadOnlySpan<byte> project)
        {
            if (values.Count != _order.Length)
            {
                throw new FeatureStoreException($"Feature view '{view.Name}' has {_order.Length} join keys but {values.Count} key values were given.");
            }

            var size = _prefix.Length + project.Length;
            string?[]? strings = null;
            for (var i = 0; i < _order.Length; i++)
            {
                var e = _order[i];
                var v = values[e] ?? throw new FeatureStoreException($"The key value of '{view.Entities[e].JoinKey}' is null.");
                switch (_types[e])
                {
                    case FeatureValueType.Int64: size += 16; break;
                    case FeatureValueType.Int32: size += 12; break;
                    case FeatureValueType.String:
                        strings ??= new string?[_order.Length];
                        strings[i] = v as string ?? Convert.ToString(v, CultureInfo.InvariantCulture)!;
                        size += 8 + Encoding.UTF8.GetByteCount(strings[i]!);
                        break;
                    default:
                        throw new FeatureStoreException($"Entity '{view.Entities[e].Name}' has type {_types[e]}; Feast keys are Int32, Int64 or String.");
                }
            }

            var key = new byte[size];
            _prefix.CopyTo(key, 0);
            var pos = _prefix.Length;
            for (var i = 0; i < _order.Length; i++)
            {
                var e = _order[i];
                var v = values[e];
                var span = key.AsSpan(pos);
                try
                {
                    switch (_types[e])
                    {
                        case FeatureValueType.Int64:
                            BinaryPrimitives.WriteUInt32LittleEndian(span, 4);
                            BinaryPrimitives.WriteUInt32LittleEndian(span[4..], 8);
                            BinaryPrimitives.WriteInt64LittleEndian(span[8..], v is long l ? l : Convert.ToInt64(v, CultureInfo.InvariantCulture));
                            pos += 16;
                            break;
                        case FeatureValueType.Int32:
                            BinaryPrimitives.WriteUInt32LittleEndian(span, 3);
                            BinaryPrimitives.WriteUInt32LittleEndian(span[4..], 4);
                            BinaryPrimitives.WriteInt32LittleEndian(span[8..], v is int n ? n : Convert.ToInt32(v, CultureInfo.InvariantCulture));
                            pos += 12;
                            break;
                        default:
                            var written = Encoding.UTF8.GetBytes(strings![i]!, span[8..]);
                            BinaryPrimitives.WriteUInt32LittleEndian(span, 2);
                            BinaryPrimitives.WriteUInt32LittleEndian(span[4..], (uint)written);
                            pos += 8 + written;
                            break;
                    }
                }
                catch (Exception ex) when (ex is FormatException or InvalidCastException or OverflowException)
                {
                    throw new FeatureStoreException($"Key value '{v}' does not fit entity '{view.Entities[e].Name}' of type {_types[e]}.");
                }
            }

            project.CopyTo(key.AsSpan(pos));
            return key;
        }
    }
}
