using MLOps.Drift.Statistics;

namespace MLOps.Drift;

/// <summary>
/// Runs one drift test on one column with Evidently's semantics (pre-processing, binning, thresholds and
/// decision rules, Evidently 0.7.21) and SciPy 1.10's numbers.
/// </summary>
/// <remarks>
/// <para>
/// Both samples are cleaned first: nulls, NaN and ±∞ are dropped (Evidently replaces ±∞ by NaN and drops NaN);
/// an empty side raises <see cref="DriftException"/>, as Evidently raises <c>ValueError</c>.
/// </para>
/// <para>Deliberate differences from Evidently, each fixing a known bug:</para>
/// <list type="bullet">
/// <item><see cref="DriftMethod.GTest"/> scales the reference counts to the current total (as <c>chisquare</c>
/// does); Evidently passes raw reference counts, which SciPy ≥ 1.7 rejects whenever the sizes differ.</item>
/// <item><see cref="DriftMethod.MannWhitneyU"/> is two-sided; Evidently's <c>mannw</c> is one-sided
/// (<c>alternative="less"</c>) and misses shifts in one direction. The low-level
/// <see cref="TwoSampleTests.MannWhitneyU"/> still offers the one-sided alternatives.</item>
/// <item><see cref="DriftMethod.TotalVariation"/> reports the distance ½Σ|r−c| compared with the threshold;
/// Evidently's <c>TVD</c> reports a permutation p-value (1 000 permutations) under the name of the distance.</item>
/// <item><see cref="DriftMethod.FisherExact"/> accepts samples of different lengths; Evidently raises unless
/// both have the same length.</item>
/// <item>Categorical tests (<c>z</c>, <c>chisquare</c>, <c>g_test</c>, <c>fisher_exact</c>, <c>TVD</c>) may be
/// chosen explicitly for numerical columns (the values are treated as categories), as Evidently's own default
/// selection does; Evidently only rejects the explicit choice.</item>
/// <item>Categories are visited in sorted order; Evidently uses Python's set order. Only the last bits of
/// sums can differ.</item>
/// </list>
/// <para>
/// Kept from Evidently on purpose: <c>n_bins</c> is ignored (Sturges bins over the combined data), the
/// Jensen–Shannon distance is in nats, the Anderson–Darling p-value is clipped to [0.001, 0.25], and the KS and
/// Cramér–von Mises rules use ≤.
/// </para>
/// <para>All members are thread-safe.</para>
/// </remarks>
public static partial class DriftTests
{
    /// <summary>Runs <paramref name="method"/> on two cleaned samples.</summary>
    /// <param name="method">The test.</param>
    /// <param name="reference">The reference sample.</param>
    /// <param name="current">The current sample.</param>
    /// <param name="threshold">The threshold; <see cref="DriftMethodInfo.DefaultThreshold"/> when <see langword="null"/>.</param>
    /// <param name="columnName">The column name, used in error messages.</param>
    /// <returns>The statistic, p-value (tests only), threshold and decision.</returns>
    /// <exception cref="ArgumentNullException">A sample is null.</exception>
    /// <exception cref="DriftException">A side is empty after cleaning, the types differ, or the test cannot run on this data.</exception>
    public static DriftTestResult Run(DriftMethod method, ColumnSample reference, ColumnSample current, double? threshold = null, string? columnName = null)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(current);
        using var pair = new ColumnComparison(reference, current, columnName);
        return Run(method, pair, threshold);
    }

    /// <summary>Runs <paramref name="method"/> on two numerical samples (NaN and ±∞ are dropped first).</summary>
    /// <param name="method">The test.</param>
    /// <param name="reference">The reference values.</param>
    /// <param name="current">The current values.</param>
    /// <param name="threshold">The threshold; <see cref="DriftMethodInfo.DefaultThreshold"/> when <see langword="null"/>.</param>
    /// <returns>The statistic, p-value (tests only), threshold and decision.</returns>
    /// <exception cref="DriftException">A side is empty after cleaning or the test cannot run on this data.</exception>
    public static DriftTestResult Run(DriftMethod method, ReadOnlySpan<double> reference, ReadOnlySpan<double> current, double? threshold = null)
    {
        // The cleaned copies live in pooled buffers for the duration of the call only.
        ColumnSample r = ColumnSample.RentNumerical(reference);
        ColumnSample? c = null;
        try
        {
            c = ColumnSample.RentNumerical(current);
            return Run(method, r, c, threshold);
        }
        finally
        {
            r.ReturnPooled();
            c?.ReturnPooled();
        }
    }

    /// <summary>Runs <paramref name="method"/> on two categorical text samples (nulls are dropped first).</summary>
    /// <param name="method">The test; it must accept categories.</param>
    /// <param name="reference">The reference values.</param>
    /// <param name="current">The current values.</param>
    /// <param name="threshold">The threshold; <see cref="DriftMethodInfo.DefaultThreshold"/> when <see langword="null"/>.</param>
    /// <returns>The statistic, p-value (tests only), threshold and decision.</returns>
    /// <exception cref="DriftException">A side is empty after cleaning or the test needs numbers.</exception>
    public static DriftTestResult Run(DriftMethod method, ReadOnlySpan<string?> reference, ReadOnlySpan<string?> current, double? threshold = null) =>
        Run(method, ColumnSample.Categorical(reference), ColumnSample.Categorical(current), threshold);

    internal static DriftTestResult Run(DriftMethod method, ColumnComparison pair, double? threshold)
    {
        double t = threshold ?? method.DefaultThreshold();
        if (method.RequiresNumbers())
        {
            pair.RequireNumbers(method);
        }

        (double statistic, double? pValue) = method switch
        {
            DriftMethod.KolmogorovSmirnov => Ks(pair),
            DriftMethod.ChiSquare => ChiSquare(pair.Table),
            DriftMethod.ZTest => ZTest(pair.Table),
            DriftMethod.JensenShannon => (JensenShannon(EvidentlyBinning.BinnedShares(pair, fillZeroes: false), Math.E, natural: true), null),
            DriftMethod.JensenShannonBase2 => (JensenShannon(EvidentlyBinning.BinnedShares(pair, fillZeroes: false), 2.0, natural: false), null),
            DriftMethod.KullbackLeibler => (KullbackLeibler(EvidentlyBinning.BinnedShares(pair, fillZeroes: true)), null),
            DriftMethod.Psi => (Psi(EvidentlyBinning.BinnedShares(pair, fillZeroes: true)), null),
            DriftMethod.Wasserstein => (WassersteinNormed(pair), null),
            DriftMethod.WassersteinRaw => (TwoSampleTests.CdfDistance(pair.ReferenceKeys, pair.CurrentKeys, 1), null),
            DriftMethod.Hellinger => (Hellinger(pair), null),
            DriftMethod.EnergyDistance => (Math.Sqrt(2) * TwoSampleTests.CdfDistance(pair.ReferenceKeys, pair.CurrentKeys, 2), null),
            DriftMethod.AndersonDarling => Anderson(pair),
            DriftMethod.CramerVonMises => CramerVonMises(pair),
            DriftMethod.MannWhitneyU => MannWhitney(pair),
            DriftMethod.FisherExact => Fisher(pair.Table, pair.ColumnName),
            DriftMethod.GTest => GTest(pair.Table),
            DriftMethod.TotalVariation => (TotalVariation(pair.Table), null),
            _ => throw new ArgumentOutOfRangeException(nameof(method), method, "Unknown drift method."),
        };

        double score = pValue ?? statistic;
        return new DriftTestResult(method, statistic, pValue, t, method.IsDrift(score, t));
    }

    private static (double, double?) Ks(ColumnComparison pair)
    {
        KolmogorovSmirnovResult r = KolmogorovSmirnov.PValue(
            pair.Reference.ValidCount,
            pair.Current.ValidCount,
            KolmogorovSmirnov.Statistic(pair.ReferenceKeys, pair.CurrentKeys),
            KolmogorovSmirnovMethod.Auto);
        return (r.Statistic, r.PValue);
    }

    /// <summary>Counts of the union categories: observed = current, expected = reference · n_cur / n_ref.</summary>
    private static (double[] Observed, double[] Expected) ScaledCounts(CategoryTable table)
    {
        double kNorm = table.CurrentTotal / (double)table.ReferenceTotal;
        double[] observed = new double[table.Count];
        double[] expected = new double[table.Count];
        for (int i = 0; i < table.Count; i++)
        {
            observed[i] = table.CurrentCounts[i];
            expected[i] = table.ReferenceCounts[i] * kNorm;
        }

        return (observed, expected);
    }

    private static (double, double?) ChiSquare(CategoryTable table)
    {
        (double[] observed, double[] expected) = ScaledCounts(table);
        TestStatistic r = ContingencyTests.ChiSquare(observed, expected);
        return (r.Statistic, r.PValue);
    }

    private static (double, double?) GTest(CategoryTable table)
    {
        (double[] observed, double[] expected) = ScaledCounts(table);
        TestStatistic r = ContingencyTests.GTest(observed, expected);
        return (r.Statistic, r.PValue);
    }

    private static (double, double?) ZTest(CategoryTable table)
    {
        long n1 = table.ReferenceTotal, n2 = table.CurrentTotal;

        // Special case: both sides constant and equal.
        int refDistinct = 0, curDistinct = 0;
        for (int i = 0; i < table.Count; i++)
        {
            refDistinct += table.ReferenceCounts[i] > 0 ? 1 : 0;
            curDistinct += table.CurrentCounts[i] > 0 ? 1 : 0;
        }

        if (table.Count == 1 && refDistinct == 1 && curDistinct == 1)
        {
            return (0.0, 1.0);
        }

        // keys[0] (the smallest category) encodes as 0, everything else as 1.
        double p1 = (n1 - table.ReferenceCounts[0]) / (double)n1;
        double p2 = (n2 - table.CurrentCounts[0]) / (double)n2;
        double pooled = ((p1 * n1) + (p2 * n2)) / (n1 + n2);
        double z = (p1 - p2) / Math.Sqrt(pooled * (1 - pooled) * ((1.0 / n1) + (1.0 / n2)));
        double p = 2 * (1 - NumericHelpers.Ndtr(Math.Abs(z)));
        return (z, p);
    }

    private static double JensenShannon((double[] P, double[] Q) shares, double logBase, bool natural)
    {
        (double[] p, double[] q) = shares;
        double pSum = NumericHelpers.NumpySum(p);
        double qSum = NumericHelpers.NumpySum(q);
        double[] left = new double[p.Length];
        double[] right = new double[p.Length];
        for (int i = 0; i < p.Length; i++)
        {
            double pi = p[i] / pSum;
            double qi = q[i] / qSum;
            double m = (pi + qi) / 2.0;
            left[i] = RelativeEntropy(pi, m);
            right[i] = RelativeEntropy(qi, m);
        }

        double js = NumericHelpers.NumpySum(left) + NumericHelpers.NumpySum(right);
        if (!natural)
        {
            js /= Math.Log(logBase);
        }

        return Math.Sqrt(js / 2.0);
    }

    private static double KullbackLeibler((double[] P, double[] Q) shares)
    {
        (double[] p, double[] q) = shares;
        double pSum = NumericHelpers.NumpySum(p);
        double qSum = NumericHelpers.NumpySum(q);
        double[] terms = new double[p.Length];
        for (int i = 0; i < p.Length; i++)
        {
            terms[i] = RelativeEntropy(1.0 * p[i] / pSum, 1.0 * q[i] / qSum);
        }

        return NumericHelpers.NumpySum(terms);
    }

    private static double Psi((double[] R, double[] C) shares)
    {
        (double[] r, double[] c) = shares;
        double[] terms = new double[r.Length];
        for (int i = 0; i < r.Length; i++)
        {
            terms[i] = (r[i] - c[i]) * Math.Log(r[i] / c[i]);
        }

        return NumericHelpers.NumpySum(terms);
    }

    /// <summary><c>scipy.special.rel_entr</c>.</summary>
    private static double RelativeEntropy(double x, double y)
    {
        if (x > 0 && y > 0)
        {
            return x * Math.Log(x / y);
        }

        if (x == 0 && y >= 0)
        {
            return 0.0;
        }

        return double.PositiveInfinity;
    }

    private static double WassersteinNormed(ColumnComparison pair)
    {
        double norm = Math.Max(TwoSampleTests.PopulationStd(pair.Reference.Numbers), 0.001);
        return TwoSampleTests.CdfDistance(pair.ReferenceKeys, pair.CurrentKeys, 1) / norm;
    }

    private static double Hellinger(ColumnComparison pair)
    {
        double h = 0.0;
        if (pair.Reference.Kind == ColumnKind.Categorical || !pair.Reference.IsNumeric)
        {
            h = HellingerAffinity(pair.Table);
        }
        else
        {
            // Sturges edges over the distinct values of reference ∪ current (not the raw data), density histograms.
            CategoryTable table = pair.Table;
            double[] keys = table.NumericKeys!;
            double[] edges = EvidentlyBinning.SturgesEdges(keys[0], keys[^1], keys.Length);
            int bins = edges.Length - 1;
            long[] c1 = new long[bins];
            long[] c2 = new long[bins];
            EvidentlyBinning.Count(pair.Reference.Numbers, edges, c1);
            EvidentlyBinning.Count(pair.Current.Numbers, edges, c2);
            long t1 = 0, t2 = 0;
            for (int i = 0; i < bins; i++)
            {
                t1 += c1[i];
                t2 += c2[i];
            }

            double binWidth = (edges[bins] - edges[0]) / bins;
            for (int i = 0; i < bins; i++)
            {
                double db = edges[i + 1] - edges[i];
                double h1 = c1[i] / db / t1;
                double h2 = c2[i] / db / t2;
                h += Math.Sqrt(h1 * h2) * binWidth;
            }
        }

        h = h < 0 ? 0 : Math.Min(h, 1);
        return Math.Sqrt(1 - h);
    }

    /// <summary>Σ √(p_k q_k) over the categories of <paramref name="table"/> (Evidently's categorical Hellinger).</summary>
    private static double HellingerAffinity(CategoryTable table)
    {
        double h = 0.0;
        for (int i = 0; i < table.Count; i++)
        {
            double p1 = table.ReferenceCounts[i] / (double)table.ReferenceTotal;
            double p2 = table.CurrentCounts[i] / (double)table.CurrentTotal;
            h += Math.Sqrt(p1 * p2);
        }

        return h;
    }

    private static (double, double?) Anderson(ColumnComparison pair)
    {
        if (pair.Table.Count < 2)
        {
            throw new DriftException(
                $"{ColumnComparison.Describe(pair.ColumnName)}: Anderson–Darling needs at least two distinct values in reference ∪ current (SciPy raises here too); use the default test for constant columns.",
                pair.ColumnName);
        }

        TestStatistic r = RankTests.AndersonDarling(pair.ReferenceKeys, pair.CurrentKeys);
        return (r.Statistic, r.PValue);
    }

    private static (double, double?) CramerVonMises(ColumnComparison pair)
    {
        if (pair.Reference.ValidCount < 2 || pair.Current.ValidCount < 2)
        {
            throw new DriftException(
                $"{ColumnComparison.Describe(pair.ColumnName)}: Cramér–von Mises needs at least two values on each side (SciPy raises here too).",
                pair.ColumnName);
        }

        TestStatistic r = RankTests.CramerVonMises(pair.ReferenceKeys, pair.CurrentKeys, CramerVonMisesMethod.Auto);
        return (r.Statistic, r.PValue);
    }

    private static (double, double?) MannWhitney(ColumnComparison pair)
    {
        TestStatistic r = RankTests.MannWhitneyU(pair.ReferenceKeys, pair.CurrentKeys, Alternative.TwoSided);
        return (r.Statistic, r.PValue);
    }

    private static (double, double?) Fisher(CategoryTable table, string? columnName)
    {
        if (table.Count > 2)
        {
            throw new DriftException(
                $"{ColumnComparison.Describe(columnName)}: Fisher's exact test needs a binary column but found {table.Count} categories; use chi-squared or the z-test's categorical alternatives.",
                columnName);
        }

        if (table.Count == 1)
        {
            // Evidently adds a placeholder category; SciPy then sees an empty column and returns p = 1.
            return (double.NaN, 1.0);
        }

        // [[ones_cur, zeros_cur], [ones_ref, zeros_ref]] with the second sorted category as "one".
        TestStatistic r = ContingencyTests.FisherExact(
            table.CurrentCounts[1], table.CurrentCounts[0], table.ReferenceCounts[1], table.ReferenceCounts[0]);
        return (r.Statistic, r.PValue);
    }

    private static double TotalVariation(CategoryTable table)
    {
        double[] terms = new double[table.Count];
        for (int i = 0; i < table.Count; i++)
        {
            terms[i] = Math.Abs((table.ReferenceCounts[i] / (double)table.ReferenceTotal) - (table.CurrentCounts[i] / (double)table.CurrentTotal));
        }

        return 0.5 * NumericHelpers.NumpySum(terms);
    }
}
