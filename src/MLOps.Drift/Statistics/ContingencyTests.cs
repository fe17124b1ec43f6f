namespace MLOps.Drift.Statistics;

/// <summary>
/// Tests on category counts, ported from SciPy 1.10: <c>power_divergence</c> (Pearson's chi-squared and the
/// G-test) and <c>fisher_exact</c>.
/// </summary>
/// <remarks>All members are pure functions and thread-safe.</remarks>
public static class ContingencyTests
{
    /// <summary>The Cressie–Read λ of Pearson's chi-squared statistic.</summary>
    public const double PearsonLambda = 1.0;

    /// <summary>The Cressie–Read λ of the log-likelihood ratio (G-test).</summary>
    public const double LogLikelihoodLambda = 0.0;

    /// <summary>
    /// <c>scipy.stats.power_divergence(observed, expected, lambda_)</c>: the Cressie–Read goodness-of-fit statistic
    /// with <c>k − 1</c> degrees of freedom and its chi-squared p-value.
    /// </summary>
    /// <param name="observed">Observed counts per category.</param>
    /// <param name="expected">Expected counts per category, same length; their total must match the observed total to a relative 1e-8 (SciPy's check).</param>
    /// <param name="lambda">1 for Pearson, 0 for the G-test, −1 for the modified log-likelihood, or any other Cressie–Read power.</param>
    /// <returns>The statistic and <c>chi2.sf(statistic, k − 1)</c>. An expected count of 0 with a non-zero observation gives an infinite statistic and p = 0.</returns>
    /// <exception cref="ArgumentException">The lengths differ, are zero, or the totals disagree.</exception>
    public static TestStatistic PowerDivergence(ReadOnlySpan<double> observed, ReadOnlySpan<double> expected, double lambda)
    {
        if (observed.Length != expected.Length || observed.IsEmpty)
        {
            throw new ArgumentException(
                $"observed and expected must have the same non-zero length; got {observed.Length} and {expected.Length}.");
        }

        double obsSum = NumericHelpers.NumpySum(observed);
        double expSum = NumericHelpers.NumpySum(expected);
        double relativeDiff = Math.Abs(obsSum - expSum) / Math.Min(obsSum, expSum);
        if (relativeDiff > 1e-8)
        {
            throw new ArgumentException(
                $"The observed total ({obsSum.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}) must agree with the expected total ({expSum.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}) to a relative tolerance of 1e-8; rescale the expected counts.");
        }

        using NumpySumAccumulator terms = NumpySumAccumulator.Create();
        for (int i = 0; i < observed.Length; i++)
        {
            double o = observed[i], e = expected[i];
            double term;
            if (lambda == 1)
            {
                double d = o - e;
                term = d * d / e;
            }
            else if (lambda == 0)
            {
                term = 2.0 * XLogY(o, o / e);
            }
            else if (lambda == -1)
            {
                term = 2.0 * XLogY(e, e / o);
            }
            else
            {
                term = o * (Math.Pow(o / e, lambda) - 1);
                term /= 0.5 * lambda * (lambda + 1);
            }

            terms.Add(term);
        }

        double stat = terms.Total;
        return new TestStatistic(stat, NumericHelpers.ChiSquareSf(stat, observed.Length - 1));
    }

    /// <summary>Pearson's chi-squared goodness-of-fit test, <c>scipy.stats.chisquare(observed, expected)</c>.</summary>
    /// <param name="observed">Observed counts.</param>
    /// <param name="expected">Expected counts with the same total.</param>
    /// <returns>χ² and its p-value with k − 1 degrees of freedom.</returns>
    /// <exception cref="ArgumentException">See <see cref="PowerDivergence"/>.</exception>
    public static TestStatistic ChiSquare(ReadOnlySpan<double> observed, ReadOnlySpan<double> expected) =>
        PowerDivergence(observed, expected, PearsonLambda);

    /// <summary>The G-test, <c>scipy.stats.power_divergence(observed, expected, lambda_="log-likelihood")</c>.</summary>
    /// <param name="observed">Observed counts.</param>
    /// <param name="expected">Expected counts with the same total.</param>
    /// <returns>G = 2 Σ O ln(O/E) and its p-value with k − 1 degrees of freedom.</returns>
    /// <exception cref="ArgumentException">See <see cref="PowerDivergence"/>.</exception>
    public static TestStatistic GTest(ReadOnlySpan<double> observed, ReadOnlySpan<double> expected) =>
        PowerDivergence(observed, expected, LogLikelihoodLambda);

