namespace MLOps.Drift.Statistics;

/// <summary>
/// The one-sided Kolmogorov–Smirnov (Smirnov) survival function <c>P(D⁺ₙ ≥ x)</c>, a line-by-line port of
/// <c>_smirnov</c> in SciPy 1.10's <c>scipy/special/cephes/kolmogorov.c</c> (van Mulbregt's double-double
/// evaluation of the Birnbaum–Tingey sum), restricted to the survival function.
/// </summary>
internal static class Smirnov
{
    private const int SmirnovMaxComputeN = 1000000;
    private const int SmUpperMaxTerms = 3;
    private const int SmUpperSumMinN = 10;
    private const int MaxExponent = 960;

    /// <summary>Cephes <c>MINLOG</c> (log 2^-1075) with DENORMAL configured.</summary>
    private const double MinLog = -7.451332191019412076235E2;

    /// <summary>C <c>DBL_EPSILON</c>.</summary>
    private const double DblEpsilon = 2.220446049250313e-16;

    private const double Ln2 = 0.693147180559945309417232121458176568;

    /// <summary><c>scipy.special.smirnov(n, x)</c>.</summary>
    public static double Sf(int n, double x)
    {
        if (double.IsNaN(x))
        {
            return double.NaN;
        }

        if (!(n > 0 && x >= 0.0 && x <= 1.0))
        {
            return double.NaN;
        }

        if (n == 1)
        {
            return 1 - x;
        }

        if (x == 0.0)
        {
            return 1.0;
        }

        if (x == 1.0)
        {
            return 0.0;
        }

        double alpha = ModNX(n, x, out int nxfl, out _);
        int n1mxfl = n - nxfl - (alpha == 0 ? 0 : 1);
        int n1mxceil = n - nxfl;
        if (alpha == 0)
        {
            n1mxfl -= 1;
            n1mxceil += 1;
        }

        // Special case: x <= 1/n.
        if (nxfl == 0 || (nxfl == 1 && alpha == 0))
        {
            double t = Pow2(1, x, n - 1);
            double cdf = x * t;
            return 1 - cdf;
        }

        // Special case: x so big that the survival function underflows.
        if (-2 * n * x * x < MinLog)
        {
            return 0;
        }

        // Special case: x >= 1 - 1/n.
        if (nxfl >= n - 1)
        {
            return Pow2(1, -x, n);
        }

        // Special case: n too big to sum.
        if (n > SmirnovMaxComputeN)
        {
            double logp = -Math.Pow((6.0 * n * x) + 1, 2) / 18.0 / n;
            if (logp < -Ln2)
            {
                return Math.Exp(logp);
            }

            double cdf = -NumericHelpers.Expm1(logp);
            return 1 - cdf;
        }

        int nUpperTerms = n - n1mxceil + 1;
        bool useUpperSum = nUpperTerms <= 1 && x < 0.5;
        useUpperSum = useUpperSum
            || (n >= SmUpperSumMinN && nUpperTerms <= SmUpperMaxTerms && x <= 0.5 / Math.Sqrt(n));

        int start = 0, step = 1, nTerms = n1mxfl + 1;
        if (!useUpperSum && n >= FastSumMinN)
        {
            double fast = FastLowerSum(n, x, nTerms);
            return fast < 0 ? 0 : Math.Min(fast, 1);
        }

        int vmid = n / 2;
        DoubleDouble cman = DoubleDouble.One;
        int cexpt = 0;
        DoubleDouble aj;
        DoubleDouble ajSum = DoubleDouble.Zero;
        if (useUpperSum)
        {
            start = n;
            step = -1;
            nTerms = n - n1mxceil + 1;
            aj = Pow4D(1, x, 1, 0, n - 1);
        }
        else
        {
            DoubleDouble t2 = Pow4D(1, -x, 1, 0, n);
            aj = DoubleDouble.Div(t2, x);
        }

        ajSum = DoubleDouble.Add(ajSum, aj);
        UpdateBinomial(ref cman, ref cexpt, n, 0);
        for (int j = 1; j < nTerms; j += 1)
        {
            int v = start + (j * step);
            aj = ComputeAv(n, x, v, cman, cexpt);
            if (aj.IsFinite && !aj.IsZero)
            {
                ajSum = DoubleDouble.Add(ajSum, aj);
            }

            if (!aj.IsZero)
            {
                if ((4 * (nTerms - j) * Math.Abs(aj.Hi) < DblEpsilon * ajSum.Hi) && (j != nTerms - 1))
                {
                    break;
                }
            }
            else if (j > vmid)
            {
                break;
            }

            UpdateBinomial(ref cman, ref cexpt, n, j);
        }

        double prob = DoubleDouble.Mul(x, ajSum).Hi;
        double sf = step < 0 ? 1 - prob : prob;
        return sf < 0 ? 0 : Math.Min(sf, 1);
    }

