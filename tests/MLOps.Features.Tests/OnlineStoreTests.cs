using Microsoft.Extensions.Time.Testing;
using MLOps.Features.Online;

namespace MLOps.Features.Tests;

public sealed class OnlineStoreTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new(T0);

    public void Dispose() => _dir.Dispose();

    internal static FeatureView DriverView(string root, TimeSpan ttl) => new("driver_hourly_stats", [PointInTimeOracleTests.Driver],
        [new FeatureField("conv_rate", FeatureValueType.Float32), new FeatureField("avg_daily_trips", FeatureValueType.Int64), new FeatureField("name", FeatureValueType.String), new FeatureField("active", FeatureValueType.Bool)],
        new ParquetSource(root), ttl: ttl);

    [Fact]
    public async Task ReadAsync_StoredNullAndMissing_ReportsPresentNullValueNotFound()
    {
        var store = new SqliteOnlineStore(_dir.Combine("online.db"), _time);
        var view = DriverView(_dir.Path, TimeSpan.FromHours(1));
        await store.WriteBatchAsync(view, [new OnlineWriteRow([1001L], [0.5f, 7L, null, true], T0.AddMinutes(-5))], TestContext.Current.CancellationToken);

        var result = await store.ReadAsync(view, [[1001L], [1002L]], ["avg_daily_trips", "name", "conv_rate", "active"], TestContext.Current.CancellationToken);

        result[0].Select(static v => v.Status).Should().Equal(FeatureStatus.Present, FeatureStatus.NullValue, FeatureStatus.Present, FeatureStatus.Present);
        result[0].Select(static v => v.Value).Should().Equal(7L, null, 0.5f, true);
        result[0][0].EventTimestamp.Should().Be(T0.AddMinutes(-5));
        result[1].Should().AllSatisfy(static v => v.Should().Be(new OnlineFeatureValue(null, FeatureStatus.NotFound, DateTimeOffset.UnixEpoch)));
    }

    [Fact]
    public async Task ReadAsync_ValueOlderThanTtl_OutsideMaxAgeButStillReturned()
    {
        var store = new SqliteOnlineStore(_dir.Combine("online.db"), _time);
        var view = DriverView(_dir.Path, TimeSpan.FromHours(1));
        await store.WriteBatchAsync(view, [new OnlineWriteRow([1L], [0.25f, 3L, "a", false], T0)], TestContext.Current.CancellationToken);

        _time.Advance(TimeSpan.FromHours(1));
        var atEdge = await store.ReadAsync(view, [[1L]], ["avg_daily_trips"], TestContext.Current.CancellationToken);
        _time.Advance(TimeSpan.FromTicks(10));
        var past = await store.ReadAsync(view, [[1L]], ["avg_daily_trips"], TestContext.Current.CancellationToken);

        atEdge[0][0].Status.Should().Be(FeatureStatus.Present, "now - event_ts == ttl is still inside (Feast's Go server uses >)");
        past[0][0].Should().Be(new OnlineFeatureValue(3L, FeatureStatus.OutsideMaxAge, T0));
    }

    [Fact]
    public async Task ReadAsync_ZeroTtl_NeverExpires()
    {
        var store = new SqliteOnlineStore(_dir.Combine("online.db"), _time);
        var view = DriverView(_dir.Path, TimeSpan.Zero);
        await store.WriteBatchAsync(view, [new OnlineWriteRow([1L], [0.25f, 3L, "a", false], T0)], TestContext.Current.CancellationToken);
        _time.Advance(TimeSpan.FromDays(3650));

        (await store.ReadAsync(view, [[1L]], ["name"], TestContext.Current.CancellationToken))[0][0].Status.Should().Be(FeatureStatus.Present);
    }

    [Fact]
    public async Task WriteBatchAsync_OlderOrEqualEventTime_IsIgnored()
    {
        var store = new SqliteOnlineStore(_dir.Combine("online.db"), _time);
        var view = DriverView(_dir.Path, TimeSpan.Zero);
        var ct = TestContext.Current.CancellationToken;
        (await store.WriteBatchAsync(view, [new OnlineWriteRow([1L], [0.1f, 1L, "new", true], T0)], ct)).Should().Be(1);

        var older = await store.WriteBatchAsync(view, [new OnlineWriteRow([1L], [0.9f, 9L, "old", false], T0.AddSeconds(-1))], ct);
        var equal = await store.WriteBatchAsync(view, [new OnlineWriteRow([1L], [0.8f, 8L, "same", false], T0)], ct);
        var inBatch = await store.WriteBatchAsync(view, [new OnlineWriteRow([2L], [0.3f, 3L, "b3", true], T0.AddSeconds(3)), new OnlineWriteRow([2L], [0.2f, 2L, "b2", true], T0.AddSeconds(2))], ct);

        older.Should().Be(0);
        equal.Should().Be(0);
        inBatch.Should().Be(1);
        var read = await store.ReadAsync(view, [[1L], [2L]], ["name"], ct);
        read[0][0].Value.Should().Be("new");
        read[1][0].Value.Should().Be("b3", "the newest row of a batch wins whatever its position");
    }

    [Fact]
    public async Task DeleteAsync_OneEntityThenView_RemovesOnlyThat()
    {
        var store = new SqliteOnlineStore(_dir.Combine("online.db"), _time);
        var view = DriverView(_dir.Path, TimeSpan.Zero);
        var ct = TestContext.Current.CancellationToken;
        await store.WriteBatchAsync(view, [new OnlineWriteRow([1L], [0.1f, 1L, "a", true], T0), new OnlineWriteRow([2L], [0.2f, 2L, "b", true], T0)], ct);

        await store.DeleteAsync(view, [[1L]], ct);
        var afterOne = await store.ReadAsync(view, [[1L], [2L]], ["name"], ct);
        await store.DeleteAsync(view, null, ct);
        var afterAll = await store.ReadAsync(view, [[2L]], ["name"], ct);

        afterOne[0][0].Status.Should().Be(FeatureStatus.NotFound);
        afterOne[1][0].Value.Should().Be("b");
        afterAll[0][0].Status.Should().Be(FeatureStatus.NotFound);
    }

    [Fact]
    public void Serialize_FeastWorkedExamples_MatchHandComputedBytes()
    {
        // Hex from feast.md §4.1, computed by hand from Feast's serialize_entity_key (v3).
        var driver = new FeatureView("v", [PointInTimeOracleTests.Driver], [new FeatureField("x", FeatureValueType.Int64)], new ParquetSource("."));
        Convert.ToHexStringLower(EntityKeySerializer.Serialize(driver, [1001L]))
            .Should().Be("01000000" + "02000000" + "09000000" + "6472697665725f6964" + "04000000" + "08000000" + "e903000000000000");
        var composite = new FeatureView("w", [new Entity("user", "user", FeatureValueType.Int64), new Entity("customer", "customer", FeatureValueType.String)],
            [new FeatureField("x", FeatureValueType.Int64)], new ParquetSource("."));
        Convert.ToHexStringLower(EntityKeySerializer.Serialize(composite, [32768L, "test"]))
            .Should().Be("02000000" + "0200000008000000637573746f6d6572" + "020000000400000075736572" + "020000000400000074657374" + "04000000080000000080000000000000");
    }
}
