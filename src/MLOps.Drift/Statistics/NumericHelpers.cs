using System.Runtime.CompilerServices;
using MathNet.Numerics;

namespace MLOps.Drift.Statistics;

/// <summary>
/// Small numeric building blocks that reproduce the exact floating-point behaviour of the C library, NumPy 1.24
/// and CPython where SciPy 1.10 relies on them (pairwise summation, <c>frexp</c>, <c>log1p</c>, Python's float
/// floor division), so ported algorithms round the same way as the reference.
/// </summary>
internal static class NumericHelpers
{
    /// <summary>NumPy's buffer size: a reduction over a contiguous array is evaluated in chunks of this many items.</summary>
    private const int NumpyBufferSize = 8192;

    /// <summary>NumPy's pairwise-summation block size (<c>PW_BLOCKSIZE</c>).</summary>
    private const int PairwiseBlockSize = 128;

    /// <summary>
    /// <c>np.sum</c> of a contiguous float64 array, bit for bit: the data is reduced in 8192-item chunks, each
    /// chunk summed with NumPy's pairwise algorithm (8 accumulators up to 128 items, halving above).
    /// </summary>
    public static double NumpySum(ReadOnlySpan<double> values)
    {
        double result = 0.0;
        for (int start = 0; start < values.Length; start += NumpyBufferSize)
        {
            int length = Math.Min(NumpyBufferSize, values.Length - start);
            result += PairwiseSum(values.Slice(start, length));
        }

        return result;
    }

    /// <summary>NumPy's <c>pairwise_sum_DOUBLE</c> (numpy/core/src/umath/loops_utils.h.src).</summary>
    public static double PairwiseSum(ReadOnlySpan<double> a)
    {
        int n = a.Length;
        if (n < 8)
        {
            double res = 0.0;
            for (int i = 0; i < n; i++)
            {
                res += a[i];
            }

            return res;
        }

        if (n <= PairwiseBlockSize)
        {
            double r0 = a[0], r1 = a[1], r2 = a[2], r3 = a[3], r4 = a[4], r5 = a[5], r6 = a[6], r7 = a[7];
            int i;
            int limit = n - (n % 8);
            for (i = 8; i < limit; i += 8)
            {
                r0 += a[i];
                r1 += a[i + 1];
                r2 += a[i + 2];
                r3 += a[i + 3];
                r4 += a[i + 4];
                r5 += a[i + 5];
                r6 += a[i + 6];
                r7 += a[i + 7];
            }

            double res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7));
            for (; i < n; i++)
            {
                res += a[i];
            }

