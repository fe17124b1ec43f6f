using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using MLOps.Features.Online;
using StackExchange.Redis;

namespace MLOps.Features.Redis.Tests;

/// <summary>The store against a real redis-server: types, Feast's bytes in Redis both ways, the newer-only rule, expiry, DI.</summary>
public sealed class RedisOnlineStoreTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>, IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly JsonElement Vectors = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "vectors", "feast_vectors.json"))).RootElement;
    private ConnectionMultiplexer? _raw;

    private IDatabase Raw => _raw!.GetDatabase();

    public async ValueTask InitializeAsync()
    {
        if (redis.IsAvailable)
        {
            _raw = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_raw is not null)
        {
            await _raw.DisposeAsync();
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task WriteThenRead_EveryValueType_RoundTripsAndStoresFeastBytes(bool hgetall)
    {
        redis.SkipIfUnavailable();
        var ct = TestContext.Current.CancellationToken;
        var cases = Vectors.GetProperty("values").EnumerateArray().Where(static c => c.GetProperty("kind").GetString() != "null_val").ToArray();

        // One feature per vector; the declared type matters only for scalars, which keep their own type here.
        var schema = cases.Select((c, i) => new FeatureField("f" + i, SchemaType(c.GetProperty("kind").GetString()!))).ToArray();
        var view = new FeatureView("all_types", [RedisTestViews.Driver], schema, new ParquetSource("."));
        var values = cases.Select(static c => FeastVectorTests.ToClr(c.GetProperty("kind").GetString()!, c.GetProperty("value"))).ToArray();
        var options = RedisTestViews.Options(redis);
        options.HgetallFieldThreshold = hgetall ? 2 : null;
        await using var store = new RedisOnlineStore(options);

        (await store.WriteBatchAsync(view, [new OnlineWriteRow([7L], values, T0)], ct)).Should().Be(1);
        var read = await store.ReadAsync(view, [[7L]], schema.Select(static f => f.Name).ToArray(), ct);

        for (var i = 0; i < cases.Length; i++)
        {
            var because = $"{cases[i].GetProperty("kind").GetString()} {cases[i].GetProperty("value")}";
            var stored = (byte[]?)await Raw.HashGetAsync(store.RedisKey(view, [7L]), MurmurHash3.FeastFieldName("all_types", "f" + i));
            Convert.ToHexStringLower(stored!).Should().Be(cases[i].GetProperty("hex").GetString(), because);
            read[0][i].Status.Should().Be(values[i] is null ? FeatureStatus.NullValue : FeatureStatus.Present, because);
            read[0][i].EventTimestamp.Should().Be(T0);
            if (values[i] is float f && float.IsNaN(f))
            {
                read[0][i].Value.Should().Be(float.NaN);
            }
            else
            {
                read[0][i].Value.Should().BeEquivalentTo(values[i], o => o.WithStrictOrdering(), because);
                read[0][i].Value?.GetType().Should().Be(values[i]!.GetType(), because);
            }
        }

        var ts = (byte[]?)await Raw.HashGetAsync(store.RedisKey(view, [7L]), "_ts:all_types");
        FeastValueCodec.DecodeTimestamp(ts).Should().Be(T0);
        Convert.ToHexStringLower(ts!).Should().Be("08c0d490cd06", "Timestamp{seconds=1772366400} as Python protobuf serializes it");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ReadAsync_HashWrittenAsFeastWritesIt_ReadsValuesAndTimestamp(bool hgetall)
    {
        redis.SkipIfUnavailable();
        var ct = TestContext.Current.CancellationToken;

        // What Feast's online_write_batch leaves for driver 1001 in project my_project (bytes from the Python generator).
        var project = "feast_" + Guid.NewGuid().ToString("N");
        var key = Convert.FromHexString(Vectors.GetProperty("entity_keys")[0].GetProperty("v3").GetString()!).Concat(System.Text.Encoding.UTF8.GetBytes(project)).ToArray();
        var fields = Vectors.GetProperty("fields");
        await Raw.HashSetAsync(key,
        [
            new HashEntry(Convert.FromHexString(fields[0].GetProperty("field").GetString()!), Convert.FromHexString(Hex("float", 0.5))),
            new HashEntry(Convert.FromHexString(fields[2].GetProperty("field").GetString()!), Convert.FromHexString(Hex("int64", 308))),
            new HashEntry(Convert.FromHexString(fields[1].GetProperty("field").GetString()!), Array.Empty<byte>()),
            new HashEntry(Convert.FromHexString(fields[0].GetProperty("ts_field").GetString()!), Convert.FromHexString(Vectors.GetProperty("timestamps")[0].GetProperty("hex").GetString()!)),
        ]);
        var options = RedisTestViews.Options(redis, project);
        options.HgetallFieldThreshold = hgetall ? 1 : null;
        await using var store = new RedisOnlineStore(options);

        var read = await store.ReadAsync(RedisTestViews.Drivers(), [[1001L], [1002L]], ["avg_daily_trips", "conv_rate", "acc_rate"], ct);

        var at = DateTimeOffset.FromUnixTimeSeconds(1700000000);
        read[0].Should().Equal(new OnlineFeatureValue(308L, FeatureStatus.Present, at), new OnlineFeatureValue(0.5f, FeatureStatus.Present, at), new OnlineFeatureValue(null, FeatureStatus.NullValue, at));
        read[1].Should().AllSatisfy(static v => v.Status.Should().Be(FeatureStatus.NotFound));
    }

    [Fact]
    public async Task ReadAsync_Version2Keys_ReadsWhatAnOlderFeastWrote()
    {
        redis.SkipIfUnavailable();
        var ct = TestContext.Current.CancellationToken;
        var project = "feast_v2_" + Guid.NewGuid().ToString("N");
        var v2 = Convert.FromHexString(Vectors.GetProperty("entity_keys")[0].GetProperty("v2").GetString()!).Concat(System.Text.Encoding.UTF8.GetBytes(project)).ToArray();
        await Raw.HashSetAsync(v2,
        [
            new HashEntry(MurmurHash3.FeastFieldName("driver_hourly_stats", "avg_daily_trips"), Convert.FromHexString(Hex("int64", 308))),
            new HashEntry("_ts:driver_hourly_stats", Convert.FromHexString(Vectors.GetProperty("timestamps")[0].GetProperty("hex").GetString()!)),
        ]);
        var options = RedisTestViews.Options(redis, project);
        options.EntityKeySerializationVersion = 2;
        await using var store = new RedisOnlineStore(options);

        var read = await store.ReadAsync(RedisTestViews.Drivers(), [[1001L]], ["avg_daily_trips"], ct);
        var write = async () => await store.WriteBatchAsync(RedisTestViews.Drivers(), [new OnlineWriteRow([1L], [0f, 0f, 0L], T0)], ct);

        read[0][0].Should().Be(new OnlineFeatureValue(308L, FeatureStatus.Present, DateTimeOffset.FromUnixTimeSeconds(1700000000)));
        await write.Should().ThrowAsync<FeatureStoreException>().WithMessage("*version 3*");
    }

    [Fact]
    public async Task WriteBatchAsync_EightConcurrentWriters_NewestEventTimeWins()
    {
        redis.SkipIfUnavailable();
        var ct = TestContext.Current.CancellationToken;
        var project = "race_" + Guid.NewGuid().ToString("N");
        var view = RedisTestViews.Drivers();
        const int Writers = 8;
        const int RowsPerWriter = 200;
        const int Keys = 5;

        // Every writer has its own connection and writes every key with event times drawn from one shuffled sequence:
        // writer w writes times w, w + 8, w + 16, ... in a shuffled order. The value encodes the time, so the final
        // state must be the row with the greatest time (8 * 200 - 1), whatever the interleaving.
        var stores = Enumerable.Range(0, Writers).Select(_ => new RedisOnlineStore(RedisTestViews.Options(redis, project))).ToArray();
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var written = new int[Writers];
        var tasks = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            var order = Enumerable.Range(0, RowsPerWriter).Select(i => (i * Writers) + w).OrderBy(_ => Random.Shared.Next()).ToArray();
            await start.Task;
            foreach (var t in order)
            {
                var rows = Enumerable.Range(0, Keys).Select(k => new OnlineWriteRow([(long)k], [t / 10f, (float)t, (long)t], T0.AddMilliseconds(t))).ToArray();
                written[w] += await stores[w].WriteBatchAsync(view, rows, ct);
            }
        }, ct)).ToArray();
        start.SetResult();
        await Task.WhenAll(tasks);

        var read = await stores[0].ReadAsync(view, Enumerable.Range(0, Keys).Select(static k => (IReadOnlyList<object>)[(long)k]).ToArray(), ["avg_daily_trips", "acc_rate"], ct);
        const int Newest = (Writers * RowsPerWriter) - 1;
        read.Should().AllSatisfy(r =>
        {
            r[0].Should().Be(new OnlineFeatureValue((long)Newest, FeatureStatus.Present, T0.AddMilliseconds(Newest)));
            r[1].Value.Should().Be((float)Newest, "all fields of a row are written together");
        });
        written.Sum().Should().BeGreaterThanOrEqualTo(Keys).And.BeLessThanOrEqualTo(Writers * RowsPerWriter * Keys);
        (await stores[0].WriteBatchAsync(view, [new OnlineWriteRow([0L], [0f, 0f, 0L], T0.AddMilliseconds(Newest))], ct)).Should().Be(0, "an equal time never overwrites");
        foreach (var s in stores)
        {
            await s.DisposeAsync();
        }
    }

    [Fact]
    public async Task WriteBatchAsync_KeyTtl_SetsExpiryOnTheEntityHash()
    {
        redis.SkipIfUnavailable();
        var ct = TestContext.Current.CancellationToken;
        var options = RedisTestViews.Options(redis);
        options.KeyTtl = TimeSpan.FromSeconds(30);
        await using var store = new RedisOnlineStore(options);
        await using var noTtl = new RedisOnlineStore(RedisTestViews.Options(redis));
        var view = RedisTestViews.Drivers();

        await store.WriteBatchAsync(view, [new OnlineWriteRow([1L], [0.1f, 0.2f, 3L], T0)], ct);
        await noTtl.WriteBatchAsync(view, [new OnlineWriteRow([1L], [0.1f, 0.2f, 3L], T0)], ct);

        var ttl = await Raw.KeyTimeToLiveAsync(store.RedisKey(view, [1L]));
        ttl.Should().NotBeNull().And.BeGreaterThan(TimeSpan.FromSeconds(25)).And.BeLessThanOrEqualTo(TimeSpan.FromSeconds(30));
        (await Raw.KeyTimeToLiveAsync(noTtl.RedisKey(view, [1L]))).Should().BeNull();
    }

    [Fact]
    public async Task DeleteAsync_TwoViewsShareTheHash_DeletesOnlyOneView()
    {
        redis.SkipIfUnavailable();
        var ct = TestContext.Current.CancellationToken;
        await using var store = new RedisOnlineStore(RedisTestViews.Options(redis));
        var a = RedisTestViews.Drivers("view_a");
        var b = RedisTestViews.Drivers("view_b");
        await store.WriteBatchAsync(a, [new OnlineWriteRow([1L], [0.1f, 0.2f, 1L], T0), new OnlineWriteRow([2L], [0.1f, 0.2f, 2L], T0)], ct);
        await store.WriteBatchAsync(b, [new OnlineWriteRow([1L], [0.5f, 0.6f, 10L], T0)], ct);

        await store.DeleteAsync(a, null, ct);

        (await store.ReadAsync(a, [[1L], [2L]], ["avg_daily_trips"], ct)).Should().AllSatisfy(static r => r[0].Status.Should().Be(FeatureStatus.NotFound));
        (await store.ReadAsync(b, [[1L]], ["avg_daily_trips"], ct))[0][0].Value.Should().Be(10L);
        (await Raw.HashLengthAsync(store.RedisKey(b, [1L]))).Should().Be(4, "view_b's three fields and its _ts remain");
        (await Raw.KeyExistsAsync(store.RedisKey(a, [2L]))).Should().BeFalse("a hash left with no view is removed");
    }

    [Fact]
    public async Task ReadAsync_HgetallOverHashSharedByTwoViews_PicksOnlyTheRequestedView()
    {
        redis.SkipIfUnavailable();
        var ct = TestContext.Current.CancellationToken;
        var options = RedisTestViews.Options(redis);
        options.HgetallFieldThreshold = 1;
        await using var store = new RedisOnlineStore(options);
        var a = RedisTestViews.Drivers("view_a");
        var b = RedisTestViews.Drivers("view_b");
        await store.WriteBatchAsync(a, [new OnlineWriteRow([1L], [0.1f, 0.2f, 1L], T0)], ct);
        await store.WriteBatchAsync(b, [new OnlineWriteRow([1L], [0.5f, 0.6f, 10L], T0.AddHours(1))], ct);

        var readA = await store.ReadAsync(a, [[1L]], ["avg_daily_trips", "acc_rate"], ct);
        var readB = await store.ReadAsync(b, [[1L]], ["acc_rate"], ct);

        readA[0].Should().Equal(new OnlineFeatureValue(1L, FeatureStatus.Present, T0), new OnlineFeatureValue(0.2f, FeatureStatus.Present, T0));
        readB[0].Should().Equal(new OnlineFeatureValue(0.6f, FeatureStatus.Present, T0.AddHours(1)));
    }

    [Fact]
    public async Task ReadAsync_SameListChangedBetweenCalls_ReadsTheNewFeatures()
    {
        redis.SkipIfUnavailable();
        var ct = TestContext.Current.CancellationToken;
        await using var store = new RedisOnlineStore(RedisTestViews.Options(redis));
        var view = RedisTestViews.Drivers();
        await store.WriteBatchAsync(view, [new OnlineWriteRow([1L], [0.5f, 0.25f, 9L], T0)], ct);
        string[] features = ["conv_rate", "avg_daily_trips"];

        var first = await store.ReadAsync(view, [[1L]], features, ct);
        features[0] = "acc_rate";
        var second = await store.ReadAsync(view, [[1L]], features, ct);

        first[0].Select(static v => v.Value).Should().Equal(0.5f, 9L);
        second[0].Select(static v => v.Value).Should().Equal(0.25f, 9L);
    }

    [Fact]
    public async Task DeleteAsync_WholeViewWithGlobCharactersInProject_LeavesOtherProjects()
    {
        redis.SkipIfUnavailable();
        var ct = TestContext.Current.CancellationToken;
        var suffix = Guid.NewGuid().ToString("N");
        await using var star = new RedisOnlineStore(RedisTestViews.Options(redis, "a*[b]?" + suffix));
        await using var other = new RedisOnlineStore(RedisTestViews.Options(redis, "aX[b]?" + suffix));
        await using var longer = new RedisOnlineStore(RedisTestViews.Options(redis, "zz_a*[b]?" + suffix));
        var view = RedisTestViews.Drivers();
        foreach (var s in new[] { star, other, longer })
        {
            await s.WriteBatchAsync(view, [new OnlineWriteRow([1L], [0.5f, 0.25f, 9L], T0)], ct);
        }

        await star.DeleteAsync(view, null, ct);

        (await star.ReadAsync(view, [[1L]], ["avg_daily_trips"], ct))[0][0].Status.Should().Be(FeatureStatus.NotFound);
        (await other.ReadAsync(view, [[1L]], ["avg_daily_trips"], ct))[0][0].Status.Should().Be(FeatureStatus.Present);
        (await longer.ReadAsync(view, [[1L]], ["avg_daily_trips"], ct))[0][0].Status.Should().Be(FeatureStatus.Present, "a project that merely ends with the same name is another project");
    }

    [Fact]
    public async Task Constructor_ExistingConnection_UsedAndLeftOpen()
    {
        redis.SkipIfUnavailable();
        var ct = TestContext.Current.CancellationToken;
        var store = new RedisOnlineStore(_raw!, new RedisOnlineStoreOptions { Project = "shared_" + Guid.NewGuid().ToString("N") });
        var view = RedisTestViews.Drivers();

        await store.WriteBatchAsync(view, [new OnlineWriteRow([1L], [0.5f, 0.25f, 9L], T0)], ct);
        var read = await store.ReadAsync(view, [[1L]], ["avg_daily_trips"], ct);
        await store.DisposeAsync();

        read[0][0].Value.Should().Be(9L);
        _raw!.IsConnected.Should().BeTrue("the caller owns the connection it passed in");
    }

    [Fact]
    public async Task Watermarks_SetThenGet_RoundTrip()
    {
        redis.SkipIfUnavailable();
        var ct = TestContext.Current.CancellationToken;
        await using var store = new RedisOnlineStore(RedisTestViews.Options(redis));

        (await store.GetWatermarkAsync("v", ct)).Should().BeNull();
        await store.SetWatermarkAsync("v", T0.AddTicks(1), ct);
        (await store.GetWatermarkAsync("v", ct)).Should().Be(T0.AddTicks(1));
    }

    [Fact]
    public async Task AddFeatureStore_UseRedisOnlineStore_ResolvesRedisForOnlineAndWatermarks()
    {
        redis.SkipIfUnavailable();
        var ct = TestContext.Current.CancellationToken;
        var view = RedisTestViews.Drivers();
        var catalogue = new FeatureCatalogue().Add(RedisTestViews.Driver).Add(view);
        var time = new FakeTimeProvider(T0);
        var services = new ServiceCollection().AddSingleton<TimeProvider>(time);
        services.AddMLOps().AddFeatureStore(o => o.UseCatalogue(catalogue).UseRedisOnlineStore(r => r.Use("di_" + Guid.NewGuid().ToString("N"), redis.Configuration)));
        await using var provider = services.BuildServiceProvider();

        var online = provider.GetRequiredService<IOnlineStore>();
        provider.GetRequiredService<IMaterializationWatermarkStore>().Should().BeSameAs(online);
        online.Should().BeOfType<RedisOnlineStore>();
        await online.WriteBatchAsync(view, [new OnlineWriteRow([5L], [0.5f, 0.25f, 9L], T0)], ct);
        var response = await provider.GetRequiredService<IOnlineFeatureReader>().GetOnlineFeaturesAsync(new OnlineFeaturesRequest
        {
            Features = ["driver_hourly_stats:avg_daily_trips"],
            Entities = new Dictionary<string, IReadOnlyList<object?>> { ["driver_id"] = [5L] },
        }, ct);

        response.Column("avg_daily_trips").Values.Should().Equal(9L);
    }

    [Fact]
    public void UseRedisOnlineStore_NoProject_FailsAtConfiguration()
    {
        var use = () => new FeatureStoreOptions().UseRedisOnlineStore(static r => r.Endpoints.Add("localhost:6379"));

        use.Should().Throw<ArgumentException>().WithMessage("*Project*");
    }

    private static string Hex(string kind, object value) => Vectors.GetProperty("values").EnumerateArray()
        .First(c => c.GetProperty("kind").GetString() == kind && c.GetProperty("value").ToString() == Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture))
        .GetProperty("hex").GetString()!;

    private static FeatureValueType SchemaType(string kind) => kind switch
    {
        "int32" => FeatureValueType.Int32,
        "int64" => FeatureValueType.Int64,
        "float" => FeatureValueType.Float32,
        "double" => FeatureValueType.Float64,
        "bool" => FeatureValueType.Bool,
        _ => FeatureValueType.String,
    };
}
