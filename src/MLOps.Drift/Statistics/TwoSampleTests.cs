using System.Buffers;

namespace MLOps.Drift.Statistics;

/// <summary>A test statistic and its p-value.</summary>
/// <param name="Statistic">The statistic, in the units documented by the method that returned it.</param>
/// <param name="PValue">The p-value in [0, 1].</param>
public readonly record struct TestStatistic(double Statistic, double PValue);

/// <summary>The alternative hypothesis of a rank test.</summary>
public enum Alternative
{
    /// <summary>The distributions differ (either direction).</summary>
    TwoSided = 0,

    /// <summary>The first sample is stochastically smaller than the second.</summary>
    Less = 1,

    /// <summary>The first sample is stochastically greater than the second.</summary>
    Greater = 2,
}

/// <summary>How the p-value of the two-sample Cramér–von Mises test is computed.</summary>
public enum CramerVonMisesMethod
{
    /// <summary>SciPy's <c>'auto'</c>: exact when both samples have at most 20 values, asymptotic otherwise.</summary>
    Auto = 0,

    /// <summary>Exact enumeration (Xiao, Gordon and Yakovlev 2006).</summary>
    Exact = 1,

    /// <summary>The limiting distribution (Csörgő and Faraway 1996).</summary>
    Asymptotic = 2,
}

/// <summary>
/// Two-sample tests and distances on raw numeric samples, ported from SciPy 1.10 (<c>scipy.stats</c>) so that
/// statistics and p-values agree with it to rounding: <c>ks_2samp</c>, <c>wasserstein_distance</c>,
/// <c>energy_distance</c>, <c>anderson_ksamp</c>, <c>cramervonmises_2samp</c> and <c>mannwhitneyu</c>.
/// </summary>
/// <remarks>
/// Inputs are read-only spans of any length ≥ 1 (≥ 2 where SciPy requires it); the methods sort pooled copies
/// (radix sort for large inputs) and never modify the caller's data. NaN is rejected with
/// <see cref="ArgumentException"/> (the column-level API in <see cref="DriftTests"/> drops NaN and ±inf first, as
/// Evidently does). All members are thread-safe.
/// </remarks>
public static class TwoSampleTests
{
    /// <summary>
    /// The two-sided two-sample Kolmogorov–Smirnov test, <c>scipy.stats.ks_2samp(reference, current, method=...)</c>.
    /// </summary>
    /// <param name="reference">The first sample (reference).</param>
    /// <param name="current">The second sample (current).</param>
    /// <param name="method">Exact, asymptotic or SciPy's automatic choice (the default).</param>
    /// <returns>D, its p-value and the method used.</returns>
    /// <exception cref="ArgumentException">A sample is empty or contains NaN.</exception>
    public static KolmogorovSmirnovResult KolmogorovSmirnov(
        ReadOnlySpan<double> reference,
        ReadOnlySpan<double> current,
        KolmogorovSmirnovMethod method = KolmogorovSmirnovMethod.Auto)
    {
        RequireNonEmpty(reference, current);
        using SortedKeys a = SortedKeys.Create(reference, nameof(reference));
        using SortedKeys b = SortedKeys.Create(current, nameof(current));
        return Statistics.KolmogorovSmirnov.Test(a, b, method);
    }

    /// <summary>The first Wasserstein (earth mover's) distance, <c>scipy.stats.wasserstein_distance(u, v)</c>.</summary>
    /// <param name="u">The first sample.</param>
    /// <param name="v">The second sample.</param>
    /// <returns>∫|F_u − F_v| dx, in the units of the data.</returns>
    /// <exception cref="ArgumentException">A sample is empty or contains a non-finite value.</exception>
    public static double Wasserstein(ReadOnlySpan<double> u, ReadOnlySpan<double> v)
    {
        RequireNonEmpty(u, v);
        RequireFinite(u, nameof(u));
        RequireFinite(v, nameof(v));
        using SortedKeys a = SortedKeys.Create(u, nameof(u));
        using SortedKeys b = SortedKeys.Create(v, nameof(v));
        return CdfDistance(a.Keys, b.Keys, 1);
    }

