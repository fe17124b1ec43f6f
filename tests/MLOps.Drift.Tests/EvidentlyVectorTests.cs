namespace MLOps.Drift.Tests;

/// <summary>
/// The test vectors of Evidently's own suite (tests/stattests/test_stattests.py) and drift.md §1.9, at
/// Evidently's tolerances; the exact SciPy values for the same data are in ParityTests.
/// </summary>
public sealed class EvidentlyVectorTests
{
    private static readonly string[] Row1Values = ["1", "2", "3", "4", "5", "6"];

    private static string?[] Repeat(int[] counts) =>
        [.. Row1Values.SelectMany((v, i) => Enumerable.Repeat<string?>(v, counts[i]))];

    private static double[] RepeatNumbers(int[] counts) =>
        [.. Enumerable.Range(1, 6).SelectMany(v => Enumerable.Repeat((double)v, counts[v - 1]))];

    [Fact]
    public void ChiSquare_EvidentlyRow1_PValue067309()
    {
        DriftTestResult r = DriftTests.Run(DriftMethod.ChiSquare, Repeat([16, 18, 16, 14, 12, 12]), Repeat([16, 16, 16, 16, 16, 8]), 0.5);
        r.PValue.Should().BeApproximately(0.67309, 1e-5);
        r.Statistic.Should().BeApproximately(3.1746, 1e-4);
        r.Drifted.Should().BeFalse();
    }

    [Fact]
    public void ChiSquare_ReferenceCountsDoubled_SamePValue()
    {
        DriftTestResult r = DriftTests.Run(DriftMethod.ChiSquare, Repeat([32, 36, 32, 28, 24, 24]), Repeat([16, 16, 16, 16, 16, 8]), 0.5);
        r.PValue.Should().BeApproximately(0.67309, 1e-5);
    }

    [Fact]
    public void Hellinger_EvidentlyRow1Categorical_006812()
    {
        DriftTestResult r = DriftTests.Run(DriftMethod.Hellinger, Repeat([16, 18, 16, 14, 12, 12]), Repeat([16, 16, 16, 16, 16, 8]));
        r.Statistic.Should().BeApproximately(0.06812, 1e-5);
        r.Drifted.Should().BeFalse();
    }

    [Fact]
    public void GTest_EvidentlyAbc_PValue08176()
    {
        string?[] reference = [.. Enumerable.Repeat<string?>("a", 5), .. Enumerable.Repeat<string?>("b", 5), .. Enumerable.Repeat<string?>("c", 8)];
        string?[] current = [.. Enumerable.Repeat<string?>("a", 4), .. Enumerable.Repeat<string?>("b", 6), .. Enumerable.Repeat<string?>("c", 8)];
        DriftTestResult r = DriftTests.Run(DriftMethod.GTest, reference, current, 0.5);
        r.PValue.Should().BeApproximately(0.8176, 1e-3);
        r.Statistic.Should().BeApproximately(0.40271, 1e-5);
    }

    [Fact]
    public void GTest_DifferentSizes_RescalesInsteadOfFailing()
    {
        // Evidently passes raw reference counts here and SciPy >= 1.7 raises; we scale them like chi-squared.
        string?[] reference = [.. Enumerable.Repeat<string?>("a", 50), .. Enumerable.Repeat<string?>("b", 50)];
        string?[] current = [.. Enumerable.Repeat<string?>("a", 5), .. Enumerable.Repeat<string?>("b", 5)];
        DriftTestResult r = DriftTests.Run(DriftMethod.GTest, reference, current);
        r.Statistic.Should().Be(0);
        r.PValue.Should().Be(1);
    }

    [Fact]
    public void AndersonDarling_EvidentlyPair_PValue00635()
    {
        double[] reference = [38.7, 41.5, 43.8, 44.5, 45.5, 46.0, 47.7, 58.0];
        double[] current = [39.2, 39.3, 39.7, 41.4, 41.8, 42.9, 43.3, 45.8];
        DriftTestResult r = DriftTests.Run(DriftMethod.AndersonDarling, reference, current, 0.001);
        r.PValue.Should().BeApproximately(0.0635, 1e-3);
        r.Drifted.Should().BeFalse();
    }

    [Fact]
    public void EnergyDistance_SampleVsShiftedBy5_About19()
    {
        double[] reference = [38.7, 41.5, 43.8, 44.5, 45.5, 46.0, 47.7, 58.0];
        DriftTests.Run(DriftMethod.EnergyDistance, reference, reference).Statistic.Should().BeApproximately(0, 1e-5);
        DriftTestResult r = DriftTests.Run(DriftMethod.EnergyDistance, reference, [.. reference.Select(v => v + 5)]);
        r.Statistic.Should().BeApproximately(1.9, 1e-1);
        r.Drifted.Should().BeTrue();
    }

