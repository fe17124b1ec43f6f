namespace MLOps.Registry;

/// <summary>A registered model: a unique name that groups numbered versions, with tags and aliases.</summary>
/// <param name="Name">The unique name.</param>
/// <param name="Description">Free text, or <see langword="null"/>.</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="UpdatedAt">When it or one of its versions, tags or aliases last changed.</param>
/// <param name="Tags">Its tags (key → value).</param>
/// <param name="Aliases">Its aliases (alias → version).</param>
public sealed record RegisteredModel(
    string Name,
    string? Description,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    IReadOnlyDictionary<string, string> Tags,
    IReadOnlyDictionary<string, int> Aliases);

/// <summary>One numbered version of a registered model.</summary>
/// <param name="Name">The registered model's name.</param>
/// <param name="Version">The version number: 1, 2, ... per model, never reused after a delete.</param>
/// <param name="CreatedAt">When it was registered.</param>
/// <param name="UpdatedAt">When it last changed (stage, description, tags, aliases).</param>
/// <param name="Stage">Its lifecycle stage.</param>
/// <param name="Status">Its registration status.</param>
/// <param name="StatusMessage">Why registration failed, or <see langword="null"/>.</param>
/// <param name="Description">Free text, or <see langword="null"/>.</param>
/// <param name="Source">
/// Where the model came from: the artifact-store path of the stored file (<c>models/fraud/3/model.onnx</c>) or,
/// for a version registered without content, the caller's URI.
/// </param>
/// <param name="RunId">The training run, or <see langword="null"/>.</param>
/// <param name="Artifact">The stored artifact, or <see langword="null"/> when the version was registered by reference only.</param>
/// <param name="Lineage">What it was trained on and how, or <see langword="null"/>.</param>
/// <param name="Signature">Its input/output tensors, read from the ONNX file; <see langword="null"/> when not ONNX.</param>
/// <param name="Tags">Its tags (key → value), including the promotion gate's decision tags.</param>
/// <param name="Aliases">The aliases that point at it, in ordinal order.</param>
public sealed record ModelVersion(
    string Name,
    int Version,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    ModelStage Stage,
    ModelVersionStatus Status,
    string? StatusMessage,
    string? Description,
    string? Source,
    string? RunId,
    ModelArtifact? Artifact,
    ModelLineage? Lineage,
    ModelSignature? Signature,
    IReadOnlyDictionary<string, string> Tags,
    IReadOnlyList<string> Aliases)
{
    /// <summary>Gets the canonical URI of this version, <c>models:/name/3</c>.</summary>
    public string Uri => ModelUri.ForVersion(Name, Version).ToString();
}

/// <summary>The stored file of a model version, as recorded at registration.</summary>
/// <param name="Path">The logical path in the artifact store.</param>
/// <param name="Sha256">The SHA-256 of the content (lowercase hex), checked every time the version is opened.</param>
/// <param name="Length">The length in bytes.</param>
public sealed record ModelArtifact(string Path, string Sha256, long Length);

/// <summary>
/// Where a model version came from: its training run's parameters and metrics, the dataset it was trained on and
/// the source commit. Values are a snapshot taken at registration; later changes to the run do not alter them.
/// </summary>
public sealed record ModelLineage
{
    /// <summary>Gets the training run's id, or <see langword="null"/>.</summary>
    public string? RunId { get; init; }

    /// <summary>Gets the dataset fingerprint (for example <c>DatasetRef</c>'s SHA-256 or a DVC hash), or <see langword="null"/>.</summary>
    public string? DatasetFingerprint { get; init; }

    /// <summary>Gets a human-readable dataset name or URI, or <see langword="null"/>.</summary>
    public string? DatasetName { get; init; }

    /// <summary>Gets the git commit of the training code, or <see langword="null"/>.</summary>
    public string? GitCommit { get; init; }

    /// <summary>Gets the training parameters (name → value). Empty when unknown.</summary>
    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// Gets the run's metrics (name → value), including validation results. The promotion gate compares these.
    /// Empty when unknown.
    /// </summary>
    public IReadOnlyDictionary<string, double> Metrics { get; init; } = new Dictionary<string, double>();
}

/// <summary>
/// Supplies the lineage of a training run, so a version registered with only a run id gets its params, metrics,
/// dataset and commit. <c>MLOps.Tracking</c> implements it; until then callers pass <see cref="ModelLineage"/> directly.
/// </summary>
public interface ILineageSource
{
    /// <summary>Gets the lineage snapshot of a run.</summary>
    /// <param name="runId">The run id.</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    /// <returns>The snapshot, or <see langword="null"/> when the run is unknown.</returns>
    ValueTask<ModelLineage?> GetLineageAsync(string runId, CancellationToken cancellationToken = default);
}
