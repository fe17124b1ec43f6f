using MathNet.Numerics;

namespace MLOps.Drift.Statistics;

/// <summary>Rank-based two-sample tests on sorted keys (ports of SciPy 1.10).</summary>
internal static class RankTests
{
    // np.polyfit(critical, log(sig), 2) for k = 2 samples (m = 1), computed once with NumPy 1.24 and frozen here;
    // anderson_ksamp evaluates exp(polyval(pf, A2)) between critical.min() and critical.max().
    private const double AdPoly0 = 0.01819809457411139;
    private const double AdPoly1 = -1.008226564465251;
    private const double AdPoly2 = -1.0777702798204876;
    private const double AdCriticalMin = 0.32500000000000007;
    private const double AdCriticalMax = 6.546;

    /// <summary>
    /// Above this many cells (m·n/2, two double arrays of that length, 64 MB) the exact Mann–Whitney distribution is
    /// not tabulated and the normal approximation is used instead; SciPy would tabulate it at any size (taking hours
    /// for, say, 5 vs 10^7 values).
    /// </summary>
    internal const long MannWhitneyExactCellLimit = 4_000_000;

    /// <summary><c>anderson_ksamp([x, y], midrank=True)</c>: (A2, p).</summary>
    public static TestStatistic AndersonDarling(ReadOnlySpan<ulong> x, ReadOnlySpan<ulong> y)
    {
        const int k = 2;
        long n1 = x.Length, n2 = y.Length;
        long bigN = n1 + n2;
        double fN = bigN;
        int i = 0, j = 0;
        long left = 0;
        int distinct = 0;
        using NumpySumAccumulator inner1 = NumpySumAccumulator.Create();
        using NumpySumAccumulator inner2 = NumpySumAccumulator.Create();
        while (i < n1 || j < n2)
        {
            ulong key = (j >= n2 || (i < n1 && x[i] <= y[j])) ? x[i] : y[j];
            long f1 = 0, f2 = 0;
            while (i < n1 && x[i] == key)
            {
                i++;
                f1++;
            }

            while (j < n2 && y[j] == key)
            {
                j++;
                f2++;
            }

            distinct++;
            double lj = f1 + f2;
            double bj = left + (lj / 2.0);
            double denom = (bj * (bigN - bj)) - (bigN * lj / 4.0);
            double mij1 = i - (f1 / 2.0);
            double mij2 = j - (f2 / 2.0);
            double t1 = (bigN * mij1) - (bj * n1);
            double t2 = (bigN * mij2) - (bj * n2);
            inner1.Add(lj / fN * (t1 * t1) / denom);
            inner2.Add(lj / fN * (t2 * t2) / denom);
            left += f1 + f2;
        }

        if (distinct < 2)
        {
            throw new ArgumentException("anderson_ksamp needs more than one distinct observation in the pooled data.");
        }

        if (bigN < 3)
        {
            // SciPy fails on the empty harmonic-sum array (IndexError) for two observations in total.
            throw new ArgumentException("anderson_ksamp needs at least three observations in total.");
        }

        double a2akN = 0.0;
        a2akN += inner1.Total / n1;
        a2akN += inner2.Total / n2;
        a2akN *= (bigN - 1.0) / bigN;

        double hSmall = 0.0 + (1.0 / n1) + (1.0 / n2);
        double cumulative = 0.0;
        double hsLast = 0.0;
        using (NumpySumAccumulator gAcc = NumpySumAccumulator.Create())
        {
            // hs_cs = cumsum(1 / arange(N-1, 1, -1)); g = sum(hs_cs / arange(2, N))
            long idx = 0;
            for (long v = bigN - 1; v > 1; v--)
            {
                cumulative += 1.0 / v;
                gAcc.Add(cumulative / (idx + 2));
                idx++;
            }

            hsLast = cumulative;
            double h = hsLast + 1;
            double g = gAcc.Total;
            double hh = hSmall;
            double a = (((4 * g) - 6) * (k - 1)) + ((10 - (6 * g)) * hh);
            double b = (((2 * g) - 4) * (k * k)) + (8 * h * k) + ((((2 * g) - (14 * h)) - 4) * hh) - (8 * h) + (4 * g) - 6;
            double c = (((6 * h) + (2 * g) - 2) * (k * k)) + (((4 * h) - (4 * g) + 6) * k) + (((2 * h) - 6) * hh) + (4 * h);
            double d = (((2 * h) + 6) * (k * k)) - (4 * h * k);
            Int128 bigN128 = bigN;
            double n3 = (double)(bigN128 * bigN128 * bigN128);
            double n2d = (double)(bigN128 * bigN128);
            double sigmasq = ((a * n3) + (b * n2d) + (c * bigN) + d) / ((bigN - 1.0) * (bigN - 2.0) * (bigN - 3.0));
            const int m = k - 1;
            double a2 = (a2akN - m) / Math.Sqrt(sigmasq);
            double p;
            if (a2 < AdCriticalMin)
            {
                p = 0.25;
            }
            else if (a2 > AdCriticalMax)
            {
                p = 0.001;
            }
            else
            {
                double poly = 0.0;
                poly = (poly * a2) + AdPoly0;
                poly = (poly * a2) + AdPoly1;
                poly = (poly * a2) + AdPoly2;
                p = Math.Exp(poly);
            }

            return new TestStatistic(a2, p);
        }
    }

