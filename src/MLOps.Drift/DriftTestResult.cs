namespace MLOps.Drift;

/// <summary>The outcome of one drift test on one column.</summary>
/// <param name="Method">The test that ran.</param>
/// <param name="Statistic">The test statistic or distance (for example D for KS, χ² for chi-squared, the PSI value).</param>
/// <param name="PValue">The p-value for hypothesis tests; <see langword="null"/> for distances.</param>
/// <param name="Threshold">The threshold the score was compared with.</param>
/// <param name="Drifted">Whether the column drifted under the method's decision rule (<see cref="DriftMethodInfo.IsDrift"/>).</param>
public sealed record DriftTestResult(DriftMethod Method, double Statistic, double? PValue, double Threshold, bool Drifted)
{
    /// <summary>Gets the score compared with the threshold: the p-value for tests, the statistic for distances (Evidently's <c>drift_score</c>).</summary>
    public double Score => PValue ?? Statistic;
}
