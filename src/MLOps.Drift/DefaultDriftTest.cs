namespace MLOps.Drift;

/// <summary>
/// Evidently's default test selection (<c>_get_default_stattest</c> in <c>stattests/registry.py</c>):
/// by reference size (after missing values are dropped), column kind and the number of distinct values in
/// reference ∪ current.
/// </summary>
/// <remarks>
/// <code>
/// reference rows ≤ 1000: numerical ≤ 5 distinct → chi-squared if &gt; 2 else z; numerical &gt; 5 → KS;
///                        categorical → chi-squared if &gt; 2 distinct else z
/// reference rows &gt; 1000:  numerical ≤ 5 distinct → Jensen–Shannon; numerical &gt; 5 → Wasserstein (normed);
///                        categorical → Jensen–Shannon
/// </code>
/// As in Evidently, the default path gives numerical columns the categorical z and chi-squared tests. Text
/// columns (Evidently's domain-classifier tests) are not supported. Thread-safe.
/// </remarks>
public static class DefaultDriftTest
{
    /// <summary>The largest reference size that counts as "small data".</summary>
    public const int SmallDataMaxRows = 1000;

    /// <summary>Selects the default test from the three facts Evidently uses.</summary>
    /// <param name="kind">The column kind.</param>
    /// <param name="referenceRows">The reference rows left after nulls, NaN and ±∞ are dropped.</param>
    /// <param name="distinctValues">The number of distinct values in reference ∪ current (any value above 5 means "many").</param>
    /// <returns>The method.</returns>
    public static DriftMethod Select(ColumnKind kind, long referenceRows, int distinctValues)
    {
        if (referenceRows <= SmallDataMaxRows)
        {
            if (kind == ColumnKind.Numerical && distinctValues > 5)
            {
                return DriftMethod.KolmogorovSmirnov;
            }

            return distinctValues > 2 ? DriftMethod.ChiSquare : DriftMethod.ZTest;
        }

        return kind == ColumnKind.Numerical && distinctValues > 5 ? DriftMethod.Wasserstein : DriftMethod.JensenShannon;
    }

    /// <summary>Selects the default test for a reference/current pair (the reference's kind decides).</summary>
    /// <param name="reference">The reference sample.</param>
    /// <param name="current">The current sample.</param>
    /// <returns>The method.</returns>
    /// <exception cref="ArgumentNullException">A sample is null.</exception>
    /// <exception cref="DriftException">A side is empty after cleaning, or the value types differ.</exception>
    public static DriftMethod Select(ColumnSample reference, ColumnSample current)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(current);
        using var pair = new ColumnComparison(reference, current, null);
        return Select(pair);
    }

    internal static DriftMethod Select(ColumnComparison pair) =>
        Select(pair.Reference.Kind, pair.Reference.ValidCount, pair.CountDistinctUnion(6));
}
