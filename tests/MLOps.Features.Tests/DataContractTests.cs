using Apache.Arrow;
using Microsoft.Extensions.Time.Testing;
using MLOps.Features.Contracts;

namespace MLOps.Features.Tests;

public sealed class DataContractTests
{
    [Fact]
    public void Validate_SeveralBrokenChecks_ReportsEveryViolation()
    {
        var rate = new DoubleArray.Builder().Append(0.5).Append(1.5).AppendNull().Append(-0.1).Build();
        var batch = TestData.Batch(
            ("driver_id", TestData.Longs([1, 2, 2, 3])),
            ("rate", rate),
            ("segment", TestData.Strings(["a", "b", "z", "a"])),
            ("event_timestamp", TestData.Timestamps([TestData.Origin, TestData.Origin.AddHours(1), TestData.Origin, TestData.Origin])));
        var contract = new DataContract("drivers", [
            new ColumnRule { Name = "driver_id", Type = FeatureValueType.Int64, Nullable = false, Unique = true },
            new ColumnRule { Name = "rate", Type = FeatureValueType.Float64, Nullable = false, Min = 0, Max = 1 },
            new ColumnRule { Name = "segment", AllowedValues = new HashSet<string> { "a", "b" } },
            new ColumnRule { Name = "trips", Type = FeatureValueType.Int64 },
            new ColumnRule { Name = "segment", Type = FeatureValueType.Int32 },
        ], new FreshnessRule("event_timestamp", TimeSpan.FromHours(2)));

        var report = contract.Validate(batch, new FakeTimeProvider(new DateTimeOffset(TestData.Origin.AddHours(4))));

        report.IsValid.Should().BeFalse();
        report.Violations.Select(static v => (v.Column, v.Check, v.Row)).Should().Equal(
            ("driver_id", "unique", 2),
            ("rate", "range", 1),
            ("rate", "not_null", 2),
            ("rate", "range", 3),
            ("segment", "allowed_values", 2),
            ("trips", "missing", null),
            ("segment", "type", null),
            ("event_timestamp", "freshness", null));
        report.Invoking(static r => r.ThrowIfInvalid()).Should().Throw<DataContractException>().Which.Report.Should().BeSameAs(report);
    }

    [Fact]
    public void Validate_CleanBatchFromViewContract_IsValid()
    {
        var view = OnlineStoreTests.DriverView("/x", TimeSpan.Zero);
        var batch = TestData.Batch(
            ("driver_id", TestData.Longs([1, 2])),
            ("conv_rate", new FloatArray.Builder().Append(0.1f).AppendNull().Build()),
            ("avg_daily_trips", TestData.Longs([3, 4])),
            ("name", TestData.Strings(["a", "b"])),
            ("active", new BooleanArray.Builder().Append(true).Append(false).Build()));

        DataContract.ForView(view).Validate(batch).IsValid.Should().BeTrue();
    }

    [Fact]
    public async Task GetHistoricalFeaturesAsync_ContractOnTrainingSet_ThrowsListingTheUnmatchedRows()
    {
        using var dir = new TempDirectory();
        await TestData.WriteAsync(dir.Combine("v", "p.parquet"),
        [
            (new Parquet.Schema.DataField<long>("driver_id"), new long[] { 1, 2 }),
            (TestData.Ts("event_timestamp"), new[] { TestData.Origin, TestData.Origin }),
            (new Parquet.Schema.DataField<double>("rate"), new[] { 0.5, 0.7 }),
        ], 10);
        var view = new FeatureView("v", [PointInTimeOracleTests.Driver], [new FeatureField("rate", FeatureValueType.Float64)], new ParquetSource(dir.Combine("v")));
        var store = new MLOps.Features.Offline.ParquetOfflineStore(new FeatureCatalogue().Add(view));
        // Rows 1 (driver 3: no features) and 2 (before driver 1's only row) get no value.
        var entities = TestData.Batch(("driver_id", TestData.Longs([1, 3, 1, 2])),
            ("event_timestamp", TestData.Timestamps([TestData.Origin.AddHours(1), TestData.Origin.AddHours(1), TestData.Origin.AddHours(-1), TestData.Origin])));
        var options = new MLOps.Features.Offline.HistoricalRetrievalOptions
        {
            Contract = new DataContract("training", [new ColumnRule { Name = "rate", Nullable = false, Max = 0.6 }]),
        };

        var run = () => store.GetHistoricalFeaturesAsync(entities, ["v:rate"], options, TestContext.Current.CancellationToken);

        var report = (await run.Should().ThrowAsync<DataContractException>()).Which.Report;
        report.Violations.Select(static v => (v.Check, v.Row)).Should().Equal(("not_null", 1), ("not_null", 2), ("range", 3));
        options.Contract = null;
        (await store.GetHistoricalFeaturesAsync(entities, ["v:rate"], options, TestContext.Current.CancellationToken)).Batch.Length.Should().Be(4);
    }
}
