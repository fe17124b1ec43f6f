namespace MLOps.Drift.Statistics;

/// <summary>How the p-value of the two-sample Kolmogorov–Smirnov test is computed.</summary>
public enum KolmogorovSmirnovMethod
{
    /// <summary>SciPy's <c>method='auto'</c>: exact when both samples have at most 10 000 values, asymptotic otherwise.</summary>
    Auto = 0,

    /// <summary>The exact distribution (Hodges' lattice-path count); falls back to asymptotic when it cannot be computed.</summary>
    Exact = 1,

    /// <summary>The finite-n Kolmogorov distribution <c>kstwo.sf(D, round(n·m/(n+m)))</c>.</summary>
    Asymptotic = 2,
}

/// <summary>The result of a two-sample Kolmogorov–Smirnov test.</summary>
/// <param name="Statistic">The statistic <c>D = sup |F_ref − F_cur|</c>; in the exact regime it is <c>h/lcm(n,m)</c> as in SciPy.</param>
/// <param name="PValue">The two-sided p-value.</param>
/// <param name="Method">The method that produced the p-value (<see cref="KolmogorovSmirnovMethod.Exact"/> or <see cref="KolmogorovSmirnovMethod.Asymptotic"/>).</param>
public readonly record struct KolmogorovSmirnovResult(double Statistic, double PValue, KolmogorovSmirnovMethod Method);

/// <summary>Two-sample Kolmogorov–Smirnov internals: the statistic from sorted keys and SciPy 1.10's p-value paths.</summary>
internal static class KolmogorovSmirnov
{
    /// <summary>SciPy's <c>MAX_AUTO_N</c>: 'auto' is exact when max(n1, n2) &lt;= this.</summary>
    public const int MaxAutoN = 10000;

    public static KolmogorovSmirnovResult Test(in SortedKeys a, in SortedKeys b, KolmogorovSmirnovMethod method)
    {
        double d = Statistic(a.Keys, b.Keys);
        return PValue(a.Length, b.Length, d, method);
    }

    /// <summary>D over the pooled sample with SciPy's ECDF arithmetic (<c>count/n</c> differences).</summary>
    public static double Statistic(ReadOnlySpan<ulong> x, ReadOnlySpan<ulong> y)
    {
        int n1 = x.Length, n2 = y.Length;
        double dn1 = n1, dn2 = n2;
        double maxS = double.NegativeInfinity;
        double minDiff = double.PositiveInfinity;
        int i = 0, j = 0;
        while (i < n1 || j < n2)
        {
            ulong v;
            if (j >= n2 || (i < n1 && x[i] <= y[j]))
            {
                v = x[i];
            }
            else
            {
                v = y[j];
            }

            while (i < n1 && x[i] == v)
            {
                i++;
            }

            while (j < n2 && y[j] == v)
            {
                j++;
            }

            double diff = (i / dn1) - (j / dn2);
            if (diff > maxS)
            {
                maxS = diff;
            }

            if (diff < minDiff)
            {
                minDiff = diff;
            }
        }

        double minS = -minDiff;
        minS = minS < 0 ? 0 : Math.Min(minS, 1);
        return minS > maxS ? minS : maxS;
    }

    /// <summary>The p-value part of <c>scipy.stats.ks_2samp(alternative='two-sided')</c>, version 1.10.</summary>
    public static KolmogorovSmirnovResult PValue(long n1, long n2, double d, KolmogorovSmirnovMethod method)
    {
        long g = NumericHelpers.Gcd(n1, n2);
        long n1g = n1 / g;
        long n2g = n2 / g;
        double prob = double.NegativeInfinity;
        if (method == KolmogorovSmirnovMethod.Auto)
        {
            method = Math.Max(n1, n2) <= MaxAutoN ? KolmogorovSmirnovMethod.Exact : KolmogorovSmirnovMethod.Asymptotic;
        }
        else if (method == KolmogorovSmirnovMethod.Exact && n1g >= int.MaxValue / (double)n2g)
        {
            method = KolmogorovSmirnovMethod.Asymptotic;
        }

        if (method == KolmogorovSmirnovMethod.Exact)
        {
            bool success = TryExact(n1, n2, g, ref d, out prob);
            if (!success)
            {
                method = KolmogorovSmirnovMethod.Asymptotic;
            }
        }

        if (method == KolmogorovSmirnovMethod.Asymptotic)
        {
            double m = Math.Max(n1, n2), n = Math.Min(n1, n2);
            double en = m * n / (m + n);
            long effectiveN = (long)Math.Round(en, MidpointRounding.ToEven);

            // kstwo rejects n < 1 with NaN (only 1 vs 1 samples round down to 0).
            prob = effectiveN < 1 ? double.NaN : KolmogorovDistribution.Sf(effectiveN, d);
        }

        prob = prob < 0 ? 0 : Math.Min(prob, 1);
        return new KolmogorovSmirnovResult(d, prob, method);
    }

