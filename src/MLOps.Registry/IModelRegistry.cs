namespace MLOps.Registry;

/// <summary>
/// A model registry: registered models, numbered versions with lineage and signature, stages and aliases with an
/// append-only assignment history, rollback, and a change feed. <see cref="SqliteModelRegistry"/> is the embedded
/// implementation.
/// </summary>
/// <remarks>
/// Implementations are thread-safe. Every write is one transaction: a failed call changes nothing. Names are
/// case-sensitive. Methods throw <see cref="ModelNotFoundException"/> for a missing model, version or alias,
/// <see cref="InvalidRegistryNameException"/> for a bad name, and <see cref="RegistryStoreException"/> when the store
/// fails (<see cref="MLOpsException.IsTransient"/> when it was only busy).
/// </remarks>
public interface IModelRegistry
{
    /// <summary>Creates a registered model.</summary>
    /// <param name="name">A unique name (see <see cref="RegistryNames.FindModelNameProblem"/>).</param>
    /// <param name="description">Free text, optional.</param>
    /// <param name="tags">Tags, optional.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The new model.</returns>
    /// <exception cref="ModelAlreadyExistsException">The name is taken.</exception>
    ValueTask<RegisteredModel> CreateRegisteredModelAsync(string name, string? description = null, IReadOnlyDictionary<string, string>? tags = null, CancellationToken cancellationToken = default);

    /// <summary>Gets a registered model with its tags and aliases.</summary>
    /// <param name="name">The name.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The model.</returns>
    ValueTask<RegisteredModel> GetRegisteredModelAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Searches registered models, ordered by name.</summary>
    /// <param name="query">Filters; <see langword="null"/> for all (up to 100).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The models that match.</returns>
    ValueTask<IReadOnlyList<RegisteredModel>> SearchRegisteredModelsAsync(RegisteredModelQuery? query = null, CancellationToken cancellationToken = default);

