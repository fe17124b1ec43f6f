namespace MLOps.Inference.Hosting;

/// <summary>Options of a <see cref="ModelHost"/>.</summary>
public sealed class ModelHostOptions
{
    /// <summary>Gets the session options used for every version the host loads.</summary>
    public OnnxModelOptions Model { get; } = new();

    /// <summary>Gets the batching options used for every version the host loads.</summary>
    public DynamicBatcherOptions Batching { get; } = new();

    /// <summary>
    /// Gets or sets how long a request may take before the next link of the fallback chain answers instead
    /// (<see cref="FallbackReason.Timeout"/>). Default: <see langword="null"/>, no limit.
    /// </summary>
    public TimeSpan? RequestTimeout { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether the version replaced by a deployment stays loaded, as the first
    /// fallback and for an instant <see cref="ModelHost.RollbackAsync"/>. Default: <see langword="true"/> (twice the memory).
    /// </summary>
    public bool KeepPreviousVersion { get; set; } = true;

    /// <summary>
    /// Gets or sets the rule-based answer used when no model version can answer; returning <see langword="null"/>
    /// means no answer. Default: <see langword="null"/> (skip to no answer). It must be fast and must not throw.
    /// </summary>
    public Func<InferenceRequest, InferenceResult?>? RuleBasedFallback { get; set; }

    /// <summary>Gets or sets the largest element-wise difference a shadow output may have and still match. Default: 1e-4.</summary>
    public double ShadowTolerance { get; set; } = 1e-4;

    /// <summary>Gets or sets how many mirrored requests may be in flight; beyond it mirroring skips. Default: 64.</summary>
    public int MaxShadowInFlight { get; set; } = 64;
}