    /// <summary><c>_attempt_exact_2kssamp</c> for the two-sided alternative.</summary>
    private static bool TryExact(long n1, long n2, long g, ref double d, out double prob)
    {
        long lcm = (n1 / g) * n2;
        long h = (long)Math.Round(d * lcm, MidpointRounding.ToEven);
        d = h * 1.0 / lcm;
        if (h == 0)
        {
            prob = 1.0;
            return true;
        }

        prob = n1 == n2 ? ProbOutsideSquare(n1, h) : OuterProbInsideMethod(n1, n2, g, h);
        if (double.IsNaN(prob) || double.IsInfinity(prob))
        {
            return false;
        }

        return prob >= 0 && prob <= 1;
    }

    /// <summary><c>_compute_prob_outside_square(n, h)</c>: P(D_{n,n} &gt;= h/n), Horner form of the alternating sum.</summary>
    internal static double ProbOutsideSquare(long n, long h)
    {
        double p = 0.0;
        long k = (long)Math.Floor(n / (double)h);
        while (k >= 0)
        {
            double p1 = 1.0;
            for (long j = 0; j < h; j++)
            {
                p1 = (n - (k * h) - j) * p1 / (n + (k * h) + j + 1);
            }

            p = p1 * (1.0 - p);
            k -= 1;
        }

        return 2 * p;
    }

    /// <summary>
    /// <c>_compute_outer_prob_inside_method(m, n, g, h)</c> (SciPy 1.10 <c>_stats_pythran.py</c>): the proportion of
    /// lattice paths that leave the band |x/m − y/n| &lt; h/lcm, via Viehmann's recursion for 1 − p.
    /// </summary>
    internal static double OuterProbInsideMethod(long m, long n, long g, long h)
    {
        if (m < n)
        {
            (m, n) = (n, m);
        }

        long mg = m / g;
        long ng = n / g;
        long minj = 0;
        long maxj = Math.Min((long)Math.Ceiling(h / (double)mg), n + 1);
        long curlen = maxj - minj;
        long lenA = Math.Min((2 * maxj) + 2, n + 1);
        double[] a = new double[lenA];
        a.AsSpan().Fill(1.0);
        a.AsSpan((int)minj, (int)Math.Min(maxj - minj, lenA - minj)).Clear();
        for (long i = 1; i <= m; i++)
        {
            long lastminj = minj, lastlen = curlen;
            minj = Math.Max((long)Math.Floor(((ng * i) - h) / (double)mg) + 1, 0);
            minj = Math.Min(minj, n);
            maxj = Math.Min((long)Math.Ceiling(((ng * i) + h) / (double)mg), n + 1);
            if (maxj <= minj)
            {
                return 1.0;
            }

            double val = minj == 0 ? 0.0 : 1.0;
            for (long jj = 0; jj < maxj - minj; jj++)
            {
                long j = jj + minj;
                val = ((a[jj + minj - lastminj] * i) + (val * j)) / (i + j);
                a[jj] = val;
            }

            curlen = maxj - minj;
            if (lastlen > curlen)
            {
                long from = maxj - minj;
                long to = Math.Min(from + (lastlen - curlen), lenA);
                for (long q = from; q < to; q++)
                {
                    a[q] = 1;
                }
            }
        }

        return a[maxj - minj - 1];
    }
}
