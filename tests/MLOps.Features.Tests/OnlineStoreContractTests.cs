using Microsoft.Extensions.Time.Testing;
using MLOps.Features.Online;

namespace MLOps.Features.Tests;

/// <summary>
/// The <see cref="IOnlineStore"/> contract, run against every store: SQLite here (<see cref="OnlineStoreTests"/>), Redis
/// in MLOps.Features.Redis.Tests, which links this file. Depends only on MLOps.Features, xunit and AwesomeAssertions.
/// </summary>
public abstract class OnlineStoreContractTests
{
    protected static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly Entity ContractDriver = new("driver", "driver_id", FeatureValueType.Int64);

    /// <summary>Gets the clock the store under test must use for TTL statuses.</summary>
    protected FakeTimeProvider Time { get; } = new(T0);

    internal static FeatureView DriverView(string root, TimeSpan ttl) => new("driver_hourly_stats", [ContractDriver],
        [new FeatureField("conv_rate", FeatureValueType.Float32), new FeatureField("avg_daily_trips", FeatureValueType.Int64), new FeatureField("name", FeatureValueType.String), new FeatureField("active", FeatureValueType.Bool)],
        new ParquetSource(root), ttl: ttl);

    /// <summary>Creates an empty store that reads <see cref="Time"/>; each call of a test gets the same store.</summary>
    protected abstract IOnlineStore CreateStore();

    [Fact]
    public async Task ReadAsync_StoredNullAndMissing_ReportsPresentNullValueNotFound()
    {
        var store = CreateStore();
        var view = DriverView(".", TimeSpan.FromHours(1));
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
        var store = CreateStore();
        var view = DriverView(".", TimeSpan.FromHours(1));
        await store.WriteBatchAsync(view, [new OnlineWriteRow([1L], [0.25f, 3L, "a", false], T0)], TestContext.Current.CancellationToken);

        Time.Advance(TimeSpan.FromHours(1));
        var atEdge = await store.ReadAsync(view, [[1L]], ["avg_daily_trips"], TestContext.Current.CancellationToken);
        Time.Advance(TimeSpan.FromTicks(10));
        var past = await store.ReadAsync(view, [[1L]], ["avg_daily_trips"], TestContext.Current.CancellationToken);

        atEdge[0][0].Status.Should().Be(FeatureStatus.Present, "now - event_ts == ttl is still inside (Feast's Go server uses >)");
        past[0][0].Should().Be(new OnlineFeatureValue(3L, FeatureStatus.OutsideMaxAge, T0));
    }

    [Fact]
    public async Task ReadAsync_ZeroTtl_NeverExpires()
    {
        var store = CreateStore();
        var view = DriverView(".", TimeSpan.Zero);
        await store.WriteBatchAsync(view, [new OnlineWriteRow([1L], [0.25f, 3L, "a", false], T0)], TestContext.Current.CancellationToken);
        Time.Advance(TimeSpan.FromDays(3650));

        (await store.ReadAsync(view, [[1L]], ["name"], TestContext.Current.CancellationToken))[0][0].Status.Should().Be(FeatureStatus.Present);
    }

    [Fact]
    public async Task WriteBatchAsync_OlderOrEqualEventTime_IsIgnored()
    {
        var store = CreateStore();
        var view = DriverView(".", TimeSpan.Zero);
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
    public async Task WriteBatchAsync_NewerEventTime_Replaces()
    {
        var store = CreateStore();
        var view = DriverView(".", TimeSpan.Zero);
        var ct = TestContext.Current.CancellationToken;
        await store.WriteBatchAsync(view, [new OnlineWriteRow([1L], [0.1f, 1L, "first", true], T0)], ct);

        var newer = await store.WriteBatchAsync(view, [new OnlineWriteRow([1L], [0.2f, 2L, "second", false], T0.AddTicks(10))], ct);

        newer.Should().Be(1);
        var read = await store.ReadAsync(view, [[1L]], ["name", "active"], ct);
        read[0].Select(static v => v.Value).Should().Equal("second", false);
        read[0][0].EventTimestamp.Should().Be(T0.AddTicks(10), "sub-second event times are kept");
    }

    [Fact]
    public async Task ReadAsync_UnknownFeature_ThrowsDefinitionError()
    {
        var store = CreateStore();
        var view = DriverView(".", TimeSpan.Zero);

        var read = async () => await store.ReadAsync(view, [[1L]], ["nope"], TestContext.Current.CancellationToken);

        await read.Should().ThrowAsync<FeatureDefinitionException>().WithMessage("*nope*");
    }

    [Fact]
    public async Task DeleteAsync_OneEntityThenView_RemovesOnlyThat()
    {
        var store = CreateStore();
        var view = DriverView(".", TimeSpan.Zero);
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
}