    /// <summary>From this n on, the lower Birnbaum–Tingey sum is evaluated term by term in log space (see <see cref="FastLowerSum"/>).</summary>
    internal const int FastSumMinN = 20000;

    private const double Ln2Pi = 1.837877066409345483560659472811;

    /// <summary>
    /// The same lower sum Σ_{v &lt; nTerms} x·C(n,v)(x + v/n)^(v−1)(1 − x − v/n)^(n−v) as SciPy, but each term
    /// written as (x / p_v)·Binom(v; n, p_v) with p_v = x + v/n and evaluated with Loader's saddle-point form
    /// (<c>stirlerr</c> and <c>bd0</c>, relative error ~1e-14 with no cancellation), summed outwards from the
    /// largest term with Neumaier compensation until the terms stop mattering (&lt; 1e-20 of the sum).
    /// </summary>
    /// <remarks>
    /// For n ≥ 20 000 SciPy's double-double evaluation visits up to n terms at ~1 µs each (0.5 s for n = 500 000,
    /// which dominates <c>ks_2samp</c> on a million values); this visits the ~80 % that matter at ~30 ns each.
    /// Agreement with SciPy is checked to 1e-9 relative over n up to 10^6 (both sides carry ~1e-13 rounding).
    /// </remarks>
    private static double FastLowerSum(int n, double x, int nTerms)
    {
        // n·x in double-double so that n·q_v = (n − v) − n·x keeps its low bits.
        DoubleDouble nxD = DoubleDouble.MulDD(n, x);
        double nxHi = nxD.Hi, nxLo = nxD.Lo;
        double stirN = LoaderTerms.StirlingError(n);
        double invN = 1.0 / n;

        double Term(int v)
        {
            if (v == 0)
            {
                return Math.Exp(n * NumericHelpers.Log1P(-x));
            }

            double np = v + nxHi + nxLo;
            double nq = (n - v) - nxHi - nxLo;
            if (!(nq > 0))
            {
                return 0.0;
            }

            int nv = n - v;
            double lc = stirN - LoaderTerms.StirlingError(v) - LoaderTerms.StirlingError(nv) - LoaderTerms.Bd0(v, np) - LoaderTerms.Bd0(nv, nq);
            double lf = Ln2Pi + Math.Log(v) + NumericHelpers.Log1P(-v * invN);
            double p = np * invN;
            return x / p * Math.Exp(lc - (0.5 * lf));
        }

        int last = nTerms - 1;
        int peak = (int)Math.Clamp((n * (1.0 - x)) / 2.0, 0, last);
        double sum = 0.0, compensation = 0.0;
        void Add(double t)
        {
            double s = sum + t;
            compensation += Math.Abs(sum) >= Math.Abs(t) ? (sum - s) + t : (t - s) + sum;
            sum = s;
        }

        Add(Term(peak));
        for (int v = peak + 1; v <= last; v++)
        {
            double t = Term(v);
            Add(t);
            if (t < 1e-20 * (sum + compensation))
            {
                break;
            }
        }

        for (int v = peak - 1; v >= 0; v--)
        {
            double t = Term(v);
            Add(t);
            if (t < 1e-20 * (sum + compensation))
            {
                break;
            }
        }

        return sum + compensation;
    }

    private static double ModNX(int n, double x, out int nxFloor, out double nx)
    {
        // floor(n*x) and the remainder, exactly.
        DoubleDouble nxD = DoubleDouble.MulDD(n, x);
        DoubleDouble nxFloorD = DoubleDouble.Floor(nxD);
        DoubleDouble alphaD = DoubleDouble.Sub(nxD, nxFloorD);
        double alpha = alphaD.Hi;
        nxFloor = (int)nxFloorD.Hi;
        if (alpha == 1)
        {
            nxFloor += 1;
            alpha = 0;
        }

        nx = nxD.Hi;
        return alpha;
    }

    private static void UpdateBinomial(ref DoubleDouble cman, ref int cexpt, int n, int j)
    {
        DoubleDouble rat = DoubleDouble.DivDD(n - j, j + 1.0);
        DoubleDouble man2 = DoubleDouble.Mul(cman, rat);
        man2 = DoubleDouble.Frexp(man2, out int expt);
        cexpt += expt;
        cman = man2;
    }

