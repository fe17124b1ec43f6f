using System.Globalization;
using System.Text.Json;
using MLOps.Drift.Statistics;

namespace MLOps.Drift.Tests;

/// <summary>
/// Every case in Reference/reference.json: statistics within 1e-12 relative, p-values within 1e-9 relative or
/// 1e-15 absolute, drift decisions equal, and errors where SciPy/Evidently raise.
/// </summary>
public sealed class ParityTests
{
    /// <summary>Statistic tolerance: relative, with an absolute floor of 1e-15 for statistics that are (near) zero.</summary>
    internal const double StatisticRelative = 1e-12;

    internal const double PValueRelative = 1e-9;

    internal const double PValueAbsolute = 1e-15;

    public static TheoryData<string, string> AllCases()
    {
        var data = new TheoryData<string, string>();
        foreach (JsonElement c in ReferenceData.Cases)
        {
            data.Add(c.GetProperty("dataset").GetString()!, c.GetProperty("test").GetString()!);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(AllCases))]
    public void Case_ReferenceData_MatchesScipy(string dataset, string test) => Check(dataset, test);

    /// <summary>All cases in one pass, printing the largest relative error per test (run with detailed verbosity to see it).</summary>
    [Fact]
    public void Summary_AllCases_LargestErrorsWithinBounds()
    {
        var worst = new SortedDictionary<string, (double Stat, double P, int Count)>(StringComparer.Ordinal);
        foreach (JsonElement c in ReferenceData.Cases)
        {
            string test = c.GetProperty("test").GetString()!;
            (double stat, double p) = Check(c.GetProperty("dataset").GetString()!, test);
            worst[test] = worst.TryGetValue(test, out var w) ? (Math.Max(w.Stat, stat), Math.Max(w.P, p), w.Count + 1) : (stat, p, 1);
        }

        ITestOutputHelper? output = TestContext.Current.TestOutputHelper;
        output?.WriteLine("test | cases | max rel. error statistic | max rel. error p-value (p >= 1e-15)");
        foreach (KeyValuePair<string, (double Stat, double P, int Count)> kv in worst)
        {
            output?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{kv.Key} | {kv.Value.Count} | {kv.Value.Stat:E2} | {kv.Value.P:E2}"));
        }

        worst.Values.Max(v => v.Stat).Should().BeLessThanOrEqualTo(StatisticRelative * 10);
    }

    private static (double Stat, double P) Check(string dataset, string test)
    {
        JsonElement expected = ReferenceData.Cases.Single(c =>
            c.GetProperty("dataset").GetString() == dataset && c.GetProperty("test").GetString() == test);
        JsonElement ds = ReferenceData.Dataset(dataset);
        bool numeric = ds.GetProperty("kind").GetString() == "num";

        Func<(double Statistic, double? PValue, bool? Drifted)> run;
        if (numeric)
        {
            double[] rawRef = ReferenceData.Numeric(ds.GetProperty("ref"), ds.GetProperty("ref_hash").GetString()!);
            double[] rawCur = ReferenceData.Numeric(ds.GetProperty("cur"), ds.GetProperty("cur_hash").GetString()!);
            run = () => RunNumeric(test, rawRef, rawCur);
        }
        else
        {
            string?[] rawRef = ReferenceData.Text(ds.GetProperty("ref"), ds.GetProperty("ref_hash").GetString()!);
            string?[] rawCur = ReferenceData.Text(ds.GetProperty("cur"), ds.GetProperty("cur_hash").GetString()!);
            run = () => Summarise(DriftTests.Run(MethodOf(test), ColumnSample.Categorical(rawRef), ColumnSample.Categorical(rawCur)));
        }

        if (expected.TryGetProperty("error", out JsonElement error))
        {
            Action act = () => run();
            act.Should().Throw<Exception>()
                .Where(e => e is DriftException || e is ArgumentException, $"SciPy/Evidently raised: {error.GetString()}");
            return (0, 0);
        }

        (double statistic, double? pValue, bool? drifted) = run();
        double expectedStatistic = ReferenceData.Number(expected.GetProperty("statistic"));
        double statError = AssertStatistic(statistic, expectedStatistic, $"{dataset}/{test} statistic");
        double pError = 0;
        if (expected.TryGetProperty("pvalue", out JsonElement p))
        {
            pValue.Should().NotBeNull();
            pError = AssertPValue(pValue!.Value, ReferenceData.Number(p), $"{dataset}/{test} p-value");
        }

        if (drifted is not null && expected.TryGetProperty("drifted", out JsonElement d))
        {
            drifted.Should().Be(d.GetBoolean(), $"{dataset}/{test}: Evidently's decision rule");
        }

        return (statError, pError);
    }

