namespace MLOps.Drift.Statistics;

/// <summary>
/// The two-sided one-sample Kolmogorov–Smirnov distribution <c>Dₙ</c> (SciPy's <c>kstwo</c>) and its limiting
/// form (SciPy's <c>kstwobign</c>, <c>scipy.special.kolmogorov</c>), computed with the Simard–L'Ecuyer (2011)
/// algorithm selection exactly as SciPy 1.10's <c>scipy/stats/_ksstats.py</c>: Ruben–Gambino closed forms at the
/// ends, the Durbin matrix (Marsaglia–Tsang–Wang), the Pomeranz recursion, twice the one-sided Smirnov
/// probability, and the Pelz–Good asymptotic series.
/// </summary>
/// <remarks>All members are pure functions and thread-safe.</remarks>
public static class KolmogorovDistribution
{
    private const int E128 = 128;
    private static readonly double Ep128 = Math.ScaleB(1.0, E128);
    private static readonly double Em128 = Math.ScaleB(1.0, -E128);
    private static readonly double Sqrt2Pi = Math.Sqrt(2 * Math.PI);
    private static readonly double Log2Pi = Math.Log(2 * Math.PI);
    private static readonly double Sqrt3 = Math.Sqrt(3);
    private static readonly double PiSquared = Math.Pow(Math.PI, 2);
    private static readonly double PiFour = Math.Pow(Math.PI, 4);
    private static readonly double PiSix = Math.Pow(Math.PI, 6);
    private const int MinLog = -708;

    private static readonly double[] StirlingCoefficients =
    [
        -2.955065359477124183e-2, 6.4102564102564102564e-3,
        -1.9175269175269175269e-3, 8.4175084175084175084e-4,
        -5.952380952380952381e-4, 7.9365079365079365079e-4,
        -2.7777777777777777778e-3, 8.3333333333333333333e-2,
    ];

    /// <summary>
    /// The survival function <c>P(Dₙ ≥ x)</c> (<c>scipy.stats.kstwo.sf(x, n)</c>).
    /// </summary>
    /// <param name="n">The sample size, from 1 to <see cref="int.MaxValue"/>.</param>
    /// <param name="x">The statistic; values at or below <c>0.5/n</c> give 1, at or above 1 give 0.</param>
    /// <returns>The probability, clipped to [0, 1]; NaN when <paramref name="x"/> is NaN.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="n"/> is less than 1 or greater than <see cref="int.MaxValue"/> (SciPy's <c>smirnov</c> takes a C int too).</exception>
    public static double Sf(long n, double x)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(n, int.MaxValue);
        if (double.IsNaN(x))
        {
            return double.NaN;
        }

        // rv_continuous.sf: outside the support (0.5/n, 1) the answer is 1 below and 0 above.
        if (x <= 0.5 / n)
        {
            return 1.0;
        }

        if (x >= 1.0)
        {
            return 0.0;
        }