    /// <summary>Sets a registered model's description.</summary>
    /// <param name="name">The name.</param>
    /// <param name="description">The new description, or <see langword="null"/> to clear it.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The updated model.</returns>
    ValueTask<RegisteredModel> UpdateRegisteredModelAsync(string name, string? description, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes a registered model with all its versions, tags and aliases, as MLflow does. The assignment history
    /// is kept (append-only) and gains a <see cref="AssignmentAction.Removed"/> record for each alias and for each
    /// Staging/Production holder, so change-feed subscribers learn that they are gone. Artifacts stay in the store.
    /// </summary>
    /// <param name="name">The name.</param>
    /// <param name="context">Who and why, recorded in the history.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the model is deleted.</returns>
    ValueTask DeleteRegisteredModelAsync(string name, ChangeContext? context = null, CancellationToken cancellationToken = default);

    /// <summary>Sets (adds or replaces) a registered-model tag.</summary>
    /// <param name="name">The model.</param>
    /// <param name="key">The key, 1..250 characters.</param>
    /// <param name="value">The value, up to 5000 characters.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the tag is stored.</returns>
    ValueTask SetRegisteredModelTagAsync(string name, string key, string value, CancellationToken cancellationToken = default);

    /// <summary>Deletes a registered-model tag; nothing happens when it is absent.</summary>
    /// <param name="name">The model.</param>
    /// <param name="key">The key.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the tag is gone.</returns>
    ValueTask DeleteRegisteredModelTagAsync(string name, string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Registers a new version: numbers it (max + 1, never reusing a deleted number), stores its artifact through
    /// the artifact store (SHA-256 recorded), reads the ONNX signature when the file name ends in <c>.onnx</c>, and
    /// snapshots its lineage. The version is <see cref="ModelVersionStatus.PendingRegistration"/> while its artifact
    /// is stored and <see cref="ModelVersionStatus.Ready"/> after; when storing or reading fails it is left
    /// <see cref="ModelVersionStatus.FailedRegistration"/> with the reason and the error is rethrown.
    /// </summary>
    /// <param name="request">What to register.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The ready version.</returns>
    /// <exception cref="OnnxFormatException">The <c>.onnx</c> file could not be read.</exception>
    ValueTask<ModelVersion> CreateModelVersionAsync(ModelVersionRequest request, CancellationToken cancellationToken = default);

    /// <summary>Gets one version with its tags, aliases, lineage and signature.</summary>
    /// <param name="name">The model.</param>
    /// <param name="version">The version number.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The version.</returns>
    ValueTask<ModelVersion> GetModelVersionAsync(string name, int version, CancellationToken cancellationToken = default);

    /// <summary>Searches versions, ordered by model name then version (descending).</summary>
    /// <param name="query">Filters; <see langword="null"/> for all (up to 1000).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The versions that match.</returns>
    ValueTask<IReadOnlyList<ModelVersion>> SearchModelVersionsAsync(ModelVersionQuery? query = null, CancellationToken cancellationToken = default);

    /// <summary>Gets the highest version in each stage (MLflow's <c>GetLatestVersions</c>).</summary>
    /// <param name="name">The model.</param>
    /// <param name="stages">The stages to look at; empty for all four.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>At most one version per stage, in stage order.</returns>
    ValueTask<IReadOnlyList<ModelVersion>> GetLatestVersionsAsync(string name, IReadOnlyCollection<ModelStage>? stages = null, CancellationToken cancellationToken = default);

    /// <summary>Sets a version's description.</summary>
    /// <param name="name">The model.</param>
    /// <param name="version">The version.</param>
    /// <param name="description">The new description, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The updated version.</returns>
    ValueTask<ModelVersion> UpdateModelVersionAsync(string name, int version, string? description, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes a version and, as MLflow does, the aliases that point at it (each recorded as
    /// <see cref="AssignmentAction.Removed"/>). Its number is not reused; its artifact stays in the store.
    /// </summary>
    /// <param name="name">The model.</param>
    /// <param name="version">The version.</param>
    /// <param name="context">Who and why.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the version is deleted.</returns>
    ValueTask DeleteModelVersionAsync(string name, int version, ChangeContext? context = null, CancellationToken cancellationToken = default);

    /// <summary>Sets (adds or replaces) a version tag.</summary>
    /// <param name="name">The model.</param>
    /// <param name="version">The version.</param>
    /// <param name="key">The key.</param>
    /// <param name="value">The value.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the tag is stored.</returns>
    ValueTask SetModelVersionTagAsync(string name, int version, string key, string value, CancellationToken cancellationToken = default);

    /// <summary>Sets several version tags in one transaction.</summary>
    /// <param name="name">The model.</param>
    /// <param name="version">The version.</param>
    /// <param name="tags">The tags to add or replace.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the tags are stored.</returns>
    ValueTask SetModelVersionTagsAsync(string name, int version, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken = default);

    /// <summary>Deletes a version tag; nothing happens when it is absent.</summary>
    /// <param name="name">The model.</param>
    /// <param name="version">The version.</param>
    /// <param name="key">The key.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the tag is gone.</returns>
    ValueTask DeleteModelVersionTagAsync(string name, int version, string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Moves a version to a stage in one transaction. With <paramref name="archiveExistingVersions"/> (allowed only
    /// for Staging and Production, as in MLflow) every other version in that stage moves to Archived in the same
    /// transaction, so the stage has exactly one holder. Each change is recorded in the history.
    /// Moving a version to the stage it is already in (without archiving) changes nothing and records nothing.
    /// </summary>
    /// <param name="name">The model.</param>
    /// <param name="version">The version.</param>
    /// <param name="stage">The target stage.</param>
    /// <param name="archiveExistingVersions">Whether to archive the other holders of the stage.</param>
    /// <param name="context">Who and why.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The version after the transition.</returns>
    /// <exception cref="InvalidStageTransitionException">Archive-existing to None/Archived, or a version that is not ready into Staging/Production.</exception>
    ValueTask<ModelVersion> TransitionStageAsync(string name, int version, ModelStage stage, bool archiveExistingVersions = false, ChangeContext? context = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Points an alias at a version (creating or re-pointing it) in one transaction and records it in the history.
    /// Pointing it at the version it already holds changes nothing and returns the existing record.
    /// </summary>
    /// <param name="name">The model.</param>
    /// <param name="aliasName">The alias; <c>latest</c> and <c>v&lt;N&gt;</c> are refused.</param>
    /// <param name="version">The version.</param>
    /// <param name="context">Who and why.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The history record of the assignment.</returns>
    /// <exception cref="ReservedAliasException">The alias is reserved.</exception>
    ValueTask<AssignmentRecord> SetAliasAsync(string name, string aliasName, int version, ChangeContext? context = null, CancellationToken cancellationToken = default);

    /// <summary>Removes an alias and records the removal.</summary>
    /// <param name="name">The model.</param>
    /// <param name="aliasName">The alias.</param>
    /// <param name="context">Who and why.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the alias is gone.</returns>
    /// <exception cref="ModelNotFoundException">The alias does not exist.</exception>
    ValueTask DeleteAliasAsync(string name, string aliasName, ChangeContext? context = null, CancellationToken cancellationToken = default);

    /// <summary>Gets the version an alias points at.</summary>
    /// <param name="name">The model.</param>
    /// <param name="aliasName">The alias.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The version.</returns>
    ValueTask<ModelVersion> GetVersionByAliasAsync(string name, string aliasName, CancellationToken cancellationToken = default);

    /// <summary>
    /// Resolves a model URI: a version; an alias; the highest version in a stage; or, for <c>latest</c>, the highest
    /// <see cref="ModelVersionStatus.Ready"/> version.
    /// </summary>
    /// <param name="uri">The parsed URI (see <see cref="ModelUri.Parse"/>).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The version.</returns>
    ValueTask<ModelVersion> ResolveAsync(ModelUri uri, CancellationToken cancellationToken = default);

    /// <summary>
    /// Undoes the latest assignment of an alias or stage that has not been undone yet, in one transaction: the
    /// target goes back to the version it held before (a stage rollback archives the current holder). Repeated
    /// rollbacks walk further back. Recorded as <see cref="AssignmentAction.Rollback"/> and published on the change feed.
    /// </summary>
    /// <param name="name">The model.</param>
    /// <param name="target">The alias, or the Staging/Production stage.</param>
    /// <param name="context">Who and why.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>What changed.</returns>
    /// <exception cref="RollbackUnavailableException">No earlier holder exists, or it was deleted.</exception>
    ValueTask<RollbackResult> RollbackAsync(string name, AssignmentTarget target, ChangeContext? context = null, CancellationToken cancellationToken = default);

    /// <summary>Gets the assignment history of the model (all targets, or one), oldest first.</summary>
    /// <param name="name">The model.</param>
    /// <param name="target">One alias or stage, or <see langword="null"/> for all.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The records, by increasing <see cref="AssignmentRecord.Sequence"/>.</returns>
    ValueTask<IReadOnlyList<AssignmentRecord>> GetHistoryAsync(string name, AssignmentTarget? target = null, CancellationToken cancellationToken = default);

    /// <summary>Gets registry-wide history records after a sequence number, oldest first.</summary>
    /// <param name="afterSequence">Records with a greater sequence are returned; 0 for all.</param>
    /// <param name="maxCount">The most records to return.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The records.</returns>
    ValueTask<IReadOnlyList<AssignmentRecord>> GetChangesAsync(long afterSequence, int maxCount = 256, CancellationToken cancellationToken = default);

    /// <summary>Gets the sequence of the newest history record, or 0 when there is none.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The sequence.</returns>
    ValueTask<long> GetLastSequenceAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// The change feed: streams every alias and stage change (the history records) committed after
    /// <paramref name="afterSequence"/>, in commit order, until cancelled.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Changes made through this instance are delivered at once (typically well under a millisecond after commit);
    /// changes made by other processes or instances sharing the database are found by polling every
    /// <c>ChangePollInterval</c> of the registry's <see cref="TimeProvider"/> (default 1 s). Nothing is lost between
    /// polls: the feed is the history table read by sequence, so a subscriber that falls behind catches up, and one
    /// that restarts can resume from the last <see cref="AssignmentRecord.Sequence"/> it saw.
    /// </para>
    /// <para>
    /// Cancelling <paramref name="cancellationToken"/> ends the stream with <see cref="OperationCanceledException"/>.
    /// Each enumeration is independent; enumerate it from one task. To follow what one URI resolves to (for
    /// hot-swapping a served model) use <see cref="ModelRegistryExtensions.WatchResolutionAsync"/>.
    /// </para>
    /// </remarks>
    /// <param name="modelName">Only changes of this model, or <see langword="null"/> for all.</param>
    /// <param name="afterSequence">Start after this sequence; <see langword="null"/> for "from now" (only future changes).</param>
    /// <param name="cancellationToken">Ends the stream.</param>
    /// <returns>The changes, as they are committed.</returns>
    IAsyncEnumerable<AssignmentRecord> WatchAsync(string? modelName = null, long? afterSequence = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Opens a version's stored artifact after checking it: the SHA-256 recorded at registration must match the
    /// store's record and the bytes themselves (the whole file is hashed before the stream is returned, and the
    /// returned stream verifies again as it is read).
    /// </summary>
    /// <param name="name">The model.</param>
    /// <param name="version">The version.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A forward-only stream the caller disposes.</returns>
    /// <exception cref="ModelArtifactIntegrityException">The stored bytes or the store's record differ from what was registered; carries both digests.</exception>
    /// <exception cref="InvalidOperationException">The version was registered by reference only and has no stored artifact.</exception>
    ValueTask<Stream> OpenArtifactAsync(string name, int version, CancellationToken cancellationToken = default);
}

/// <summary>Filters for <see cref="IModelRegistry.SearchRegisteredModelsAsync"/>.</summary>
public sealed record RegisteredModelQuery
{
    /// <summary>Gets an SQL <c>LIKE</c> pattern for the name (<c>%</c> any run, <c>_</c> one character; ASCII letters match case-insensitively, as MLflow's <c>ILIKE</c>); <see langword="null"/> for any name.</summary>
    public string? NameLike { get; init; }

    /// <summary>Gets tags that must all be present with these exact values; <see langword="null"/> for no tag filter.</summary>
    public IReadOnlyDictionary<string, string>? Tags { get; init; }

    /// <summary>Gets the most models to return. Default 100 (MLflow's default); at most 1000.</summary>
    public int MaxResults { get; init; } = 100;
}

/// <summary>Filters for <see cref="IModelRegistry.SearchModelVersionsAsync"/>.</summary>
public sealed record ModelVersionQuery
{
    /// <summary>Gets the exact model name, or <see langword="null"/> for every model.</summary>
    public string? ModelName { get; init; }

    /// <summary>Gets the training run id, or <see langword="null"/> for any.</summary>
    public string? RunId { get; init; }

    /// <summary>Gets the stage, or <see langword="null"/> for any.</summary>
    public ModelStage? Stage { get; init; }

    /// <summary>Gets tags that must all be present with these exact values; <see langword="null"/> for no tag filter.</summary>
    public IReadOnlyDictionary<string, string>? Tags { get; init; }

    /// <summary>Gets the most versions to return. Default 1000.</summary>
    public int MaxResults { get; init; } = 1000;
}

/// <summary>What <see cref="IModelRegistry.CreateModelVersionAsync"/> registers.</summary>
/// <remarks>
/// Give the artifact as <see cref="ArtifactFile"/> (a local file, copied into the store) or
/// <see cref="ArtifactContent"/> (a stream, read once, with <see cref="ArtifactFileName"/>), or neither and only
/// <see cref="Source"/> to register a reference the registry cannot verify.
/// </remarks>
public sealed record ModelVersionRequest
{
    /// <summary>Gets the registered model's name.</summary>
    public required string ModelName { get; init; }

    /// <summary>Gets a local file to store as the version's artifact.</summary>
    public string? ArtifactFile { get; init; }

    /// <summary>Gets a stream to store as the version's artifact (read once from its position; not disposed).</summary>
    public Stream? ArtifactContent { get; init; }

    /// <summary>
    /// Gets the file name inside the store, one path segment such as <c>model.onnx</c>. Default: the name of
    /// <see cref="ArtifactFile"/>; required with <see cref="ArtifactContent"/>. A name ending in <c>.onnx</c>
    /// (any case) makes the registry read the signature.
    /// </summary>
    public string? ArtifactFileName { get; init; }

    /// <summary>Gets the source URI when no content is given (registration by reference).</summary>
    public string? Source { get; init; }

    /// <summary>Gets the training run id; with an <see cref="ILineageSource"/> registered and no <see cref="Lineage"/>, the lineage is looked up by it.</summary>
    public string? RunId { get; init; }

    /// <summary>Gets the description.</summary>
    public string? Description { get; init; }

    /// <summary>Gets the version tags.</summary>
    public IReadOnlyDictionary<string, string>? Tags { get; init; }

    /// <summary>Gets the lineage snapshot (params, metrics, dataset fingerprint, git commit).</summary>
    public ModelLineage? Lineage { get; init; }

    /// <summary>Gets a value indicating whether to create the registered model when it does not exist (as MLflow's <c>register_model</c> does). Default <see langword="false"/>.</summary>
    public bool CreateModelIfMissing { get; init; }
}