    /// <summary>
    /// Fisher's exact test on the 2×2 table [[a, b], [c, d]], two-sided, <c>scipy.stats.fisher_exact</c> (1.10):
    /// the p-value sums the probabilities of all tables at most as likely as the observed one (relative tolerance
    /// 1e-14).
    /// </summary>
    /// <param name="a">Row 1, column 1.</param>
    /// <param name="b">Row 1, column 2.</param>
    /// <param name="c">Row 2, column 1.</param>
    /// <param name="d">Row 2, column 2.</param>
    /// <returns>The sample odds ratio (NaN when a row or column is empty, +∞ when b·c = 0) and the p-value.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A count is negative.</exception>
    public static TestStatistic FisherExact(long a, long b, long c, long d)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(a);
        ArgumentOutOfRangeException.ThrowIfNegative(b);
        ArgumentOutOfRangeException.ThrowIfNegative(c);
        ArgumentOutOfRangeException.ThrowIfNegative(d);
        if (a + c == 0 || b + d == 0 || a + b == 0 || c + d == 0)
        {
            return new TestStatistic(double.NaN, 1.0);
        }

        double oddsRatio = c > 0 && b > 0 ? a * (double)d / (c * (double)b) : double.PositiveInfinity;
        long n1 = a + b;
        long n2 = c + d;
        long n = a + c;
        long total = n1 + n2;
        long mode = (long)((n + 1) * (double)(n1 + 1) / (n1 + n2 + 2));
        double pexact = Hypergeometric.Pmf(a, total, n1, n);
        double pmode = Hypergeometric.Pmf(mode, total, n1, n);
        const double Epsilon = 1e-14;
        const double Gamma = 1 + Epsilon;
        if (Math.Abs(pexact - pmode) / Math.Max(pexact, pmode) <= Epsilon)
        {
            return new TestStatistic(oddsRatio, 1.0);
        }

        double pvalue;
        if (a < mode)
        {
            double plower = Hypergeometric.Cdf(a, total, n1, n);
            if (Hypergeometric.Pmf(n, total, n1, n) > pexact * Gamma)
            {
                return new TestStatistic(oddsRatio, plower);
            }

            long guess = BinarySearch(x => -Hypergeometric.Pmf(x, total, n1, n), -pexact * Gamma, mode, n);
            pvalue = plower + Hypergeometric.Sf(guess, total, n1, n);
        }
        else
        {
            double pupper = Hypergeometric.Sf(a - 1, total, n1, n);
            if (Hypergeometric.Pmf(0, total, n1, n) > pexact * Gamma)
            {
                return new TestStatistic(oddsRatio, pupper);
            }

            long guess = BinarySearch(x => Hypergeometric.Pmf(x, total, n1, n), pexact * Gamma, 0, mode);
            pvalue = pupper + Hypergeometric.Cdf(guess, total, n1, n);
        }

        return new TestStatistic(oddsRatio, Math.Min(pvalue, 1.0));
    }

    /// <summary><c>_binary_search_for_binom_tst(a, d, lo, hi)</c>: i in [lo, hi] with a(i) &lt;= d &lt; a(i+1).</summary>
    private static long BinarySearch(Func<long, double> a, double d, long lo, long hi)
    {
        while (lo < hi)
        {
            long mid = lo + ((hi - lo) / 2);
            double midval = a(mid);
            if (midval < d)
            {
                lo = mid + 1;
            }
            else if (midval > d)
            {
                hi = mid - 1;
            }
            else
            {
                return mid;
            }
        }

        return a(lo) <= d ? lo : lo - 1;
    }

    /// <summary><c>scipy.special.xlogy</c>: x·ln(y), 0 when x = 0 (and y is not NaN).</summary>
    internal static double XLogY(double x, double y)
    {
        if (x == 0 && !double.IsNaN(y))
        {
            return 0.0;
        }

        return x * Math.Log(y);
    }
}