        return Kolmogn(n, x, cdf: false);
    }

    /// <summary>
    /// The distribution function <c>P(Dₙ ≤ x)</c> (<c>scipy.stats.kstwo.cdf(x, n)</c>).
    /// </summary>
    /// <param name="n">The sample size, from 1 to <see cref="int.MaxValue"/>.</param>
    /// <param name="x">The statistic.</param>
    /// <returns>The probability, clipped to [0, 1]; NaN when <paramref name="x"/> is NaN.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="n"/> is less than 1 or greater than <see cref="int.MaxValue"/>.</exception>
    public static double Cdf(long n, double x)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(n, int.MaxValue);
        if (double.IsNaN(x))
        {
            return double.NaN;
        }

        if (x <= 0.5 / n)
        {
            return 0.0;
        }

        if (x >= 1.0)
        {
            return 1.0;
        }

        return Kolmogn(n, x, cdf: true);
    }

    /// <summary>
    /// The limiting (n → ∞) survival function <c>P(√n·Dₙ ≥ y) = 2 Σ (−1)^(k−1) e^(−2k²y²)</c>
    /// (<c>scipy.special.kolmogorov(y)</c>, cephes <c>kolmogorov.c</c>).
    /// </summary>
    /// <param name="y">The scaled statistic.</param>
    /// <returns>The probability in [0, 1]; NaN when <paramref name="y"/> is NaN.</returns>
    public static double LimitingSf(double y)
    {
        if (double.IsNaN(y))
        {
            return double.NaN;
        }

        if (y <= 0 || y <= Math.PI / Math.Sqrt(-(-708 - 38) * 8))
        {
            return 1.0;
        }

        double p = 1.0;
        double sf;
        if (y <= 0.82)
        {
            double w = Math.Sqrt(2 * Math.PI) / y;
            double logu8 = -Math.PI * Math.PI / (y * y);
            double u = Math.Exp(logu8 / 8);
            if (u == 0)
            {
                p = Math.Exp((logu8 / 8) + Math.Log(w));
            }
            else
            {
                double u8 = Math.Exp(logu8);
                double u8cub = Math.Pow(u8, 3);
                p = 1 + (u8cub * p);
                p = 1 + (u8 * u8 * p);
                p = 1 + (u8 * p);
                p = w * u * p;
            }

            sf = 1 - p;
        }
        else
        {
            double v = Math.Exp(-2 * y * y);
            double vsq = v * v;
            double v3 = Math.Pow(v, 3);
            double vpwr = v3 * v3 * v;
            p = 1 - (vpwr * p);
            vpwr = v3 * vsq;
            p = 1 - (vpwr * p);
            vpwr = v3;
            p = 1 - (vpwr * p);
            sf = 2 * v * p;
        }

        return sf < 0 ? 0 : Math.Min(sf, 1);
    }

    private static double Select(double cdfProb, double sfProb, bool cdf) => Clip(cdf ? cdfProb : sfProb);

    private static double Clip(double p) => p < 0.0 ? 0.0 : (p > 1.0 ? 1.0 : p);

    /// <summary><c>_kolmogn(n, x, cdf)</c>.</summary>
    internal static double Kolmogn(long n, double x, bool cdf)
    {
        if (x >= 1.0)
        {
            return Select(1.0, 0.0, cdf);
        }

        if (x <= 0.0)
        {
            return Select(0.0, 1.0, cdf);
        }

        double t = n * x;
        if (t <= 1.0)
        {
            // Ruben–Gambino: 1/2n <= x <= 1/n.
            if (t <= 0.5)
            {
                return Select(0.0, 1.0, cdf);
            }

            double prob;
            if (n <= 140)
            {
                prob = 1.0;
                double invN = 1.0 / n;
                double twoTm1 = (2 * t) - 1;
                for (long i = 1; i <= n; i++)
                {
                    prob *= i * invN * twoTm1;
                }
            }
            else
            {
                prob = Math.Exp(LogNFactorialDivNPowN(n) + (n * Math.Log((2 * t) - 1)));
            }

            return Select(prob, 1.0 - prob, cdf);
        }

        if (t >= n - 1)
        {
            // Ruben–Gambino.
            double prob = 2 * Math.Pow(1.0 - x, n);
            return Select(1 - prob, prob, cdf);
        }

        if (x >= 0.5)
        {
            double prob = 2 * Smirnov.Sf(checked((int)n), x);
            return Select(1.0 - prob, prob, cdf);
        }

        double nxSquared = t * x;
        if (n <= 140)
        {
            if (nxSquared <= 0.754693)
            {
                double prob = DurbinMtw(n, x);
                return Select(prob, 1.0 - prob, cdf);
            }

            if (nxSquared <= 4)
            {
                double prob = Pomeranz(checked((int)n), x);
                return Select(prob, 1.0 - prob, cdf);
            }

            double p2 = 2 * Smirnov.Sf(checked((int)n), x);
            return Select(1.0 - p2, p2, cdf);
        }

        if (!cdf)
        {
            if (nxSquared >= 370.0)
            {
                return 0.0;
            }

            if (nxSquared >= 2.2)
            {
                return Clip(2 * Smirnov.Sf(checked((int)n), x));
            }
        }

        double cdfProb;
        if (nxSquared >= 18.0)
        {
            cdfProb = 1.0;
        }
        else if (n <= 100000 && n * Math.Pow(x, 1.5) <= 1.4)
        {
            cdfProb = DurbinMtw(n, x);
        }
        else
        {
            cdfProb = PelzGood(n, x);
        }

        return Select(cdfProb, 1.0 - cdfProb, cdf);
    }

    private static double LogNFactorialDivNPowN(long n)
    {
        double rn = 1.0 / n;
        double poly = 0.0;
        double arg = rn / n;
        foreach (double c in StirlingCoefficients)
        {
            poly = (poly * arg) + c;
        }

        return (Math.Log(n) / 2) - n + (Log2Pi / 2) + (rn * poly);
    }

    /// <summary><c>_kolmogn_DMTW(n, d, cdf=True)</c>: the Durbin matrix algorithm.</summary>
    private static double DurbinMtw(long n, double d)
    {
        if (d >= 1.0)
        {
            return 1.0;
        }

        double nd = n * d;
        if (nd <= 0.5)
        {
            return 0.0;
        }

        int k = (int)Math.Ceiling(nd);
        double h = k - nd;
        int m = (2 * k) - 1;

        double[] hm = new double[m * m];
        double[] v = new double[m];
        double[] w = new double[m];
        double fac = 1.0;
        for (int j = 1; j <= m; j++)
        {
            v[j - 1] = 1.0 - Math.Pow(h, j);
            w[j - 1] = fac;
            fac /= j;
            v[j - 1] *= fac;
        }

        double tt = Math.Pow(Math.Max((2 * h) - 1.0, 0), m) - (2 * Math.Pow(h, m));
        v[m - 1] = (1.0 + tt) * fac;

        for (int i = 1; i < m; i++)
        {
            // H[i-1:, i] = w[:m-i+1]
            for (int r = i - 1; r < m; r++)
            {
                hm[(r * m) + i] = w[r - (i - 1)];
            }
        }

        for (int r = 0; r < m; r++)
        {
            hm[r * m] = v[r];
        }

        for (int c = 0; c < m; c++)
        {
            hm[((m - 1) * m) + c] = v[m - 1 - c];
        }

        double[] hpwr = new double[m * m];
        for (int i = 0; i < m; i++)
        {
            hpwr[(i * m) + i] = 1.0;
        }

        double[] tmp = new double[m * m];
        long nn = n;
        int expnt = 0;
        int hexpnt = 0;
        while (nn > 0)
        {
            if (nn % 2 != 0)
            {
                MatMul(hpwr, hm, tmp, m);
                (hpwr, tmp) = (tmp, hpwr);
                expnt += hexpnt;
            }

            MatMul(hm, hm, tmp, m);
            (hm, tmp) = (tmp, hm);
            hexpnt *= 2;
            if (Math.Abs(hm[((k - 1) * m) + (k - 1)]) > Ep128)
            {
                for (int i = 0; i < hm.Length; i++)
                {
                    hm[i] /= Ep128;
                }

                hexpnt += E128;
            }

            nn /= 2;
        }

        double p = hpwr[((k - 1) * m) + (k - 1)];
        for (long i = 1; i <= n; i++)
        {
            p = i * p / n;
            if (Math.Abs(p) < Em128)
            {
                p *= Ep128;
                expnt -= E128;
            }
        }

        if (expnt != 0)
        {
            p = Math.ScaleB(p, expnt);
        }

        return Clip(p);
    }

    private static void MatMul(double[] a, double[] b, double[] result, int m)
    {
        Array.Clear(result);
        for (int i = 0; i < m; i++)
        {
            int rowA = i * m;
            Span<double> rowR = result.AsSpan(rowA, m);
            for (int kk = 0; kk < m; kk++)
            {
                double aik = a[rowA + kk];
                if (aik == 0.0)
                {
                    continue;
                }

                ReadOnlySpan<double> rowB = b.AsSpan(kk * m, m);
                for (int j = 0; j < m; j++)
                {
                    rowR[j] += aik * rowB[j];
                }
            }
        }
    }

    private static (int J1, int J2) PomeranzJ1J2(int i, int n, int ll, int ceilf, int roundf)
    {
        int j1, j2;
        if (i == 0)
        {
            j1 = -ll - ceilf - 1;
            j2 = ll + ceilf - 1;
        }
        else
        {
            int ip1div2 = (i + 1) / 2;
            int ip1mod2 = (i + 1) % 2;
            if (ip1mod2 == 0)
            {
                if (ip1div2 == n + 1)
                {
                    j1 = n - ll - ceilf - 1;
                    j2 = n + ll + ceilf - 1;
                }
                else
                {
                    j1 = ip1div2 - 1 - ll - roundf - 1;
                    j2 = ip1div2 + ll - 1 + ceilf - 1;
                }
            }
            else
            {
                j1 = ip1div2 - 1 - ll - 1;
                j2 = ip1div2 + ll + roundf - 1;
            }
        }

        return (Math.Max(j1 + 2, 0), Math.Min(j2, n));
    }

    /// <summary><c>_kolmogn_Pomeranz(n, x, cdf=True)</c>.</summary>
    private static double Pomeranz(int n, double x)
    {
        double t = n * x;
        int ll = (int)Math.Floor(t);
        double f = 1.0 * (t - ll);
        double g = Math.Min(f, 1.0 - f);
        int ceilf = f > 0 ? 1 : 0;
        int roundf = f > 0.5 ? 1 : 0;
        int npwrs = 2 * (ll + 1);
        double[] gpower = new double[npwrs];
        double[] twogpower = new double[npwrs];
        double[] onem2gpower = new double[npwrs];
        gpower[0] = 1.0;
        twogpower[0] = 1.0;
        onem2gpower[0] = 1.0;
        int expnt = 0;
        double gOverN = g / n, twoGOverN = 2 * g / n, oneMinusTwoGOverN = (1 - (2 * g)) / n;
        for (int m = 1; m < npwrs; m++)
        {
            gpower[m] = gpower[m - 1] * gOverN / m;
            twogpower[m] = twogpower[m - 1] * twoGOverN / m;
            onem2gpower[m] = onem2gpower[m - 1] * oneMinusTwoGOverN / m;
        }

        double[] v0 = new double[npwrs];
        double[] v1 = new double[npwrs];
        double[] conv = new double[2 * npwrs];
        v1[0] = 1;
        int v0s = 0, v1s = 0;
        (int j1, int j2) = PomeranzJ1J2(0, n, ll, ceilf, roundf);
        for (int i = 1; i < (2 * n) + 2; i++)
        {
            int k1 = j1;
            (v0, v1) = (v1, v0);
            (v0s, v1s) = (v1s, v0s);
            Array.Clear(v1);
            (j1, j2) = PomeranzJ1J2(i, n, ll, ceilf, roundf);
            double[] pwrs = (i == 1 || i == (2 * n) + 1) ? gpower : ((i % 2) != 0 ? twogpower : onem2gpower);
            int ln2 = j2 - k1 + 1;
            if (ln2 > 0)
            {
                // conv = np.convolve(V0[k1 - V0s:k1 - V0s + ln2], pwrs[:ln2]) with NumPy's slice clamping.
                int aStart = PySliceIndex(k1 - v0s, npwrs);
                int aEnd = PySliceIndex(k1 - v0s + ln2, npwrs);
                int aLen = Math.Max(aEnd - aStart, 0);
                int bLen = Math.Min(ln2, npwrs);
                int convLen = aLen + bLen - 1;
                for (int c = 0; c < convLen; c++)
                {
                    double s = 0.0;
                    int lo = Math.Max(0, c - (bLen - 1));
                    int hi = Math.Min(c, aLen - 1);
                    for (int a = lo; a <= hi; a++)
                    {
                        s += v0[aStart + a] * pwrs[c - a];
                    }

                    conv[c] = s;
                }

                int convStart = j1 - k1;
                int convCount = j2 - j1 + 1;
                double max = double.NegativeInfinity;
                for (int c = 0; c < convCount; c++)
                {
                    double val = conv[convStart + c];
                    v1[c] = val;
                    if (val > max)
                    {
                        max = val;
                    }
                }

                for (int c = convCount; c < npwrs; c++)
                {
                    max = Math.Max(max, v1[c]);
                }

                if (max > 0 && max < Em128)
                {
                    for (int c = 0; c < npwrs; c++)
                    {
                        v1[c] *= Ep128;
                    }

                    expnt -= E128;
                }

                v1s = v0s + j1 - k1;
            }
        }

        double ans = v1[n - v1s];
        for (int m = 1; m <= n; m++)
        {
            if (Math.Abs(ans) > Ep128)
            {
                ans *= Em128;
                expnt += E128;
            }

            ans *= m;
        }

        if (expnt != 0)
        {
            ans = Math.ScaleB(ans, expnt);
        }

        return Clip(ans);
    }

    private static int PySliceIndex(int index, int length)
    {
        if (index < 0)
        {
            index += length;
            return index < 0 ? 0 : index;
        }

        return Math.Min(index, length);
    }

    /// <summary><c>_kolmogn_PelzGood(n, x, cdf=True)</c>.</summary>
    private static double PelzGood(long n, double x)
    {
        if (x <= 0.0)
        {
            return 0.0;
        }

        if (x >= 1.0)
        {
            return 1.0;
        }

        double z = Math.Sqrt(n) * x;
        double zsquared = Math.Pow(z, 2), zthree = Math.Pow(z, 3), zfour = Math.Pow(z, 4), zsix = Math.Pow(z, 6);
        double qlog = -PiSquared / 8 / zsquared;
        if (qlog < MinLog)
        {
            return 0.0;
        }

        double q = Math.Exp(qlog);
        double k1a = -zsquared;
        double k1b = PiSquared / 4;
        double k2a = (6 * zsix) + (2 * zfour);
        double k2b = ((2 * zfour) - (5 * zsquared)) * PiSquared / 4;
        double k2c = PiFour * (1 - (2 * zsquared)) / 16;
        double k3d = PiSix * (5 - (30 * zsquared)) / 64;
        double k3c = PiFour * ((-60 * zsquared) + (212 * zfour)) / 16;
        double k3b = PiSquared * ((135 * zfour) - (96 * zsix)) / 4;
        double k3a = (-30 * zsix) - (90 * Math.Pow(z, 8));

        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int maxk = (int)Math.Ceiling(16 * z / Math.PI);
        for (int k = maxk; k > 0; k--)
        {
            long m = (2 * k) - 1;
            double msquared = m * m, mfour = m * m * m * m, msix = m * m * m * m * m * m;
            double qpower = Math.Pow(q, 8 * k);
            s0 *= qpower;
            s1 *= qpower;
            s2 *= qpower;
            s3 *= qpower;
            s0 += 1.0;
            s1 += k1a + (k1b * msquared);
            s2 += k2a + (k2b * msquared) + (k2c * mfour);
            s3 += k3a + (k3b * msquared) + (k3c * mfour) + (k3d * msix);
        }

        s0 *= q;
        s1 *= q;
        s2 *= q;
        s3 *= q;
        s0 *= Sqrt2Pi;
        s1 *= Sqrt2Pi;
        s2 *= Sqrt2Pi;
        s3 *= Sqrt2Pi;
        s0 /= z;
        s1 /= 6 * zfour;
        s2 /= 72 * Math.Pow(z, 7);
        s3 /= 6480 * Math.Pow(z, 10);

        q = Math.Exp(-PiSquared / 2 / zsquared);
        double sqrt3z = Sqrt3 * z;
        Span<double> terms2 = maxk <= 64 ? stackalloc double[maxk] : new double[maxk];
        Span<double> terms3 = maxk <= 64 ? stackalloc double[maxk] : new double[maxk];
        for (int idx = 0; idx < maxk; idx++)
        {
            long kk = maxk - idx;
            long ksquared = kk * kk;
            double qpw = Math.Pow(q, ksquared);
            double kspi = Math.PI * kk;
            terms2[idx] = ksquared * qpw;
            terms3[idx] = (sqrt3z + kspi) * (sqrt3z - kspi) * ksquared * qpw;
        }

        double k2extra = NumericHelpers.NumpySum(terms2);
        k2extra *= PiSquared * Sqrt2Pi / (-36 * zthree);
        s2 += k2extra;
        double k3extra = NumericHelpers.NumpySum(terms3);
        k3extra *= PiSquared * Sqrt2Pi / (216 * zsix);
        s3 += k3extra;

        double nd = n * 1.0;
        s1 /= Math.Pow(nd, 0.5);
        s2 /= Math.Pow(nd, 1.0);
        s3 /= Math.Pow(nd, 1.5);
        s0 /= Math.Pow(nd, 0.0);

        return 0 + s0 + s1 + s2 + s3;
    }
}
