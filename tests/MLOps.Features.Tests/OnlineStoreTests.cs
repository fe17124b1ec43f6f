using MLOps.Features.Online;

namespace MLOps.Features.Tests;

public sealed class OnlineStoreTests : OnlineStoreContractTests, IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    protected override IOnlineStore CreateStore() => new SqliteOnlineStore(_dir.Combine("online.db"), Time);

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