    /// <summary><c>cramervonmises_2samp(x, y, method)</c>.</summary>
    public static TestStatistic CramerVonMises(ReadOnlySpan<ulong> x, ReadOnlySpan<ulong> y, CramerVonMisesMethod method)
    {
        long nx = x.Length, ny = y.Length;
        if (method == CramerVonMisesMethod.Auto)
        {
            method = Math.Max(nx, ny) > 20 ? CramerVonMisesMethod.Asymptotic : CramerVonMisesMethod.Exact;
        }

        // u = nx * sum((rx - arange(1, nx+1))**2) + ny * sum((ry - arange(1, ny+1))**2), midranks of the pooled sample.
        using NumpySumAccumulator sx = NumpySumAccumulator.Create();
        using NumpySumAccumulator sy = NumpySumAccumulator.Create();
        int i = 0, j = 0;
        long position = 0;
        while (i < nx || j < ny)
        {
            ulong key = (j >= ny || (i < nx && x[i] <= y[j])) ? x[i] : y[j];
            int i0 = i, j0 = j;
            while (i < nx && x[i] == key)
            {
                i++;
            }

            while (j < ny && y[j] == key)
            {
                j++;
            }

            long t = (i - i0) + (j - j0);
            double rank = 0.5 * ((position + t) + position + 1);
            for (int q = i0; q < i; q++)
            {
                double dlt = rank - (q + 1);
                sx.Add(dlt * dlt);
            }

            for (int q = j0; q < j; q++)
            {
                double dlt = rank - (q + 1);
                sy.Add(dlt * dlt);
            }

            position += t;
        }

        double u = nx * sx.Total;
        u += ny * sy.Total;
        long kk = nx * ny;
        long bigN = nx + ny;
        double tStat = (u / (double)(kk * (Int128)bigN)) - ((4 * kk) - 1) / (double)(6 * bigN);
        double p;
        if (method == CramerVonMisesMethod.Exact)
        {
            p = CvmExactPValue(u, nx, ny);
        }
        else
        {
            double et = (1 + (1.0 / bigN)) / 6;
            Int128 n128 = bigN, k128 = kk, nx128 = nx, ny128 = ny;
            Int128 vtNum = (n128 + 1) * ((4 * k128 * n128) - (3 * ((nx128 * nx128) + (ny128 * ny128))) - (2 * k128));
            Int128 vtDen = 45 * n128 * n128 * 4 * k128;
            double vt = NumericHelpers.TrueDivide(vtNum, vtDen);
            double tn = (1.0 / 6) + ((tStat - et) / Math.Sqrt(45 * vt));
            p = tn < 0.003 ? 1.0 : Math.Max(0, 1.0 - CvmInfCdf(tn));
        }

        return new TestStatistic(tStat, p);
    }

