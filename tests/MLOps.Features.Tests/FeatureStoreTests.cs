using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using MLOps.Features.Offline;
using MLOps.Features.Online;
using Parquet.Schema;

namespace MLOps.Features.Tests;

public sealed class FeatureStoreTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static readonly OnDemandFeatureView Adjusted = new("adjusted", ["driver_stats:conv_rate", "driver_stats:trips"],
        [new FeatureField("boost", FeatureValueType.Float64)],
        [new FeatureField("score", FeatureValueType.Float64), new FeatureField("tier", FeatureValueType.String)],
        static row =>
        {
            var conv = row["conv_rate"] is float f ? f : 0f;
            var trips = row["trips"] is long t ? t : 0L;
            var boost = row["boost"] is double b ? b : 0d;
            return new Dictionary<string, object?>
            {
                ["score"] = (conv * 10.0) + boost + (trips / 1000.0),
                ["tier"] = trips > 500 ? "gold" : "basic",
            };
        });

    private async Task<FeatureCatalogue> WriteAsync()
    {
        var ids = new long[] { 1, 1, 2, 3 };
        var ts = new[] { TestData.Origin, TestData.Origin.AddHours(1), TestData.Origin.AddMinutes(30), TestData.Origin.AddMinutes(10) };
        await TestData.WriteAsync(_dir.Combine("driver_stats", "p.parquet"),
        [
            (new DataField<long>("driver_id"), ids),
            (TestData.Ts("event_timestamp"), ts),
            (TestData.Ts("created"), ts),
            (new DataField<float?>("conv_rate"), new float?[] { 0.1f, 0.2f, null, 0.4f }),
            (new DataField<long>("trips"), new long[] { 100, 900, 50, 700 }),
            (new DataField<string>("label"), new[] { "a", "b", "c", "d" }),
        ], 10);
        var catalogue = PointInTimeOracleTests.Catalogue(_dir.Path);
        catalogue.Add(Adjusted);
        catalogue.Add(new FeatureService("model_v1", ["driver_stats:conv_rate", "adjusted:score", "adjusted:tier"]));
        return catalogue;
    }

    [Fact]
    public async Task OnDemandView_SameEntitiesOfflineAndOnline_GivesIdenticalValues()
    {
        var catalogue = await WriteAsync();
        var now = new DateTimeOffset(TestData.Origin.AddHours(1.5));
        var time = new FakeTimeProvider(now);
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(time);
        services.AddMLOps().AddFeatureStore(o => o.UseCatalogue(catalogue).UseSqlite(_dir.Combine("online.db")));
        await using var provider = services.BuildServiceProvider();
        var store = provider.GetRequiredService<FeatureStore>();
        var ct = TestContext.Current.CancellationToken;
        await store.Materializer.MaterializeAsync(now.AddDays(-1), now, ["driver_stats"], cancellationToken: ct);

        var online = await provider.GetRequiredService<IOnlineFeatureReader>().GetOnlineFeaturesAsync(new OnlineFeaturesRequest
        {
            FeatureService = "model_v1",
            Entities = new Dictionary<string, IReadOnlyList<object?>> { ["driver_id"] = [1L, 2L, 3L, 4L], ["boost"] = [0.5, 1.0, 0.0, 2.0] },
        }, ct);
        var offline = await store.GetHistoricalFeaturesAsync(TestData.Batch(
                ("driver_id", TestData.Longs([1, 2, 3, 4])),
                ("boost", new Apache.Arrow.DoubleArray.Builder().Append(0.5).Append(1.0).Append(0.0).Append(2.0).Build()),
                ("event_timestamp", TestData.Timestamps(Enumerable.Repeat(now.UtcDateTime, 4)))),
            ["driver_stats:conv_rate", "adjusted:score", "adjusted:tier"], cancellationToken: ct);

        online.Column("driver_id").Values.Should().Equal(1L, 2L, 3L, 4L);
        foreach (var name in new[] { "conv_rate", "score", "tier" })
        {
            var col = offline.Batch.Column(name);
            var offlineValues = Enumerable.Range(0, 4).Select(i => PointInTimeOracleTests.Get(col, i)).ToArray();
            online.Column(name).Values.Should().Equal(offlineValues, $"'{name}' must not skew between training and serving");
        }

        online.Column("score").Values[0].Should().Be((0.2f * 10.0) + 0.5 + 0.9, "hand-computed from driver 1's newest row");
        online.Column("conv_rate").Statuses.Should().Equal(FeatureStatus.Present, FeatureStatus.NullValue, FeatureStatus.Present, FeatureStatus.NotFound);
        online.Column("tier").Values.Should().Equal("gold", "basic", "gold", "basic");
    }

    [Fact]
    public void AddFeatureStore_NoCatalogue_FailsValidationWithHint()
    {
        var services = new ServiceCollection();
        services.AddMLOps().AddFeatureStore();
        using var provider = services.BuildServiceProvider();

        var act = () => provider.GetRequiredService<IOptions<FeatureStoreOptions>>().Value;

        act.Should().Throw<OptionsValidationException>().WithMessage("*UseCatalogue*");
    }

    [Fact]
    public void AddFeatureStore_CalledTwiceDefaultPath_OneStoreUnderRoot()
    {
        var services = new ServiceCollection();
        services.AddMLOps().AddFeatureStore(o => o.UseCatalogue(new FeatureCatalogue())).AddFeatureStore();
        services.Configure<MLOps.MLOpsOptions>(o => o.RootDirectory = _dir.Path);
        using var provider = services.BuildServiceProvider();

        var sqlite = provider.GetRequiredService<SqliteOnlineStore>();

        provider.GetRequiredService<IOnlineStore>().Should().BeSameAs(sqlite);
        provider.GetRequiredService<IMaterializationWatermarkStore>().Should().BeSameAs(sqlite);
        sqlite.Path.Should().Be(Path.Combine(_dir.Path, "features", "online.db"));
        services.Count(static d => d.ServiceType == typeof(FeatureStore)).Should().Be(1);
    }
}