    [Fact]
    public void MannWhitney_OneSidedLessOnRow1_Reproduces0481_TwoSidedByDefault()
    {
        double[] reference = RepeatNumbers([16, 18, 16, 14, 12, 12]);
        double[] current = RepeatNumbers([16, 16, 16, 16, 16, 8]);
        Statistics.TwoSampleTests.MannWhitneyU(reference, current, Statistics.Alternative.Less).PValue
            .Should().BeApproximately(0.481, 1e-2);

        // The drift test is two-sided on purpose (Evidently's one-sided test misses shifts to one side).
        DriftTestResult twoSided = DriftTests.Run(DriftMethod.MannWhitneyU, reference, current);
        twoSided.PValue.Should().BeGreaterThan(0.9);
    }

    [Theory]
    [InlineData("abbaab", 15, "bbabba", 15, 0.033, true)]
    [InlineData("abbaab", 1, "aaaaaa", 1, 0.181, false)]
    [InlineData("aaaaaa", 1, "aaaaaa", 1, 1.0, false)]
    [InlineData("abbbab", 1, "bbbaba", 1, 1.0, false)]
    [InlineData("aaaaaa", 1, "bbbbbb", 1, 0.0021, true)]
    [InlineData("aaabb", 30, "bbbaa", 30, 0.00078, true)]
    public void FisherExact_EvidentlyVectors_PValues(string reference, int refRepeat, string current, int curRepeat, double expected, bool drifted)
    {
        string?[] r = [.. Enumerable.Repeat(reference, refRepeat).SelectMany(s => s.Select(ch => (string?)ch.ToString()))];
        string?[] c = [.. Enumerable.Repeat(current, curRepeat).SelectMany(s => s.Select(ch => (string?)ch.ToString()))];
        DriftTestResult result = DriftTests.Run(DriftMethod.FisherExact, r, c, 0.1);
        result.PValue.Should().BeApproximately(expected, 1e-3);
        result.Drifted.Should().Be(drifted);
    }

    [Fact]
    public void ZTest_SameBalancedBinary_PValue1()
    {
        string?[] values = [.. Enumerable.Range(0, 20).Select(i => i % 2 == 0 ? "a" : "b")];
        DriftTests.Run(DriftMethod.ZTest, values, values, 0.5).PValue.Should().BeApproximately(1.0, 1e-5);
    }

    [Fact]
    public void ZTest_NanInReference_DroppedBeforeTest()
    {
        // Evidently's unit test calls the z-test function directly on ["a", nan] * 10 vs ["a", "b"] * 10 and expects
        // p = 1, because the NaNs are encoded as "not keys[0]" = 1 and so look like the "b"s. Its pipeline
        // (get_one_column_drift) drops NaN first, as we do: 10 "a" vs 10 "a" + 10 "b", z = -2.7386.
        string?[] reference = [.. Enumerable.Range(0, 20).Select(i => i % 2 == 0 ? "a" : null)];
        string?[] current = [.. Enumerable.Range(0, 20).Select(i => i % 2 == 0 ? "a" : "b")];
        DriftTestResult r = DriftTests.Run(DriftMethod.ZTest, reference, current, 0.5);
        r.Statistic.Should().BeApproximately(-2.7386127875258306, 1e-12);
        r.PValue.Should().BeApproximately(0.0061698993205441255, 1e-12);
    }

    [Fact]
    public void BinnedDistances_EvidentlyRow1_MatchDriftMdFigures()
    {
        double[] reference = RepeatNumbers([16, 18, 16, 14, 12, 12]);
        double[] current = RepeatNumbers([16, 16, 16, 16, 16, 8]);
        DriftTests.Run(DriftMethod.Psi, reference, current).Statistic.Should().BeApproximately(0.037218, 1e-6);
        DriftTests.Run(DriftMethod.KullbackLeibler, reference, current).Statistic.Should().BeApproximately(0.018910, 1e-6);
        DriftTests.Run(DriftMethod.JensenShannon, reference, current).Statistic.Should().BeApproximately(0.068048, 1e-6);
        DriftTests.Run(DriftMethod.JensenShannonBase2, reference, current).Statistic.Should().BeApproximately(0.081734, 1e-6);
        DriftTests.Run(DriftMethod.TotalVariation, reference, current).Statistic.Should().BeApproximately(0.068182, 1e-6);
    }
}
