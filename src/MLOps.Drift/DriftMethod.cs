namespace MLOps.Drift;

/// <summary>
/// The drift tests, named after Evidently's stat-test registry (the string key is given on each member).
/// </summary>
public enum DriftMethod
{
    /// <summary><c>ks</c>: two-sample Kolmogorov–Smirnov p-value (SciPy <c>ks_2samp</c>, method 'auto'). Numerical. Default threshold 0.05, drift when p ≤ threshold.</summary>
    KolmogorovSmirnov = 0,

    /// <summary><c>chisquare</c>: chi-squared goodness-of-fit of current counts against reference shares scaled to the current size. Default threshold 0.05, drift when p &lt; threshold.</summary>
    ChiSquare = 1,

    /// <summary><c>z</c>: pooled two-proportion z-test (first sorted category vs the rest), two-sided. Default threshold 0.05, drift when p &lt; threshold.</summary>
    ZTest = 2,

    /// <summary><c>jensenshannon</c>: Jensen–Shannon distance in nats (bounded by √ln 2 ≈ 0.8326) on Evidently's bins. Default threshold 0.1, drift when distance ≥ threshold.</summary>
    JensenShannon = 3,

    /// <summary>Jensen–Shannon distance with base-2 logarithms (bounded by 1, NannyML's convention) on Evidently's bins. Default threshold 0.1, drift when distance ≥ threshold.</summary>
    JensenShannonBase2 = 4,

    /// <summary><c>kl_div</c>: Kullback–Leibler divergence D(reference ‖ current) in nats on Evidently's epsilon-filled bins. Default threshold 0.1, drift when ≥ threshold.</summary>
    KullbackLeibler = 5,

    /// <summary><c>psi</c>: population stability index on Evidently's epsilon-filled bins. Default threshold 0.1, drift when ≥ threshold.</summary>
    Psi = 6,

    /// <summary><c>wasserstein</c>: first Wasserstein distance divided by max(population std of reference, 0.001). Numerical. Default threshold 0.1, drift when ≥ threshold.</summary>
    Wasserstein = 7,

    /// <summary>First Wasserstein distance in the units of the data (not normalised). Numerical. Default threshold 0.1, drift when ≥ threshold.</summary>
    WassersteinRaw = 8,

    /// <summary><c>hellinger</c>: Hellinger distance in [0, 1] (category shares, or Sturges density bins over the distinct values). Default threshold 0.1, drift when ≥ threshold.</summary>
    Hellinger = 9,

    /// <summary><c>ed</c>: energy distance in the units of the data (not normalised). Numerical. Default threshold 0.1, drift when &gt; threshold (strict).</summary>
    EnergyDistance = 10,

    /// <summary><c>anderson</c>: two-sample Anderson–Darling (midrank) p-value, interpolated and clipped to [0.001, 0.25] by SciPy. Numerical. Default threshold 0.1, drift when p &lt; threshold.</summary>
    AndersonDarling = 11,

    /// <summary><c>cramer_von_mises</c>: two-sample Cramér–von Mises p-value (exact up to 20 values per sample). Numerical. Default threshold 0.1, drift when p ≤ threshold.</summary>
    CramerVonMises = 12,

    /// <summary><c>mannw</c>: Mann–Whitney U p-value, <b>two-sided</b> (Evidently uses one-sided "less"). Numerical. Default threshold 0.05, drift when p &lt; threshold.</summary>
    MannWhitneyU = 13,

    /// <summary><c>fisher_exact</c>: Fisher's exact test on a binary column (reference vs current × the two categories), two-sided. Default threshold 0.1, drift when p &lt; threshold.</summary>
    FisherExact = 14,

    /// <summary><c>g_test</c>: G-test (log-likelihood ratio) of current counts against reference shares <b>scaled to the current size</b>. Default threshold 0.1, drift when p &lt; threshold.</summary>
    GTest = 15,

    /// <summary><c>TVD</c>: total variation distance ½Σ|r−c| in [0, 1] (<b>the distance, not Evidently's permutation p-value</b>). Default threshold 0.1, drift when ≥ threshold.</summary>
    TotalVariation = 16,
}

