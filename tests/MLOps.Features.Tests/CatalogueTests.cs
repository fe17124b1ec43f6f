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

    // Written by hand from the documented JSON shape, not produced by ToJson.
    private const string HandWritten = """
        {
          "entities": [
            { "name": "driver", "join_key": "driver_id", "value_type": "Int64" }
          ],
          "feature_views": [
            {
              "name": "driver_stats",
              "entities": [ "driver" ],
              "schema": [ { "name": "conv_rate", "dtype": "Float32" }, { "name": "trips", "dtype": "Int64" } ],
              "ttl_seconds": 7200,
              "online": false,
              "source": {
                "path": "/data/driver_stats",
                "timestamp_field": "ts",
                "created_timestamp_column": "created",
                "field_mapping": { "conv": "conv_rate" }
              },
              "tags": { "team": "risk" }
            }
          ],
          "on_demand_feature_views": [
            {
              "name": "doubled",
              "inputs": [ "driver_stats:trips" ],
              "request_fields": [ { "name": "bonus", "dtype": "Int64" } ],
              "schema": [ { "name": "trips2", "dtype": "Int64" } ]
            }
          ],
          "feature_services": [
            { "name": "model_v1", "features": [ "driver_stats:conv_rate", "doubled:trips2" ] }
          ]
        }
        """;

    private static readonly Dictionary<string, Func<IReadOnlyDictionary<string, object?>, IReadOnlyDictionary<string, object?>>> Transforms = new()
    {
        ["doubled"] = static row => new Dictionary<string, object?> { ["trips2"] = ((long)row["trips"]! * 2) + (long)row["bonus"]! },
    };

    [Fact]
    public void FromJson_HandWrittenCatalogue_RebuildsEveryDefinition()
    {
        var c = FeatureCatalogue.FromJson(HandWritten, Transforms);

        c.Entities.Should().Equal(new Entity("driver", "driver_id", FeatureValueType.Int64));
        var v = c.GetFeatureView("driver_stats");
        v.Entities.Should().Equal(new Entity("driver", "driver_id", FeatureValueType.Int64));
        v.Schema.Should().Equal(new FeatureField("conv_rate", FeatureValueType.Float32), new FeatureField("trips", FeatureValueType.Int64));
        v.Ttl.Should().Be(TimeSpan.FromHours(2));
        v.Online.Should().BeFalse();
        v.Tags.Should().Equal(new Dictionary<string, string> { ["team"] = "risk" });
        v.Source.Path.Should().Be("/data/driver_stats");
        v.Source.TimestampField.Should().Be("ts");
        v.Source.CreatedTimestampColumn.Should().Be("created");
        v.Source.SourceColumn("conv_rate").Should().Be("conv", "the field mapping renames source column 'conv' to feature 'conv_rate'");
        v.Source.SourceColumn("trips").Should().Be("trips");
        var odfv = c.FindOnDemand("doubled")!;
        odfv.Inputs.Should().Equal("driver_stats:trips");
        odfv.RequestFields.Should().Equal(new FeatureField("bonus", FeatureValueType.Int64));
        odfv.Transform(new Dictionary<string, object?> { ["trips"] = 20L, ["bonus"] = 1L })["trips2"].Should().Be(41L);
        c.GetFeatureService("model_v1").Features.Should().Equal("driver_stats:conv_rate", "doubled:trips2");
    }

    [Fact]
    public void FromJson_RoundTrip_SameJsonAndNoDiff()
    {
        var original = FeatureCatalogue.FromJson(HandWritten, Transforms);
        var json = original.ToJson();

        var rebuilt = FeatureCatalogue.FromJson(json, Transforms);

        rebuilt.ToJson().Should().Be(json);
        rebuilt.Diff(original).Should().BeEmpty();
        PointInTimeOracleTests.Catalogue("/data").Diff(FeatureCatalogue.FromJson(PointInTimeOracleTests.Catalogue("/data").ToJson())).Should().BeEmpty();
    }

    [Fact]
    public void FromJson_MissingTransformOrUnknownEntityOrBadType_ThrowsDefinitionError()
    {
        var noTransform = () => FeatureCatalogue.FromJson(HandWritten);
        var unknownEntity = () => FeatureCatalogue.FromJson(HandWritten.Replace("\"entities\": [ \"driver\" ]", "\"entities\": [ \"rider\" ]", StringComparison.Ordinal), Transforms);
        var badType = () => FeatureCatalogue.FromJson(HandWritten.Replace("\"Float32\"", "\"Float16\"", StringComparison.Ordinal), Transforms);
        var notJson = () => FeatureCatalogue.FromJson("{ nope", Transforms);

        noTransform.Should().Throw<FeatureDefinitionException>().WithMessage("*'doubled'*transform*");
        unknownEntity.Should().Throw<FeatureDefinitionException>().WithMessage("*'rider'*");
        badType.Should().Throw<FeatureDefinitionException>().WithMessage("*'Float16'*");
        notJson.Should().Throw<FeatureDefinitionException>().WithMessage("*not valid JSON*");
    }

    [Fact]
    public void FeatureView_FieldMappingOntoJoinKeyOrTwoColumnsOntoOneFeature_Throws()
    {
        var onKey = () => new FeatureView("v", [PointInTimeOracleTests.Driver], [new FeatureField("a", FeatureValueType.Int64)],
            new ParquetSource(".", FieldMapping: new Dictionary<string, string> { ["id"] = "driver_id" }));
        var twice = () => new FeatureView("v", [PointInTimeOracleTests.Driver], [new FeatureField("a", FeatureValueType.Int64)],
            new ParquetSource(".", FieldMapping: new Dictionary<string, string> { ["x"] = "a", ["y"] = "a" }));

        onKey.Should().Throw<FeatureDefinitionException>().WithMessage("*feature columns only*");
        twice.Should().Throw<FeatureDefinitionException>().WithMessage("*two source columns*");
    }
}
