namespace MLOps.Inference.Hosting;

/// <summary>Which link of the chain answered a request.</summary>
public enum ServedBy
{
    /// <summary>The active version.</summary>
    Active,

    /// <summary>The candidate version, for the canary share of traffic.</summary>
    Canary,

    /// <summary>The previous version, kept loaded as the first fallback.</summary>
    PreviousVersion,

    /// <summary>The user-supplied rule-based function.</summary>
    RuleBased,

    /// <summary>Nobody: a graceful "no answer" (<see cref="HostedResult.Result"/> is <see langword="null"/>).</summary>
    NoAnswer,
}

/// <summary>Why a request was not answered by the version it was routed to.</summary>
public enum FallbackReason
{
    /// <summary>No fallback: the routed version answered.</summary>
    None,

    /// <summary>No version is loaded: the first load failed or none was deployed.</summary>
    NotLoaded,

    /// <summary>ONNX Runtime failed on the request.</summary>
    ModelFailed,

    /// <summary>The version did not answer within <see cref="ModelHostOptions.RequestTimeout"/>, or its queue timed out.</summary>
    Timeout,

    /// <summary>The version's queue was full.</summary>
    Overloaded,

    /// <summary>The host was told to stop using the active version (<see cref="ModelHost.Degrade"/>), e.g. on a CRITICAL drift alert.</summary>
    ExternalSignal,
}

/// <summary>The answer to one request sent through a <see cref="ModelHost"/>, and who gave it.</summary>
/// <param name="Result">The outputs, or <see langword="null"/> for <see cref="ServedBy.NoAnswer"/>.</param>
/// <param name="ServedBy">Which link of the chain answered.</param>
/// <param name="Version">The model version that answered, or <see langword="null"/> for rule-based and no answer.</param>
/// <param name="Reason">Why the routed version did not answer, or <see cref="FallbackReason.None"/>.</param>
/// <param name="Detail">The failure's message when there was one.</param>
public sealed record HostedResult(InferenceResult? Result, ServedBy ServedBy, string? Version, FallbackReason Reason, string? Detail)
{
    /// <summary>Gets a value indicating whether some link gave outputs.</summary>
    public bool HasAnswer => Result is not null;
}

/// <summary>What went wrong when a version could not be deployed.</summary>
public enum DeploymentFailureKind
{
    /// <summary>The bytes could not be read.</summary>
    Unreadable,

    /// <summary>The bytes differ from the SHA-256 recorded when the artifact was stored.</summary>
    Integrity,

    /// <summary>ONNX Runtime rejected the model, or its warm-up failed.</summary>
    Invalid,
}

/// <summary>A version could not be deployed; the host keeps serving what it served before.</summary>
public sealed class ModelDeploymentException : MLOpsException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="model">The host's model name.</param>
    /// <param name="version">The version that failed.</param>
    /// <param name="kind">What went wrong.</param>
    /// <param name="innerException">The underlying failure.</param>
    public ModelDeploymentException(string model, string version, DeploymentFailureKind kind, Exception innerException)
        : base($"Model '{model}' version {version} was not deployed ({kind}): {innerException?.Message} The host keeps serving its current version.", innerException)
    {
        Model = model;
        Version = version;
        Kind = kind;
    }

    /// <summary>Gets the host's model name.</summary>
    public string Model { get; }

    /// <summary>Gets the version that failed.</summary>
    public string Version { get; }

    /// <summary>Gets what went wrong.</summary>
    public DeploymentFailureKind Kind { get; }
}

/// <summary>How a shadow candidate compares with the active version on mirrored traffic.</summary>
/// <param name="Compared">Requests answered by both.</param>
/// <param name="Mismatched">Requests whose outputs differ by more than <see cref="ModelHostOptions.ShadowTolerance"/>.</param>
/// <param name="Failed">Mirrored requests the candidate failed.</param>
/// <param name="Skipped">Requests not mirrored because <see cref="ModelHostOptions.MaxShadowInFlight"/> were already in flight.</param>
/// <param name="MaxAbsoluteDifference">The largest element-wise difference seen.</param>
public readonly record struct ShadowStatistics(long Compared, long Mismatched, long Failed, long Skipped, double MaxAbsoluteDifference);
