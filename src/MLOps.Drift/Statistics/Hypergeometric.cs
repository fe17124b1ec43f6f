namespace MLOps.Drift.Statistics;

/// <summary>
/// The hypergeometric distribution with relative accuracy near machine precision for large populations: the
/// probability mass uses Loader's saddle-point expansion (as R's <c>dhyper</c>: <c>stirlerr</c>, <c>bd0</c>,
/// <c>dbinom_raw</c>), and the tails are summed from the tail inwards with the term ratio, following the branch
/// structure of Boost's <c>hypergeometric_cdf_imp</c> that SciPy 1.10's <c>hypergeom</c> calls.
/// </summary>
/// <remarks>
/// Parameters follow SciPy: <c>total</c> = M (population), <c>good</c> = n (success states), <c>draws</c> = N.
/// </remarks>
internal static class Hypergeometric
{
    private const double Ln2Pi = 1.837877066409345483560659472811;

    // stirlerr(n) = ln(n!) - (n + 1/2) ln n + n - ln √(2π) for n = 0..15, computed with 60-digit decimals.
    private static readonly double[] StirlingErrors =
    [
        0.0,
        0.08106146679532726, 0.0413406959554093, 0.02767792568499834, 0.020790672103765093,
        0.016644691189821193, 0.013876128823070748, 0.01189670994589177, 0.010411265261972096,
        0.009255462182712733, 0.00833056343336287, 0.007573675487951841, 0.00694284010720953,
        0.006408994188004207, 0.0059513701127588475, 0.005554733551962801,
    ];

    public static double Pmf(long x, long total, long good, long draws)
    {
        long bad = total - good;
        if (x < Math.Max(0, draws - bad) || x > Math.Min(good, draws))
        {
            return 0.0;
        }

        if (draws == 0 || draws == total)
        {
            return 1.0;
        }

        double p = draws / (double)total;
        double q = (total - draws) / (double)total;
        double p1 = BinomialRaw(x, good, p, q);
        double p2 = BinomialRaw(draws - x, bad, p, q);
        double p3 = BinomialRaw(draws, total, p, q);
        return p1 * p2 / p3;
    }

    /// <summary>The mode used by Boost to pick the tail to sum: floor((r+1)(n+1)/(N+2)).</summary>
    private static long BoostMode(long total, long good, long draws) =>
        (long)Math.Floor((good + 1.0) * (draws + 1.0) / (total + 2.0));

    /// <summary>P(X &lt;= x).</summary>
    public static double Cdf(long x, long total, long good, long draws)
    {
        long lower = Math.Max(0, draws + good - total);
        long upper = Math.Min(good, draws);
        if (x < lower)
        {
            return 0.0;
        }

        if (x >= upper)
        {
            return 1.0;
        }

        return x < BoostMode(total, good, draws)
            ? SumDown(x, total, good, draws, invert: false)
            : 1.0 - SumUp(x, total, good, draws, invert: true);
    }

    /// <summary>P(X &gt; x).</summary>
    public static double Sf(long x, long total, long good, long draws)
    {
        long lower = Math.Max(0, draws + good - total);
        long upper = Math.Min(good, draws);
        if (x < lower)
        {
            return 1.0;
        }

        if (x >= upper)
        {
            return 0.0;
        }

        return x < BoostMode(total, good, draws)
            ? 1.0 - SumDown(x, total, good, draws, invert: true)
            : SumUp(x, total, good, draws, invert: false);
    }

    /// <summary>Σ_{j ≤ x} pmf(j), summed downwards from x.</summary>
    private static double SumDown(long x, long total, long good, long draws, bool invert)
    {
        long lower = Math.Max(0, draws + good - total);
        double result = Pmf(x, total, good, draws);
        double diff = result;
        while (diff > (invert ? 1.0 : result) * 2.220446049250313e-16)
        {
            if (x == lower)
            {
                break;
            }

            diff = x * (double)(total + x - draws - good) * diff / ((1.0 + draws - x) * (1.0 + good - x));
            result += diff;
            --x;
        }

        return result;
    }

    /// <summary>Σ_{j &gt; x} pmf(j), summed upwards from x + 1.</summary>
    private static double SumUp(long x, long total, long good, long draws, bool invert)
    {
        long upper = Math.Min(good, draws);
        if (x >= upper)
        {
            return 0.0;
        }

        ++x;
        double result = Pmf(x, total, good, draws);
        double diff = result;
        while (x < upper && diff > (invert ? 1.0 : result) * 2.220446049250313e-16)
        {
            diff = (draws - x) * (double)(good - x) * diff / ((x + 1.0) * (double)(total + x + 1 - draws - good));
            result += diff;
            ++x;
        }

        return result;
    }

    private static double StirlingError(double n)
    {
        const double S0 = 0.083333333333333333333;
        const double S1 = 0.00277777777777777777778;
        const double S2 = 0.00079365079365079365079365;
        const double S3 = 0.000595238095238095238095238;
        const double S4 = 0.0008417508417508417508417508;
        if (n <= 15.0)
        {
            return StirlingErrors[(int)n];
        }

        double nn = n * n;
        if (n > 500)
        {
            return (S0 - (S1 / nn)) / n;
        }

        if (n > 80)
        {
            return (S0 - ((S1 - (S2 / nn)) / nn)) / n;
        }

        if (n > 35)
        {
            return (S0 - ((S1 - ((S2 - (S3 / nn)) / nn)) / nn)) / n;
        }

        return (S0 - ((S1 - ((S2 - ((S3 - (S4 / nn)) / nn)) / nn)) / nn)) / n;
    }

    /// <summary>Loader's deviance term <c>x log(x/np) + np − x</c>, by series when x ≈ np.</summary>
    private static double Bd0(double x, double np)
    {
        if (Math.Abs(x - np) < 0.1 * (x + np))
        {
            double v = (x - np) / (x + np);
            double s = (x - np) * v;
            if (Math.Abs(s) < 2.2250738585072014E-308 /* DBL_MIN */)
            {
                return s;
            }

            double ej = 2 * x * v;
            v *= v;
            for (int j = 1; j < 1000; j++)
            {
                ej *= v;
                double s1 = s + (ej / ((j << 1) + 1));
                if (s1 == s)
                {
                    return s1;
                }

                s = s1;
            }
        }

        return (x * Math.Log(x / np)) + np - x;
    }

    private static double BinomialRaw(double x, double n, double p, double q)
    {
        if (p == 0)
        {
            return x == 0 ? 1.0 : 0.0;
        }

        if (q == 0)
        {
            return x == n ? 1.0 : 0.0;
        }

        double lc;
        if (x == 0)
        {
            if (n == 0)
            {
                return 1.0;
            }

            lc = p < 0.1 ? -Bd0(n, n * q) - (n * p) : n * Math.Log(q);
            return Math.Exp(lc);
        }

        if (x == n)
        {
            lc = q < 0.1 ? -Bd0(n, n * p) - (n * q) : n * Math.Log(p);
            return Math.Exp(lc);
        }

        if (x < 0 || x > n)
        {
            return 0.0;
        }

        lc = StirlingError(n) - StirlingError(x) - StirlingError(n - x) - Bd0(x, n * p) - Bd0(n - x, n * q);
        double lf = Ln2Pi + Math.Log(x) + NumericHelpers.Log1P(-x / n);
        return Math.Exp(lc - (0.5 * lf));
    }
}
