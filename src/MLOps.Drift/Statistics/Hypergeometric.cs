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

            lc = p < 0.1 ? -LoaderTerms.Bd0(n, n * q) - (n * p) : n * Math.Log(q);
            return Math.Exp(lc);
        }

        if (x == n)
        {
            lc = q < 0.1 ? -LoaderTerms.Bd0(n, n * p) - (n * q) : n * Math.Log(p);
            return Math.Exp(lc);
        }

        if (x < 0 || x > n)
        {
            return 0.0;
        }

        lc = LoaderTerms.StirlingError(n) - LoaderTerms.StirlingError(x) - LoaderTerms.StirlingError(n - x) - LoaderTerms.Bd0(x, n * p) - LoaderTerms.Bd0(n - x, n * q);
        double lf = Ln2Pi + Math.Log(x) + NumericHelpers.Log1P(-x / n);
        return Math.Exp(lc - (0.5 * lf));
    }
}