    private static DoubleDouble PowD(DoubleDouble a, int m)
    {
        if (m <= 0)
        {
            if (m == 0)
            {
                return DoubleDouble.One;
            }

            return DoubleDouble.Inv(PowD(a, -m));
        }

        if (a.IsZero)
        {
            return DoubleDouble.Zero;
        }

        double ans = Math.Pow(a.Hi, m);
        double r = a.Lo / a.Hi;
        double adj = m * r;
        if (Math.Abs(adj) > 1e-8)
        {
            if (Math.Abs(adj) < 1e-4)
            {
                // First two terms of the Taylor series of (1+r)^m.
                adj += (m * r) * ((m - 1) / 2.0 * r);
            }
            else
            {
                adj = NumericHelpers.Expm1(m * NumericHelpers.Log1P(r));
            }
        }

        return DoubleDouble.AddDD(ans, ans * adj);
    }

    private static double Pow2(double a, double b, int m) => PowD(DoubleDouble.AddDD(a, b), m).Hi;

    private static double NextPowerOf2(double x)
    {
        double q = Math.ScaleB(x, 1 - 53);
        double l = Math.Abs(q + x);
        if (l == 0)
        {
            l = Math.Abs(x);
        }
        else
        {
            int lint = (int)l;
            if (lint == l)
            {
                l = lint;
            }
        }

        return l;
    }

    private static DoubleDouble Pow2ScaledD(DoubleDouble a, int m, out int exponent)
    {
        // a^m = significand * 2^exponent.
        if (m <= 0)
        {
            if (m == 0)
            {
                exponent = 0;
                return DoubleDouble.One;
            }

            DoubleDouble inner = Pow2ScaledD(a, -m, out int ae1);
            DoubleDouble inv = DoubleDouble.Frexp(DoubleDouble.Inv(inner), out int ae2);
            exponent = -ae1 + ae2;
            return inv;
        }

        DoubleDouble y = DoubleDouble.Frexp(a, out int ye);
        if (m == 1)
        {
            exponent = ye;
            return y;
        }

        int maxExpt = MaxExponent;
        if (m * (y.Hi - 1) / y.Hi < -MaxExponent * Ln2)
        {
            double lg2y = Math.Log(y.Hi) / Ln2;
            double lgAns = m * lg2y;
            if (lgAns <= -MaxExponent)
            {
                maxExpt = (int)(NextPowerOf2((-MaxExponent / lg2y) + 1) / 2);
            }
        }

        DoubleDouble ans;
        int ansE;
        if (m <= maxExpt)
        {
            DoubleDouble ans1 = PowD(y, m);
            ans = DoubleDouble.Frexp(ans1, out ansE);
            ansE += m * ye;
            exponent = ansE;
            return ans;
        }

        int q = m / maxExpt;
        int r = m % maxExpt;
        DoubleDouble y2r = Pow2ScaledD(y, r, out int y2rE);
        DoubleDouble y2m = Pow2ScaledD(y, maxExpt, out int y2mE);
        DoubleDouble y2mq = Pow2ScaledD(y2m, q, out int y2mqE);
        ans = DoubleDouble.Frexp(DoubleDouble.Mul(y2r, y2mq), out ansE);
        y2mqE += y2mE * q;
        ansE += y2mqE + y2rE;
        ansE += m * ye;
        exponent = ansE;
        return ans;
    }

    private static DoubleDouble Pow4D(double a, double b, double c, double d, int m)
    {
        // ((a+b)/(c+d))^m
        if (m <= 0)
        {
            if (m == 0)
            {
                return DoubleDouble.One;
            }

            return Pow4D(c, d, a, b, -m);
        }

        DoubleDouble aa = DoubleDouble.AddDD(a, b);
        DoubleDouble cc = DoubleDouble.AddDD(c, d);
        if (aa.IsZero)
        {
            return cc.IsZero ? new DoubleDouble(double.NaN, double.NaN) : DoubleDouble.Zero;
        }

        if (cc.IsZero)
        {
            return aa.IsNegative
                ? new DoubleDouble(double.NegativeInfinity, double.NegativeInfinity)
                : new DoubleDouble(double.PositiveInfinity, double.PositiveInfinity);
        }

        return PowD(DoubleDouble.Div(aa, cc), m);
    }

    private static DoubleDouble ComputeAv(int n, double x, int v, DoubleDouble cman, int cexpt)
    {
        // A_v(n, x) = Binomial(n,v) * (1-x-v/n)^(n-v) * (x+v/n)^(v-1)
        DoubleDouble t2x = DoubleDouble.Sub(DoubleDouble.DivDD(n - v, n), x);
        DoubleDouble t2 = Pow2ScaledD(t2x, n - v, out int t2E);
        DoubleDouble t1x = DoubleDouble.Add(DoubleDouble.DivDD(v, n), x);
        DoubleDouble t1 = Pow2ScaledD(t1x, v - 1, out int t1E);
        DoubleDouble ans = DoubleDouble.Mul(t1, t2);
        ans = DoubleDouble.Mul(ans, cman);
        int ansE = cexpt + t1E + t2E;
        return DoubleDouble.Ldexp(ans, ansE);
    }
}
