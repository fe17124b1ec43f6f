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
}