            return res;
        }

        int n2 = n / 2;
        n2 -= n2 % 8;
        return PairwiseSum(a[..n2]) + PairwiseSum(a[n2..]);
    }

    /// <summary>C <c>frexp</c>: <c>x = m·2^e</c> with 0.5 &lt;= |m| &lt; 1; zero, infinities and NaN come back unchanged with e = 0.</summary>
    public static double Frexp(double x, out int exponent)
    {
        if (x == 0.0 || !double.IsFinite(x))
        {
            exponent = 0;
            return x;
        }

        long bits = BitConverter.DoubleToInt64Bits(x);
        int biased = (int)((bits >> 52) & 0x7FF);
        if (biased == 0)
        {
            // Subnormal: scale into the normal range first.
            double scaled = Frexp(x * 18014398509481984.0 /* 2^54 */, out int e);
            exponent = e - 54;
            return scaled;
        }

        exponent = biased - 1022;
        bits = (bits & unchecked((long)0x800FFFFFFFFFFFFFUL)) | (1022L << 52);
        return BitConverter.Int64BitsToDouble(bits);
    }

    /// <summary>An accurate <c>log1p</c> (within a few ulps): .NET's <c>double.LogP1</c> is <c>Log(1 + x)</c>.</summary>
    public static double Log1P(double x)
    {
        if (double.IsNaN(x) || x == double.PositiveInfinity)
        {
            return x;
        }

        double u = 1.0 + x;
        if (u == 1.0)
        {
            return x;
        }

        // Goldberg's correction: the rounding error of 1 + x is compensated by the ratio.
        return Math.Log(u) * x / (u - 1.0);
    }

    /// <summary>An accurate <c>expm1</c> (Kahan's method): .NET's <c>double.ExpM1</c> is <c>Exp(x) - 1</c>.</summary>
    public static double Expm1(double x)
    {
        if (Math.Abs(x) < 1e-5)
        {
            // Taylor series is exact to double precision here.
            return x + (0.5 * x * x) + (x * x * x / 6.0);
        }

        double u = Math.Exp(x);
        if (u == 1.0)
        {
            return x;
        }

        double um1 = u - 1.0;
        if (um1 == -1.0)
        {
            return -1.0;
        }

        if (double.IsInfinity(u))
        {
            return u;
        }

        return um1 * x / Math.Log(u);
    }

    /// <summary>CPython's <c>float.__floordiv__</c> (Objects/floatobject.c <c>_float_div_mod</c>).</summary>
    public static double PythonFloorDiv(double vx, double wx)
    {
        double mod = CFmod(vx, wx);
        double div = (vx - mod) / wx;
        if (mod != 0.0)
        {
            if ((wx < 0) != (mod < 0))
            {
                div -= 1.0;
            }
        }

        double floordiv;
        if (div != 0.0)
        {
            floordiv = Math.Floor(div);
            if (div - floordiv > 0.5)
            {
                floordiv += 1.0;
            }
        }
        else
        {
            floordiv = Math.CopySign(0.0, vx / wx);
        }

        return floordiv;
    }

    /// <summary>C <c>fmod</c> (exact), which .NET exposes as the <c>%</c> operator on doubles.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double CFmod(double x, double y) => x % y;

    /// <summary>
    /// Python's exact <c>int / int</c>: the correctly rounded quotient of two integers (no intermediate rounding
    /// of the operands, unlike converting both to double first).
    /// </summary>
    public static double TrueDivide(Int128 a, Int128 b)
    {
        const long Exact = 1L << 53;
        if (a > -Exact && a < Exact && b > -Exact && b < Exact)
        {
            return (double)(long)a / (double)(long)b;
        }

        bool negative = (a < 0) ^ (b < 0);
        System.Numerics.BigInteger ua = System.Numerics.BigInteger.Abs((System.Numerics.BigInteger)a);
        System.Numerics.BigInteger ub = System.Numerics.BigInteger.Abs((System.Numerics.BigInteger)b);
        if (ua.IsZero)
        {
            return negative ? -0.0 : 0.0;
        }

        int shift = 64 - (int)(ua.GetBitLength() - ub.GetBitLength());
        System.Numerics.BigInteger num = shift >= 0 ? ua << shift : ua;
        System.Numerics.BigInteger den = shift >= 0 ? ub : ub << -shift;
        System.Numerics.BigInteger q = System.Numerics.BigInteger.DivRem(num, den, out System.Numerics.BigInteger r);
        bool sticky = !r.IsZero;
        while (q.GetBitLength() > 62)
        {
            sticky |= !q.IsEven;
            q >>= 1;
            shift--;
        }

        long bits = (long)q | (sticky ? 1L : 0L);
        double result = Math.ScaleB((double)bits, -shift);
        return negative ? -result : result;
    }

    private static readonly double[] LgamA =
    [
        8.11614167470508450300E-4, -5.95061904284301438324E-4, 7.93650340457716943945E-4,
        -2.77777777730099687205E-3, 8.33333333333331927722E-2,
    ];

    private static readonly double[] LgamB =
    [
        -1.37825152569120859100E3, -3.88016315134637840924E4, -3.31612992738871184744E5,
        -1.16237097492762307383E6, -1.72173700820839662146E6, -8.53555664245765465627E5,
    ];

    private static readonly double[] LgamC =
    [
        -3.51815701436523470549E2, -1.70642106651881159223E4, -2.20528590553854454839E5,
        -1.13933444367982507207E6, -2.53252307177582951285E6, -2.01889141433532773231E6,
    ];

    /// <summary>
    /// <c>scipy.special.gammaln</c> for x &gt; 0: cephes <c>lgam</c> (SciPy 1.10 <c>cephes/gamma.c</c>), ported so the
    /// last bits agree (MathNet's Lanczos <c>GammaLn</c> differs by an ulp, which <c>exp</c> of a difference of
    /// two log-gammas turns into a 1e-14 relative error).
    /// </summary>
    public static double Lgam(double x)
    {
        if (!double.IsFinite(x) || x <= 0)
        {
            return x <= 0 ? double.NaN : x;
        }

        double p, q, u, z;
        if (x < 13.0)
        {
            z = 1.0;
            p = 0.0;
            u = x;
            while (u >= 3.0)
            {
                p -= 1.0;
                u = x + p;
                z *= u;
            }

            while (u < 2.0)
            {
                z /= u;
                p += 1.0;
                u = x + p;
            }

            if (u == 2.0)
            {
                return Math.Log(z);
            }

            p -= 2.0;
            x += p;
            p = x * Polevl(x, LgamB) / P1evl(x, LgamC);
            return Math.Log(z) + p;
        }

        q = ((x - 0.5) * Math.Log(x)) - x + 0.91893853320467274178;
        if (x > 1.0e8)
        {
            return q;
        }

        p = 1.0 / (x * x);
        if (x >= 1000.0)
        {
            q += ((((7.9365079365079365079365e-4 * p) - 2.7777777777777777777778e-3) * p) + 0.0833333333333333333333) / x;
        }
        else
        {
            q += Polevl(p, LgamA) / x;
        }

        return q;
    }

    private static double Polevl(double x, double[] coef)
    {
        double ans = coef[0];
        for (int i = 1; i < coef.Length; i++)
        {
            ans = (ans * x) + coef[i];
        }

        return ans;
    }

    private static double P1evl(double x, double[] coef)
    {
        double ans = x + coef[0];
        for (int i = 1; i < coef.Length; i++)
        {
            ans = (ans * x) + coef[i];
        }

        return ans;
    }

    /// <summary>Greatest common divisor of two positive integers.</summary>
    public static long Gcd(long a, long b)
    {
        while (b != 0)
        {
            (a, b) = (b, a % b);
        }

        return a;
    }

    /// <summary>
    /// Cephes <c>ndtr</c> (the standard normal CDF) as SciPy 1.10 evaluates it: erf near zero, erfc in the tails,
    /// with the argument scaled by <c>1/√2</c> the same way.
    /// </summary>
    public static double Ndtr(double a)
    {
        const double Sqrth = 7.07106781186547524401E-1;
        if (double.IsNaN(a))
        {
            return double.NaN;
        }

        double x = a * Sqrth;
        double z = Math.Abs(x);
        if (z < Sqrth)
        {
            return 0.5 + (0.5 * SpecialFunctions.Erf(x));
        }

        double y = 0.5 * SpecialFunctions.Erfc(z);
        if (x > 0)
        {
            y = 1.0 - y;
        }

        return y;
    }

    /// <summary><c>scipy.stats.norm.sf(z)</c> = <c>ndtr(-z)</c>.</summary>
    public static double NormalSf(double z) => Ndtr(-z);

    /// <summary><c>scipy.stats.chi2.sf(x, df)</c> = <c>igamc(df/2, x/2)</c>, with SciPy's edge handling.</summary>
    public static double ChiSquareSf(double x, double df)
    {
        if (double.IsNaN(x) || !(df > 0))
        {
            // SciPy's argument check rejects df <= 0 (a single category) with NaN.
            return double.NaN;
        }

        if (x <= 0)
        {
            return 1.0;
        }

        if (double.IsPositiveInfinity(x))
        {
            return 0.0;
        }

        return SpecialFunctions.GammaUpperRegularized(df / 2.0, x / 2.0);
    }
}
