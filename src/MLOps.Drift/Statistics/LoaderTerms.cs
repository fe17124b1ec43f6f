namespace MLOps.Drift.Statistics;

/// <summary>
/// Catherine Loader's saddle-point terms ("Fast and Accurate Computation of Binomial Probabilities", 2000), shared by
/// the hypergeometric distribution (Fisher's exact test) and the Smirnov distribution (KS p-values).
/// </summary>
internal static class LoaderTerms
{
    // stirlerr(n) = ln(n!) - (n + 1/2) ln n + n - ln √(2π) for n = 0..15, computed with 60-digit decimals.
    private static readonly double[] StirlingErrors =
    [
        0.0,
        0.08106146679532726, 0.0413406959554093, 0.02767792568499834, 0.020790672103765093,
        0.016644691189821193, 0.013876128823070748, 0.01189670994589177, 0.010411265261972096,
        0.009255462182712733, 0.00833056343336287, 0.007573675487951841, 0.00694284010720953,
        0.006408994188004207, 0.0059513701127588475, 0.005554733551962801,
    ];

    /// <summary><c>stirlerr(n)</c> = ln n! − (n + ½) ln n + n − ln √(2π), for integer n ≥ 0 (tabled up to 15).</summary>
    public static double StirlingError(double n)
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
    public static double Bd0(double x, double np)
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

}
