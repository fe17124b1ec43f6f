using System.Text.Json;
using MLOps.Drift.Statistics;

namespace MLOps.Drift.Tests;

/// <summary>The Kolmogorov, Smirnov and chi-squared distributions against SciPy 1.10 over grids covering every branch.</summary>
public sealed class DistributionParityTests
{
    [Fact]
    public void KolmogorovSf_GridOverAllBranches_MatchesScipyKstwo()
    {
        int count = 0;
        foreach (JsonElement row in ReferenceData.Root.GetProperty("kstwo").EnumerateArray())
        {
            long n = row[0].GetInt64();
            double x = ReferenceData.Number(row[1]);
            double sf = ReferenceData.Number(row[2]);
            double cdf = ReferenceData.Number(row[3]);
            ParityTests.AssertPValue(KolmogorovDistribution.Sf(n, x), sf, $"kstwo.sf({x:R}, {n})");

            // The CDF of a near-one probability is compared the same way: 1e-9 relative or 1e-15 absolute.
            ParityTests.AssertPValue(KolmogorovDistribution.Cdf(n, x), cdf, $"kstwo.cdf({x:R}, {n})");
            count++;
        }

        count.Should().BeGreaterThan(500);
    }

    [Fact]
    public void SmirnovSf_Grid_MatchesScipySmirnov()
    {
        foreach (JsonElement row in ReferenceData.Root.GetProperty("smirnov").EnumerateArray())
        {
            int n = row[0].GetInt32();
            double x = ReferenceData.Number(row[1]);
            double expected = ReferenceData.Number(row[2]);
            ParityTests.AssertPValue(Smirnov.Sf(n, x), expected, $"smirnov({n}, {x:R})");
        }
    }

    [Fact]
    public void ChiSquareSf_Grid_MatchesScipyChi2()
    {
        foreach (JsonElement row in ReferenceData.Root.GetProperty("chi2").EnumerateArray())
        {
            double x = ReferenceData.Number(row[0]);
            int df = row[1].GetInt32();
            double expected = ReferenceData.Number(row[2]);
            ParityTests.AssertPValue(NumericHelpers.ChiSquareSf(x, df), expected, $"chi2.sf({x:R}, {df})");
        }
    }
}