    /// <summary>The energy distance, <c>scipy.stats.energy_distance(u, v)</c> = √2 · (∫(F_u − F_v)² dx)^½.</summary>
    /// <param name="u">The first sample.</param>
    /// <param name="v">The second sample.</param>
    /// <returns>The distance, in the units of the data (not normalised).</returns>
    /// <exception cref="ArgumentException">A sample is empty or contains a non-finite value.</exception>
    public static double EnergyDistance(ReadOnlySpan<double> u, ReadOnlySpan<double> v)
    {
        RequireNonEmpty(u, v);
        RequireFinite(u, nameof(u));
        RequireFinite(v, nameof(v));
        using SortedKeys a = SortedKeys.Create(u, nameof(u));
        using SortedKeys b = SortedKeys.Create(v, nameof(v));
        return Math.Sqrt(2) * CdfDistance(a.Keys, b.Keys, 2);
    }

    /// <summary>
    /// The two-sample Anderson–Darling test, <c>scipy.stats.anderson_ksamp([reference, current])</c> (midrank
    /// variant). The p-value comes from SciPy's interpolation of Scholz and Stephens' table and is therefore
    /// floored at 0.001 and capped at 0.25.
    /// </summary>
    /// <param name="reference">The first sample.</param>
    /// <param name="current">The second sample.</param>
    /// <returns>The normalised statistic A²ₖ and the interpolated p-value in [0.001, 0.25].</returns>
    /// <exception cref="ArgumentException">A sample is empty or contains NaN, or the pooled data has fewer than two distinct values.</exception>
    public static TestStatistic AndersonDarling(ReadOnlySpan<double> reference, ReadOnlySpan<double> current)
    {
        RequireNonEmpty(reference, current);
        using SortedKeys a = SortedKeys.Create(reference, nameof(reference));
        using SortedKeys b = SortedKeys.Create(current, nameof(current));
        return RankTests.AndersonDarling(a.Keys, b.Keys);
    }

    /// <summary>The two-sample Cramér–von Mises test, <c>scipy.stats.cramervonmises_2samp(reference, current, method)</c>.</summary>
    /// <param name="reference">The first sample, at least two values.</param>
    /// <param name="current">The second sample, at least two values.</param>
    /// <param name="method">Exact, asymptotic or SciPy's automatic choice (the default).</param>
    /// <returns>The statistic T and its p-value.</returns>
    /// <exception cref="ArgumentException">A sample has fewer than two values or contains NaN.</exception>
    public static TestStatistic CramerVonMises(
        ReadOnlySpan<double> reference,
        ReadOnlySpan<double> current,
        CramerVonMisesMethod method = CramerVonMisesMethod.Auto)
    {
        if (reference.Length <= 1 || current.Length <= 1)
        {
            throw new ArgumentException(
                $"Cramér–von Mises needs at least two observations in each sample; got {reference.Length} and {current.Length}.");
        }

        using SortedKeys a = SortedKeys.Create(reference, nameof(reference));
        using SortedKeys b = SortedKeys.Create(current, nameof(current));
        return RankTests.CramerVonMises(a.Keys, b.Keys, method);
    }

    /// <summary>
    /// The Mann–Whitney U test, <c>scipy.stats.mannwhitneyu(reference, current, alternative=...)</c> with SciPy's
    /// automatic choice between the exact distribution (no ties and a sample of at most 8) and the
    /// tie-corrected normal approximation with continuity correction. Unlike SciPy, the exact table is only built
    /// while m·n/2 ≤ 4·10⁶ (64 MB); larger unbalanced pairs use the normal approximation.
    /// </summary>
    /// <param name="reference">The first sample (x).</param>
    /// <param name="current">The second sample (y).</param>
    /// <param name="alternative">The alternative; two-sided by default.</param>
    /// <returns>U₁ (the statistic of the first sample) and the p-value.</returns>
    /// <exception cref="ArgumentException">A sample is empty or contains NaN.</exception>
    public static TestStatistic MannWhitneyU(
        ReadOnlySpan<double> reference,
        ReadOnlySpan<double> current,
        Alternative alternative = Alternative.TwoSided)
    {
        RequireNonEmpty(reference, current);
        using SortedKeys a = SortedKeys.Create(reference, nameof(reference));
        using SortedKeys b = SortedKeys.Create(current, nameof(current));
        return RankTests.MannWhitneyU(a.Keys, b.Keys, alternative);
    }