    internal static double AssertStatistic(double actual, double expected, string because)
    {
        if (double.IsNaN(expected) || double.IsInfinity(expected))
        {
            actual.Should().Be(expected, because);
            return 0;
        }

        double diff = Math.Abs(actual - expected);
        double rel = expected == 0 ? diff : diff / Math.Abs(expected);
        (diff <= StatisticRelative * Math.Abs(expected) || diff <= 1e-15).Should().BeTrue(
            $"{because}: {actual.ToString("R", CultureInfo.InvariantCulture)} vs SciPy {expected.ToString("R", CultureInfo.InvariantCulture)} (rel {rel:E2})");
        return rel;
    }

    internal static double AssertPValue(double actual, double expected, string because)
    {
        if (double.IsNaN(expected))
        {
            actual.Should().Be(expected, because);
            return 0;
        }

        double diff = Math.Abs(actual - expected);
        double rel = expected == 0 ? (diff == 0 ? 0 : double.PositiveInfinity) : diff / Math.Abs(expected);
        (diff <= PValueRelative * Math.Abs(expected) || diff <= PValueAbsolute).Should().BeTrue(
            $"{because}: {actual.ToString("R", CultureInfo.InvariantCulture)} vs SciPy {expected.ToString("R", CultureInfo.InvariantCulture)} (rel {rel:E2}, abs {diff:E2})");
        // Report the relative error where the relative bound is the meaningful one (p >= 1e-15).
        return Math.Abs(expected) >= PValueAbsolute ? rel : 0;
    }

    private static (double, double?, bool?) RunNumeric(string test, double[] rawRef, double[] rawCur)
    {
        double[] r = ReferenceData.Clean(rawRef);
        double[] c = ReferenceData.Clean(rawCur);
        switch (test)
        {
            case "ks_exact":
                {
                    KolmogorovSmirnovResult k = TwoSampleTests.KolmogorovSmirnov(r, c, KolmogorovSmirnovMethod.Exact);
                    return (k.Statistic, k.PValue, null);
                }

            case "ks_asymp":
                {
                    KolmogorovSmirnovResult k = TwoSampleTests.KolmogorovSmirnov(r, c, KolmogorovSmirnovMethod.Asymptotic);
                    return (k.Statistic, k.PValue, null);
                }

            case "cramer_von_mises_asymp":
                {
                    TestStatistic t = TwoSampleTests.CramerVonMises(r, c, CramerVonMisesMethod.Asymptotic);
                    return (t.Statistic, t.PValue, null);
                }

            case "mannw_less":
                {
                    TestStatistic t = TwoSampleTests.MannWhitneyU(r, c, Alternative.Less);
                    return (t.Statistic, t.PValue, null);
                }

            case "mannw_greater":
                {
                    TestStatistic t = TwoSampleTests.MannWhitneyU(r, c, Alternative.Greater);
                    return (t.Statistic, t.PValue, null);
                }

            default:
                return Summarise(DriftTests.Run(MethodOf(test), ColumnSample.Numerical(rawRef), ColumnSample.Numerical(rawCur)));
        }
    }

    private static (double, double?, bool?) Summarise(DriftTestResult r) => (r.Statistic, r.PValue, r.Drifted);

    internal static DriftMethod MethodOf(string test) => test switch
    {
        "ks" => DriftMethod.KolmogorovSmirnov,
        "chisquare" => DriftMethod.ChiSquare,
        "z" => DriftMethod.ZTest,
        "jensenshannon" => DriftMethod.JensenShannon,
        "jensenshannon_base2" => DriftMethod.JensenShannonBase2,
        "kl_div" => DriftMethod.KullbackLeibler,
        "psi" => DriftMethod.Psi,
        "wasserstein" => DriftMethod.Wasserstein,
        "wasserstein_raw" => DriftMethod.WassersteinRaw,
        "hellinger" => DriftMethod.Hellinger,
        "ed" => DriftMethod.EnergyDistance,
        "anderson" => DriftMethod.AndersonDarling,
        "cramer_von_mises" => DriftMethod.CramerVonMises,
        "mannw" => DriftMethod.MannWhitneyU,
        "fisher_exact" => DriftMethod.FisherExact,
        "g_test" => DriftMethod.GTest,
        "TVD" => DriftMethod.TotalVariation,
        _ => throw new ArgumentOutOfRangeException(nameof(test), test, null),
    };
}
