using MLOps.Drift.Statistics;

namespace MLOps.Drift;

/// <summary>A drift test against a <see cref="ColumnProfile"/>, with how far it may be from the test on the raw reference.</summary>
/// <param name="Test">The test result.</param>
/// <param name="Exact">Whether the result equals the test on the raw reference (exact profile, or a test the sketch answers exactly).</param>
/// <param name="StatisticErrorBound">
/// A proven bound on |statistic − statistic on the raw reference|: 0 when exact; ε for KS, τ for the raw Wasserstein
/// distance, τ/max(σ, 0.001) for the normed one, √(2ετ) for the energy distance (see <see cref="ColumnProfile"/>);
/// <see langword="null"/> when no closed bound is known.
/// </param>
public sealed record ProfileDriftResult(DriftTestResult Test, bool Exact, double? StatisticErrorBound);

/// <content>Tests against a reference profile.</content>
public static partial class DriftTests
{
    /// <summary>
    /// Runs a drift test of <paramref name="current"/> against a reference profile, without the reference data.
    /// Same pre-processing, binning, thresholds and decision rules as <see cref="Run(DriftMethod, ColumnSample, ColumnSample, double?, string?)"/>.
    /// </summary>
    /// <param name="reference">The reference profile.</param>
    /// <param name="current">The current sample.</param>
    /// <param name="method">The test; <see langword="null"/> (the default) uses Evidently's default selection.</param>
    /// <param name="threshold">The threshold; the method's default when <see langword="null"/>.</param>
    /// <returns>The result with its exactness.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="DriftException">The current side is empty, the types differ, the test cannot run on this data, or a rank test meets a sketch profile.</exception>
    public static ProfileDriftResult Run(ColumnProfile reference, ColumnSample current, DriftMethod? method = null, double? threshold = null)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(current);
        RequireSameType(reference, current.IsNumeric);
        if (current.ValidCount == 0)
        {
            throw new DriftException(
                $"Column '{reference.Name}': the current data has no values left after dropping nulls, NaN and ±inf (Evidently raises here too); drop the column or supply data.",
                reference.Name);
        }

