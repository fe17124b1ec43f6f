namespace MLOps.Features.Tests;

public sealed class CatalogueTests
{
    [Fact]
    public void Diff_ChangedTtlAddedServiceRemovedView_ListsEachChange()
    {
        var applied = PointInTimeOracleTests.Catalogue("/data");
        var json = applied.ToJson();
        var next = new FeatureCatalogue()
            .Add(new FeatureView("driver_stats", [PointInTimeOracleTests.Driver],
                [new FeatureField("conv_rate", FeatureValueType.Float32), new FeatureField("trips", FeatureValueType.Int64), new FeatureField("label", FeatureValueType.String)],
                new ParquetSource(Path.Combine("/data", "driver_stats"), CreatedTimestampColumn: "created"), ttl: TimeSpan.FromHours(3)))
            .Add(new FeatureView("customer_profile", [PointInTimeOracleTests.Customer],
                [new FeatureField("score", FeatureValueType.Float64), new FeatureField("segment", FeatureValueType.String)],
                new ParquetSource(Path.Combine("/data", "customer_profile"))));
        next.Add(new FeatureService("model_v1", ["driver_stats:conv_rate", "customer_profile:score"]));

        var changes = next.Diff(json);

        changes.Should().Equal(
            new CatalogueChange(CatalogueChangeKind.Added, "feature_service", "model_v1"),
            new CatalogueChange(CatalogueChangeKind.Changed, "feature_view", "driver_stats"),
            new CatalogueChange(CatalogueChangeKind.Removed, "feature_view", "pair_stats"));
        applied.Diff(json).Should().BeEmpty();
        json.Should().Contain("\"ttl_seconds\": 7200").And.Contain("\"created_timestamp_column\": \"created\"");
    }

    [Fact]
    public void Add_UnknownReferenceOrDuplicate_Throws()
    {
        var c = PointInTimeOracleTests.Catalogue("/data");

        c.Invoking(static x => x.Add(new FeatureService("s", ["driver_stats:nope"]))).Should().Throw<FeatureDefinitionException>().WithMessage("*nope*");
        c.Invoking(static x => x.Add(new FeatureService("s", ["bad-ref"]))).Should().Throw<FeatureDefinitionException>().WithMessage("*view:feature*");
        c.Invoking(static x => x.Add(new FeatureView("driver_stats", [PointInTimeOracleTests.Driver], [new FeatureField("a", FeatureValueType.Int64)], new ParquetSource("."))))
            .Should().Throw<FeatureDefinitionException>().WithMessage("*already registered*");
    }
}
