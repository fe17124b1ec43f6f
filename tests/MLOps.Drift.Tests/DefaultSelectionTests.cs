using System.Text.Json;

namespace MLOps.Drift.Tests;

/// <summary>Evidently's default test selection (drift.md §1.2), one row per branch.</summary>
public sealed class DefaultSelectionTests
{
    // Pure decision table: (kind, reference rows after cleaning, distinct values in ref ∪ cur) -> Evidently's choice.
    [Theory]
    [InlineData(ColumnKind.Numerical, 1000, 6, DriftMethod.KolmogorovSmirnov)]
    [InlineData(ColumnKind.Numerical, 1000, 5, DriftMethod.ChiSquare)]
    [InlineData(ColumnKind.Numerical, 1000, 3, DriftMethod.ChiSquare)]
    [InlineData(ColumnKind.Numerical, 1000, 2, DriftMethod.ZTest)]
    [InlineData(ColumnKind.Numerical, 1, 1, DriftMethod.ZTest)]
    [InlineData(ColumnKind.Categorical, 1000, 3, DriftMethod.ChiSquare)]
    [InlineData(ColumnKind.Categorical, 1000, 2, DriftMethod.ZTest)]
    [InlineData(ColumnKind.Categorical, 1000, 50, DriftMethod.ChiSquare)]
    [InlineData(ColumnKind.Numerical, 1001, 5, DriftMethod.JensenShannon)]
    [InlineData(ColumnKind.Numerical, 1001, 6, DriftMethod.Wasserstein)]
    [InlineData(ColumnKind.Categorical, 1001, 2, DriftMethod.JensenShannon)]
    [InlineData(ColumnKind.Categorical, 1001, 500, DriftMethod.JensenShannon)]
    public void Select_Branch_MatchesEvidentlyTable(ColumnKind kind, long referenceRows, int distinct, DriftMethod expected) =>
        DefaultDriftTest.Select(kind, referenceRows, distinct).Should().Be(expected);

    public static TheoryData<string> SelectionCases()
    {
        var data = new TheoryData<string>();
        foreach (JsonElement c in ReferenceData.Root.GetProperty("selection").EnumerateArray())
        {
            data.Add(c.GetProperty("name").GetString()!);
        }

        return data;
    }

    // Real data per branch (including unique values that only the current side has, and NaNs that push the
    // reference below 1000 rows): the choice, then the chosen test's value, against the Python port of
    // _get_default_stattest and SciPy.
    [Theory]
    [MemberData(nameof(SelectionCases))]
    public void Select_ReferenceDataset_ChoosesAndScoresLikeEvidently(string name)
    {
        JsonElement c = ReferenceData.Root.GetProperty("selection").EnumerateArray()
            .Single(e => e.GetProperty("name").GetString() == name);
        bool numeric = c.GetProperty("kind").GetString() == "num";
        ColumnSample reference = numeric
            ? ColumnSample.Numerical(ReferenceData.Numeric(c.GetProperty("ref"), c.GetProperty("ref_hash").GetString()!))
            : ColumnSample.Categorical(ReferenceData.Text(c.GetProperty("ref"), c.GetProperty("ref_hash").GetString()!));
        ColumnSample current = numeric
            ? ColumnSample.Numerical(ReferenceData.Numeric(c.GetProperty("cur"), c.GetProperty("cur_hash").GetString()!))
            : ColumnSample.Categorical(ReferenceData.Text(c.GetProperty("cur"), c.GetProperty("cur_hash").GetString()!));

        DriftMethod method = DefaultDriftTest.Select(reference, current);
        method.EvidentlyName().Should().Be(c.GetProperty("method").GetString());

        DatasetDriftResult result = DatasetDrift.Compute([new DriftColumnInput(name, reference, current)]);
        DriftTestResult test = result.Columns[0].Test;
        test.Method.Should().Be(method);
        test.Threshold.Should().Be(method.DefaultThreshold());
        ParityTests.AssertStatistic(test.Statistic, ReferenceData.Number(c.GetProperty("statistic")), name);
        if (c.GetProperty("pvalue").ValueKind != JsonValueKind.Null)
        {
            ParityTests.AssertPValue(test.PValue!.Value, ReferenceData.Number(c.GetProperty("pvalue")), name);
        }
        else
        {
            test.PValue.Should().BeNull();
        }

        test.Drifted.Should().Be(c.GetProperty("drifted").GetBoolean());
    }

    [Fact]
    public void Select_OnlyReferenceRowsCount_CurrentSizeIgnored()
    {
        // 1000 reference rows and 5000 current rows: still "small data" (Evidently looks at the reference only).
        double[] reference = [.. Enumerable.Range(0, 1000).Select(i => i * 0.5)];
        double[] current = [.. Enumerable.Range(0, 5000).Select(i => i * 0.1)];
        DefaultDriftTest.Select(ColumnSample.Numerical(reference), ColumnSample.Numerical(current))
            .Should().Be(DriftMethod.KolmogorovSmirnov);
    }
}