        return Run(reference, WeightedSample.FromSample(current), method, threshold);
    }

    internal static void RequireSameType(ColumnProfile reference, bool currentIsNumeric)
    {
        if (reference.IsNumeric != currentIsNumeric)
        {
            throw new DriftException(
                $"Column '{reference.Name}': the reference profile holds {(reference.IsNumeric ? "numbers" : "text")} but the current data holds {(currentIsNumeric ? "numbers" : "text")}; give both sides the same type.",
                reference.Name);
        }
    }

    internal static ProfileDriftResult Run(ColumnProfile reference, WeightedSample current, DriftMethod? method, double? threshold)
    {
        string name = reference.Name;
        CategoryTable table = reference.IsNumeric
            ? CategoryTable.FromWeighted(reference.ValueSpan, reference.CountSpan, current.Values, current.Counts)
            : CategoryTable.FromWeighted(reference.CategorySpan, reference.CountSpan, current.Categories, current.Counts);
        DriftMethod m = method ?? DefaultDriftTest.Select(reference.Kind, reference.Count, Math.Min(table.Count, 6));
        double t = threshold ?? m.DefaultThreshold();
        if (m.RequiresNumbers() && !reference.IsNumeric)
        {
            throw new DriftException(
                $"Column '{name}': {m} ('{m.EvidentlyName()}') needs numbers but the column holds text; choose a categorical test such as chi-squared, PSI or Jensen–Shannon.",
                name);
        }

        bool exact = reference.Representation == ProfileRepresentation.Exact;
        double eps = reference.RankErrorBound, tau = reference.TransportCost;
        double? bound = exact ? 0.0 : null;
        double statistic;
        double? pValue = null;
        switch (m)
        {
            case DriftMethod.KolmogorovSmirnov:
                {
                    KolmogorovSmirnovResult r = KolmogorovSmirnov.PValue(table.ReferenceTotal, table.CurrentTotal, KsStatistic(table), KolmogorovSmirnovMethod.Auto);
                    (statistic, pValue) = (r.Statistic, r.PValue);
                    bound ??= eps;
                    break;
                }

            case DriftMethod.WassersteinRaw:
                statistic = CdfDistance(table, 1);
                bound ??= tau;
                break;
            case DriftMethod.Wasserstein:
                {
                    double norm = Math.Max(reference.Std!.Value, 0.001);
                    statistic = CdfDistance(table, 1) / norm;
                    bound ??= tau / norm;
                    break;
                }

            case DriftMethod.EnergyDistance:
                statistic = Math.Sqrt(2) * CdfDistance(table, 2);
                bound ??= Math.Sqrt(2 * eps * tau);
                break;
            case DriftMethod.ChiSquare:
                (statistic, pValue) = ChiSquare(table);
                break;
            case DriftMethod.GTest:
                (statistic, pValue) = GTest(table);
                break;
            case DriftMethod.ZTest:
                (statistic, pValue) = ZTest(table);
                break;
            case DriftMethod.FisherExact:
                (statistic, pValue) = Fisher(table, name);
                break;
            case DriftMethod.TotalVariation:
                statistic = TotalVariation(table);
                break;
            case DriftMethod.JensenShannon:
                statistic = JensenShannon(BinnedShares(reference, table, fillZeroes: false), Math.E, natural: true);
                break;
            case DriftMethod.JensenShannonBase2:
                statistic = JensenShannon(BinnedShares(reference, table, fillZeroes: false), 2.0, natural: false);
                break;
            case DriftMethod.KullbackLeibler:
                statistic = KullbackLeibler(BinnedShares(reference, table, fillZeroes: true));
                break;
            case DriftMethod.Psi:
                statistic = Psi(BinnedShares(reference, table, fillZeroes: true));
                break;
            case DriftMethod.Hellinger:
                statistic = Hellinger(reference, table);
                break;
            case DriftMethod.AndersonDarling or DriftMethod.CramerVonMises or DriftMethod.MannWhitneyU:
                {
                    if (!exact)
                    {
                        throw new DriftException(
                            $"Column '{name}': {m} needs every reference value, but the profile holds a quantile sketch; rebuild it with ProfileOptions.MaxExactValues ≥ {reference.DistinctCount} or use KS or Wasserstein.",
                            name);
                    }

                    // Rank tests: rebuild both samples from their counts (no access to the original data needed).
                    ColumnSample r = ColumnSample.Numerical(WeightedSample.FromProfile(reference).Expand());
                    ColumnSample c = ColumnSample.Numerical(current.Expand());
                    return new ProfileDriftResult(Run(m, r, c, t, name), true, 0.0);
                }

            default:
                throw new ArgumentOutOfRangeException(nameof(method), m, "Unknown drift method.");
        }

        // Categorical tests read counts, which a sketch of a numeric column does not hold exactly.
        bool isExact = exact || bound == 0.0;
        double score = pValue ?? statistic;
        return new ProfileDriftResult(new DriftTestResult(m, statistic, pValue, t, m.IsDrift(score, t)), isExact, isExact ? 0.0 : bound);
    }

    /// <summary>KS D from a merged table, with SciPy's ECDF arithmetic (<c>count/n</c> differences).</summary>
    private static double KsStatistic(CategoryTable table)
    {
        double dn1 = table.ReferenceTotal, dn2 = table.CurrentTotal;
        long i = 0, j = 0;
        double maxS = double.NegativeInfinity, minDiff = double.PositiveInfinity;
        for (int k = 0; k < table.Count; k++)
        {
            i += table.ReferenceCounts[k];
            j += table.CurrentCounts[k];
            double diff = (i / dn1) - (j / dn2);
            maxS = Math.Max(maxS, diff);
            minDiff = Math.Min(minDiff, diff);
        }

        double minS = -minDiff;
        minS = minS < 0 ? 0 : Math.Min(minS, 1);
        return minS > maxS ? minS : maxS;
    }

    /// <summary>SciPy's <c>_cdf_distance</c> (p = 1: Wasserstein; p = 2: the root inside the energy distance) from a merged table.</summary>
    private static double CdfDistance(CategoryTable table, int p)
    {
        double dn1 = table.ReferenceTotal, dn2 = table.CurrentTotal;
        double[] keys = table.NumericKeys!;
        using NumpySumAccumulator sum = NumpySumAccumulator.Create();
        long i = 0, j = 0;
        for (int k = 0; k < table.Count - 1; k++)
        {
            i += table.ReferenceCounts[k];
            j += table.CurrentCounts[k];
            double diff = Math.Abs((i / dn1) - (j / dn2));
            double delta = keys[k + 1] - keys[k];
            sum.Add(p == 1 ? diff * delta : diff * diff * delta);
        }

        return p == 1 ? sum.Total : Math.Sqrt(sum.Total);
    }

    /// <summary>Evidently's <c>get_binned_data</c> on a profile: Sturges bins over reference ∪ current, or value counts.</summary>
    private static (double[] Reference, double[] Current) BinnedShares(ColumnProfile reference, CategoryTable table, bool fillZeroes)
    {
        double[] r, c;
        if (reference.Kind == ColumnKind.Numerical && reference.IsNumeric
            && reference.DistinctCount > EvidentlyBinning.MaxReferenceValuesForValueCounts)
        {
            (double curMin, double curMax) = CurrentRange(table);
            double[] edges = EvidentlyBinning.SturgesEdges(
                Math.Min(reference.Min!.Value, curMin), Math.Max(reference.Max!.Value, curMax), table.ReferenceTotal + table.CurrentTotal);
            long[] counts = new long[edges.Length - 1];
            r = new double[counts.Length];
            c = new double[counts.Length];
            EvidentlyBinning.CountWeighted(table.NumericKeys, table.ReferenceCounts, edges, counts);
            for (int i = 0; i < counts.Length; i++)
            {
                r[i] = counts[i] / (double)table.ReferenceTotal;
            }

            EvidentlyBinning.CountWeighted(table.NumericKeys, table.CurrentCounts, edges, counts);
            for (int i = 0; i < counts.Length; i++)
            {
                c[i] = counts[i] / (double)table.CurrentTotal;
            }
        }
        else
        {
            r = new double[table.Count];
            c = new double[table.Count];
            for (int i = 0; i < table.Count; i++)
            {
                r[i] = table.ReferenceCounts[i] / (double)table.ReferenceTotal;
                c[i] = table.CurrentCounts[i] / (double)table.CurrentTotal;
            }
        }

        if (fillZeroes)
        {
            EvidentlyBinning.FillZeroes(r);
            EvidentlyBinning.FillZeroes(c);
        }

        return (r, c);
    }

    private static (double Min, double Max) CurrentRange(CategoryTable table)
    {
        int first = 0, last = table.Count - 1;
        while (table.CurrentCounts[first] == 0)
        {
            first++;
        }

        while (table.CurrentCounts[last] == 0)
        {
            last--;
        }

        return (table.NumericKeys![first], table.NumericKeys[last]);
    }

    private static double Hellinger(ColumnProfile reference, CategoryTable table)
    {
        double h;
        if (reference.Kind == ColumnKind.Categorical || !reference.IsNumeric)
        {
            h = HellingerAffinity(table);
        }
        else
        {
            // Sturges edges over the distinct values of reference ∪ current, density histograms (see the sample path).
            double[] keys = table.NumericKeys!;
            double[] edges = EvidentlyBinning.SturgesEdges(keys[0], keys[^1], keys.Length);
            int bins = edges.Length - 1;
            long[] c1 = new long[bins];
            long[] c2 = new long[bins];
            EvidentlyBinning.CountWeighted(keys, table.ReferenceCounts, edges, c1);
            EvidentlyBinning.CountWeighted(keys, table.CurrentCounts, edges, c2);
            double t1 = table.ReferenceTotal, t2 = table.CurrentTotal;
            double binWidth = (edges[bins] - edges[0]) / bins;
            h = 0.0;
            for (int i = 0; i < bins; i++)
            {
                double db = edges[i + 1] - edges[i];
                h += Math.Sqrt(c1[i] / db / t1 * (c2[i] / db / t2)) * binWidth;
            }
        }

        h = h < 0 ? 0 : Math.Min(h, 1);
        return Math.Sqrt(1 - h);
    }
}