    /// <summary><c>_cdf_cvm_inf(x)</c>: the limiting Cramér–von Mises CDF (Csörgő–Faraway series, stops at |term| &lt; 1e-7).</summary>
    internal static double CvmInfCdf(double x)
    {
        double tot = 0.0;
        double piPow = Math.Pow(Math.PI, 1.5);
        for (int k = 0; ; k++)
        {
            double u = Math.Exp(NumericHelpers.Lgam(k + 0.5) - NumericHelpers.Lgam(k + 1)) / (piPow * Math.Sqrt(x));
            int y = (4 * k) + 1;
            double q = (y * y) / (16 * x);
            double b = SpecialFunctions.BesselK(0.25, q);
            double z = u * Math.Sqrt(y) * Math.Exp(-q) * b;
            tot += z;
            if (!(Math.Abs(z) >= 1e-7))
            {
                return tot;
            }
        }
    }

    /// <summary><c>_pval_cvm_2samp_exact(s, m, n)</c>.</summary>
    private static double CvmExactPValue(double s, long m, long n)
    {
        long lcm = m / NumericHelpers.Gcd(m, n) * n;
        long a = lcm / m;
        long b = lcm / n;
        long mn = m * n;
        double zeta = NumericHelpers.PythonFloorDiv(
            (double)(lcm * lcm * (m + n)) * ((6 * s) - (double)(mn * ((4 * mn) - 1))),
            (double)(6 * mn * mn));

        // gs[v]: frequency table of g_{u,v}^+ (value -> count), Xiao, Gordon and Yakovlev (2006), Algorithm 1.
        var gs = new Dictionary<long, long>[m + 1];
        gs[0] = new Dictionary<long, long> { [0] = 1 };
        for (int v = 1; v <= m; v++)
        {
            gs[v] = [];
        }

        for (long uu = 0; uu <= n; uu++)
        {
            var next = new Dictionary<long, long>[m + 1];
            var tmp = new Dictionary<long, long>();
            for (int v = 0; v <= m; v++)
            {
                var merged = new Dictionary<long, long>(tmp.Count + gs[v].Count);
                foreach (KeyValuePair<long, long> kv in tmp)
                {
                    merged[kv.Key] = kv.Value;
                }

                foreach (KeyValuePair<long, long> kv in gs[v])
                {
                    merged[kv.Key] = merged.TryGetValue(kv.Key, out long existing) ? existing + kv.Value : kv.Value;
                }

                long shift = (a * v) - (b * uu);
                shift *= shift;
                tmp = new Dictionary<long, long>(merged.Count);
                foreach (KeyValuePair<long, long> kv in merged)
                {
                    tmp[kv.Key + shift] = kv.Value;
                }

                next[v] = tmp;
            }

            gs = next;
        }

        long total = 0;
        foreach (KeyValuePair<long, long> kv in gs[m])
        {
            if (kv.Key >= zeta)
            {
                total += kv.Value;
            }
        }

        return total / ExactBinomial(m + n, m);
    }

    /// <summary>C(n, k) as a double (exact below 2^53).</summary>
    private static double ExactBinomial(long n, long k)
    {
        k = Math.Min(k, n - k);
        Int128 result = 1;
        for (long i = 1; i <= k; i++)
        {
            result = result * (n - k + i) / i;
        }

        return (double)result;
    }