/// <summary>Facts about each <see cref="DriftMethod"/>: Evidently's name, default threshold and decision rule.</summary>
public static class DriftMethodInfo
{
    /// <summary>Gets Evidently's registry key for the method (for example <c>"ks"</c>, <c>"psi"</c>).</summary>
    /// <param name="method">The method.</param>
    /// <returns>The key; the base-2 Jensen–Shannon and raw Wasserstein variants, which Evidently lacks, get descriptive keys.</returns>
    public static string EvidentlyName(this DriftMethod method) => method switch
    {
        DriftMethod.KolmogorovSmirnov => "ks",
        DriftMethod.ChiSquare => "chisquare",
        DriftMethod.ZTest => "z",
        DriftMethod.JensenShannon => "jensenshannon",
        DriftMethod.JensenShannonBase2 => "jensenshannon_base2",
        DriftMethod.KullbackLeibler => "kl_div",
        DriftMethod.Psi => "psi",
        DriftMethod.Wasserstein => "wasserstein",
        DriftMethod.WassersteinRaw => "wasserstein_raw",
        DriftMethod.Hellinger => "hellinger",
        DriftMethod.EnergyDistance => "ed",
        DriftMethod.AndersonDarling => "anderson",
        DriftMethod.CramerVonMises => "cramer_von_mises",
        DriftMethod.MannWhitneyU => "mannw",
        DriftMethod.FisherExact => "fisher_exact",
        DriftMethod.GTest => "g_test",
        DriftMethod.TotalVariation => "TVD",
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, "Unknown drift method."),
    };

    /// <summary>Gets Evidently's default threshold for the method.</summary>
    /// <param name="method">The method.</param>
    /// <returns>0.05 for <c>ks</c>, <c>chisquare</c>, <c>z</c> and <c>mannw</c>; 0.1 otherwise.</returns>
    public static double DefaultThreshold(this DriftMethod method) => method switch
    {
        DriftMethod.KolmogorovSmirnov or DriftMethod.ChiSquare or DriftMethod.ZTest or DriftMethod.MannWhitneyU => 0.05,
        _ => 0.1,
    };

    /// <summary>Gets a value indicating whether the method's score is a p-value (drift when small) rather than a distance (drift when large).</summary>
    /// <param name="method">The method.</param>
    /// <returns><see langword="true"/> for hypothesis tests.</returns>
    public static bool HasPValue(this DriftMethod method) => method switch
    {
        DriftMethod.KolmogorovSmirnov or DriftMethod.ChiSquare or DriftMethod.ZTest or DriftMethod.AndersonDarling
            or DriftMethod.CramerVonMises or DriftMethod.MannWhitneyU or DriftMethod.FisherExact or DriftMethod.GTest => true,
        _ => false,
    };

    /// <summary>Gets a value indicating whether the method needs numbers (it cannot run on text categories).</summary>
    /// <param name="method">The method.</param>
    /// <returns><see langword="true"/> for KS, Wasserstein, energy distance, Anderson–Darling, Cramér–von Mises and Mann–Whitney.</returns>
    public static bool RequiresNumbers(this DriftMethod method) => method switch
    {
        DriftMethod.KolmogorovSmirnov or DriftMethod.Wasserstein or DriftMethod.WassersteinRaw or DriftMethod.EnergyDistance
            or DriftMethod.AndersonDarling or DriftMethod.CramerVonMises or DriftMethod.MannWhitneyU => true,
        _ => false,
    };

    /// <summary>
    /// Applies Evidently's decision rule for the method: <c>p ≤ t</c> for <c>ks</c> and <c>cramer_von_mises</c>,
    /// <c>p &lt; t</c> for the other p-values, <c>d &gt; t</c> for <c>ed</c> and <c>d ≥ t</c> for the other distances.
    /// </summary>
    /// <param name="method">The method.</param>
    /// <param name="score">The p-value or distance.</param>
    /// <param name="threshold">The threshold.</param>
    /// <returns>Whether the column drifted. A NaN score never drifts.</returns>
    public static bool IsDrift(this DriftMethod method, double score, double threshold) => method switch
    {
        DriftMethod.KolmogorovSmirnov or DriftMethod.CramerVonMises => score <= threshold,
        DriftMethod.ChiSquare or DriftMethod.ZTest or DriftMethod.AndersonDarling or DriftMethod.MannWhitneyU
            or DriftMethod.FisherExact or DriftMethod.GTest => score < threshold,
        DriftMethod.EnergyDistance => score > threshold,
        _ => score >= threshold,
    };
}