    internal static void RequireNonEmpty(ReadOnlySpan<double> reference, ReadOnlySpan<double> current)
    {
        if (reference.IsEmpty || current.IsEmpty)
        {
            throw new ArgumentException(
                $"Both samples must be non-empty; got {reference.Length} reference and {current.Length} current values.");
        }
    }

    private static void RequireFinite(ReadOnlySpan<double> values, string paramName)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!double.IsFinite(values[i]))
            {
                throw new ArgumentException(
                    $"The sample contains {values[i].ToString(System.Globalization.CultureInfo.InvariantCulture)} at index {i}; distances need finite values.",
                    paramName);
            }
        }
    }

    /// <summary>
    /// SciPy's <c>_cdf_distance(p, u, v)</c> on sorted keys, emitting the n+m−1 terms
    /// <c>|U(x_i) − V(x_i)|^p · (x_{i+1} − x_i)</c> in NumPy's order so the sum rounds identically.
    /// </summary>
    internal static double CdfDistance(ReadOnlySpan<ulong> u, ReadOnlySpan<ulong> v, int p)
    {
        int n1 = u.Length, n2 = v.Length;
        double dn1 = n1, dn2 = n2;
        using NumpySumAccumulator sum = NumpySumAccumulator.Create();
        int i = 0, j = 0;
        bool first = true;
        double previous = 0;
        double pendingDiff = 0;
        while (i < n1 || j < n2)
        {
            ulong key = (j >= n2 || (i < n1 && u[i] <= v[j])) ? u[i] : v[j];
            int run = 0;
            while (i < n1 && u[i] == key)
            {
                i++;
                run++;
            }

            while (j < n2 && v[j] == key)
            {
                j++;
                run++;
            }

            double value = SortedKeys.FromKey(key);
            if (!first)
            {
                // The last item of the previous run carries the step to this value.
                double delta = value - previous;
                sum.Add(Term(pendingDiff, delta, p));
            }

            first = false;

            // Items inside a run of ties contribute |U−V|^p · 0.
            double diff = (i / dn1) - (j / dn2);
            for (int r = 1; r < run; r++)
            {
                sum.Add(Term(diff, 0.0, p));
            }

            pendingDiff = diff;
            previous = value;
        }

        double total = sum.Total;
        return p == 1 ? total : Math.Sqrt(total);
    }

    private static double Term(double diff, double delta, int p) =>
        p == 1 ? Math.Abs(diff) * delta : diff * diff * delta;

    /// <summary>NumPy population standard deviation (<c>np.std(x)</c>, ddof = 0) in the data's own order.</summary>
    internal static double PopulationStd(ReadOnlySpan<double> x)
    {
        double mean = NumericHelpers.NumpySum(x) / x.Length;
        using NumpySumAccumulator acc = NumpySumAccumulator.Create();
        for (int i = 0; i < x.Length; i++)
        {
            double d = x[i] - mean;
            acc.Add(d * d);
        }

        return Math.Sqrt(acc.Total / x.Length);
    }

    /// <summary>Rents a buffer and copies; a helper for callers that need a private copy.</summary>
    internal static double[] RentCopy(ReadOnlySpan<double> values)
    {
        double[] buffer = ArrayPool<double>.Shared.Rent(Math.Max(1, values.Length));
        values.CopyTo(buffer);
        return buffer;
    }
}