    /// <summary><c>mannwhitneyu(x, y, use_continuity=True, alternative, method='auto')</c>.</summary>
    public static TestStatistic MannWhitneyU(ReadOnlySpan<ulong> x, ReadOnlySpan<ulong> y, Alternative alternative)
    {
        long n1 = x.Length, n2 = y.Length;
        double r1 = 0.0;
        long tieTerm = 0;
        bool ties = false;
        int i = 0, j = 0;
        long position = 0;
        while (i < n1 || j < n2)
        {
            ulong key = (j >= n2 || (i < n1 && x[i] <= y[j])) ? x[i] : y[j];
            int i0 = i, j0 = j;
            while (i < n1 && x[i] == key)
            {
                i++;
            }

            while (j < n2 && y[j] == key)
            {
                j++;
            }

            long t = (i - i0) + (j - j0);
            double rank = 0.5 * ((position + t) + position + 1);
            r1 += (i - i0) * rank;
            if (t > 1)
            {
                ties = true;
            }

            tieTerm += unchecked((t * t * t) - t);
            position += t;
        }

        double u1 = r1 - (n1 * (n1 + 1) / 2.0);
        double u2 = (n1 * n2) - u1;
        double u;
        double f;
        switch (alternative)
        {
            case Alternative.Greater:
                u = u1;
                f = 1;
                break;
            case Alternative.Less:
                u = u2;
                f = 1;
                break;
            default:
                u = Math.Max(u1, u2);
                f = 2;
                break;
        }

        bool exact = !(n1 > 8 && n2 > 8) && !ties && ((double)n1 * n2 / 2) <= MannWhitneyExactCellLimit;
        double p;
        if (exact)
        {
            p = MannWhitneyExactSf((long)u, (int)Math.Min(n1, n2), Math.Max(n1, n2));
        }
        else
        {
            double mu = n1 * n2 / 2.0;
            double n = n1 + n2;
            double s = Math.Sqrt(n1 * n2 / 12.0 * ((n + 1) - (tieTerm / (n * (n - 1)))));
            double numerator = u - mu;
            numerator -= 0.5;
            double z = numerator / s;
            p = NumericHelpers.NormalSf(z);
        }

        p *= f;
        p = p < 0 ? 0 : Math.Min(p, 1);
        return new TestStatistic(u1, p);
    }

    /// <summary>
    /// P(U ≥ u) under H0 for sample sizes m ≤ n: <c>_MWU.sf</c> = cdf(mn − u), with the counts f(m, n, k) taken from
    /// the Gaussian binomial coefficient [m+n choose m]_q, built factor by factor up to the needed degree.
    /// </summary>
    internal static double MannWhitneyExactSf(long u, int m, long n)
    {
        long kMax = (m * n) - u;
        if (kMax < 0)
        {
            return 0.0;
        }

        int len = (int)(kMax + 1);
        double[] prev = new double[len];
        double[] cur = new double[len];
        prev[0] = 1.0; // [n+0 choose 0]_q = 1
        for (int jj = 1; jj <= m; jj++)
        {
            long drop = n + jj;
            for (int k = 0; k < len; k++)
            {
                double t = prev[k];
                if (k >= drop)
                {
                    t -= prev[k - drop];
                }

                if (k >= jj)
                {
                    t += cur[k - jj];
                }

                cur[k] = t;
            }

            (prev, cur) = (cur, prev);
        }

        double binom = ScipyBinomSmall(m + n, m);
        double cdf = 0.0;
        for (int k = 0; k < len; k++)
        {
            cdf += prev[k] / binom;
        }

        return cdf;
    }

    /// <summary>SciPy's <c>special.binom(n, k)</c> product formula for integer k &lt; 20.</summary>
    private static double ScipyBinomSmall(double n, double k)
    {
        double kx = Math.Floor(k);
        double nx = Math.Floor(n);
        if (nx == n && kx > nx / 2 && nx > 0)
        {
            kx = nx - kx;
        }

        double num = 1.0, den = 1.0;
        for (int i = 1; i < 1 + (int)kx; i++)
        {
            num *= i + n - kx;
            den *= i;
            if (Math.Abs(num) > 1e50)
            {
                num /= den;
                den = 1.0;
            }
        }

        return num / den;
    }
}
