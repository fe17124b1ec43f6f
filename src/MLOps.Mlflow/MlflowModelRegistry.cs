using System.Globalization;
using System.Text;
using MLOps.Registry;
using MLOps.Tracking;

namespace MLOps.Mlflow;

/// <summary>
/// An <see cref="IModelRegistry"/> backed by an MLflow model registry, as far as MLflow's REST API allows.
/// </summary>
/// <remarks>
/// <para>Thread-safe. MLflow's errors map to the registry's: <c>RESOURCE_DOES_NOT_EXIST</c> → <see cref="ModelNotFoundException"/>,
/// <c>RESOURCE_ALREADY_EXISTS</c> → <see cref="ModelAlreadyExistsException"/>; other errors surface as <see cref="MlflowException"/>.</para>
/// <para>What MLflow cannot back, and throws <see cref="MlflowNotSupportedException"/> for: the assignment history and
/// change feed (<see cref="RollbackAsync"/>, <see cref="GetHistoryAsync"/>, <see cref="GetChangesAsync"/>,
/// <see cref="GetLastSequenceAsync"/>, <see cref="WatchAsync"/>) — MLflow keeps no history of aliases and stages.
/// Other differences: <see cref="SetAliasAsync"/> returns a record with sequence 0 built from what the call saw;
/// <see cref="SetModelVersionTagsAsync"/> sends one request per tag (not one transaction); versions carry no
/// <see cref="ModelSignature"/>; an artifact given to
/// <see cref="CreateModelVersionAsync"/> is uploaded through the mlflow-artifacts proxy (its SHA-256 kept in the
/// version tags <c>mlops.artifact.sha256</c> and <c>mlops.artifact.length</c>, read back as <see cref="ModelVersion.Artifact"/>) and the version's source is its <c>mlflow-artifacts:/</c> URI; model names and aliases are checked with <see cref="RegistryNames"/> before any request;
/// <see cref="OpenArtifactAsync"/> streams such an artifact back without verifying it (the proxy keeps no digest).</para>
/// <para>Lineage, which MLflow has no field for, so that <see cref="PromotionGate"/> can compare versions: the
/// <see cref="ModelVersionRequest.Lineage"/> given to <see cref="CreateModelVersionAsync"/> is kept as version tags under
/// <see cref="LineageTagPrefix"/> (metrics as <see cref="LineageMetricTagPrefix"/><c>&lt;name&gt;</c> in invariant
/// round-trip form, params as <see cref="LineageParamTagPrefix"/><c>&lt;name&gt;</c>, the dataset and commit as
/// <see cref="LineageDatasetNameTag"/>, <see cref="LineageDatasetFingerprintTag"/> and <see cref="LineageGitCommitTag"/>)
/// and read back as <see cref="ModelVersion.Lineage"/>, not listed in <see cref="ModelVersion.Tags"/>. An entry MLflow
/// cannot hold as a tag (key over 250 characters or with a character MLflow refuses, value over 5000) throws
/// <see cref="MlflowLineageTagException"/> before any request. These tags are the snapshot: a version that has any is
/// never completed from its run. Setting them with <see cref="SetModelVersionTagAsync"/> gives lineage to a version
/// registered elsewhere.</para>
/// <para>A version without lineage tags but with a <c>run_id</c> — what Python MLflow's <c>register_model</c> creates —
/// gets its lineage from the run when <see cref="MlflowOptions.LineageFromRun"/> is set (the default): its latest metric
/// values, params, <c>mlflow.source.git.commit</c> tag and training dataset, read with one <c>GET runs/get</c>. That
/// request is made only by the single-version reads (<see cref="GetModelVersionAsync"/>,
/// <see cref="GetVersionByAliasAsync"/>, <see cref="ResolveAsync"/>), which are what the gate calls for the candidate and
/// the holder; list reads (<see cref="SearchModelVersionsAsync"/>, <see cref="GetLatestVersionsAsync"/>) would need one
/// request per version and leave such a version's <see cref="ModelVersion.Lineage"/> <see langword="null"/>, as do the
/// versions returned by writes. The values are read when asked for, not frozen at registration. A run that no longer
/// exists leaves the lineage <see langword="null"/>; any other error of the run request is thrown.</para>
/// </remarks>
public sealed class MlflowModelRegistry : IModelRegistry
{
    /// <summary>
    /// The version tag holding the SHA-256 of an artifact uploaded by <see cref="CreateModelVersionAsync"/>. Read back as
    /// <see cref="ModelVersion.Artifact"/>, not listed in <see cref="ModelVersion.Tags"/>.
    /// </summary>
    public const string Sha256Tag = "mlops.artifact.sha256";

    /// <summary>The version tag holding the length in bytes of an uploaded artifact (read back as <see cref="ModelArtifact.Length"/>).</summary>
    public const string LengthTag = "mlops.artifact.length";

    /// <summary>The prefix of the version tags that keep a <see cref="ModelLineage"/>; reserved: such tags are read back as <see cref="ModelVersion.Lineage"/>.</summary>
    public const string LineageTagPrefix = "mlops.lineage.";

    /// <summary>The prefix of the version tags that keep <see cref="ModelLineage.Metrics"/>: <c>mlops.lineage.metric.f1</c> = <c>0.91</c> (invariant round-trip form).</summary>
    public const string LineageMetricTagPrefix = LineageTagPrefix + "metric.";

    /// <summary>The prefix of the version tags that keep <see cref="ModelLineage.Parameters"/>: <c>mlops.lineage.param.lr</c> = <c>0.01</c>.</summary>
    public const string LineageParamTagPrefix = LineageTagPrefix + "param.";

    /// <summary>The version tag that keeps <see cref="ModelLineage.DatasetName"/>.</summary>
    public const string LineageDatasetNameTag = LineageTagPrefix + "dataset.name";

    /// <summary>The version tag that keeps <see cref="ModelLineage.DatasetFingerprint"/>.</summary>
    public const string LineageDatasetFingerprintTag = LineageTagPrefix + "dataset.fingerprint";

    /// <summary>The version tag that keeps <see cref="ModelLineage.GitCommit"/>.</summary>
    public const string LineageGitCommitTag = LineageTagPrefix + "git.commit";

    /// <summary>The version tag that keeps <see cref="ModelLineage.RunId"/>, written only when it differs from the version's own <c>run_id</c>.</summary>
    public const string LineageRunIdTag = LineageTagPrefix + "run_id";

    private const string History = "MLflow keeps no history of alias and stage assignments; use the embedded SqliteModelRegistry for rollback and the change feed.";

    private readonly MlflowClient _client;
    private readonly MlflowArtifactStore _artifacts;
    private readonly TimeProvider _time;

    /// <summary>Initializes a new instance of the <see cref="MlflowModelRegistry"/> class.</summary>
    /// <param name="client">The REST client.</param>
    /// <param name="artifacts">The artifact store for uploaded versions; default the proxy at its root.</param>
    /// <param name="timeProvider">The clock for synthesized assignment records; default system.</param>
    public MlflowModelRegistry(MlflowClient client, MlflowArtifactStore? artifacts = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
        _time = timeProvider ?? TimeProvider.System;
        _artifacts = artifacts ?? new MlflowArtifactStore(client, null, _time);
    }

    /// <inheritdoc/>
    /// <remarks>The name is checked with <see cref="RegistryNames.ValidateModelName"/> before any request, as the embedded registry does, so every model can be addressed by a <c>models:/</c> URI.</remarks>
    public ValueTask<RegisteredModel> CreateRegisteredModelAsync(string name, string? description = null, IReadOnlyDictionary<string, string>? tags = null, CancellationToken cancellationToken = default)
    {
        RegistryNames.ValidateModelName(name);
        return Call(static (c, s, ct) => c.CreateRegisteredModelAsync(s.name, s.description, s.tags, ct), (name, description, tags), name, cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask<RegisteredModel> GetRegisteredModelAsync(string name, CancellationToken cancellationToken = default) =>
        Call(static (c, s, ct) => c.GetRegisteredModelAsync(s, ct), name, name, cancellationToken);

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<RegisteredModel>> SearchRegisteredModelsAsync(RegisteredModelQuery? query = null, CancellationToken cancellationToken = default)
    {
        query ??= new RegisteredModelQuery();
        var clauses = new List<string>();
        if (query.NameLike is not null)
        {
            clauses.Add("name ILIKE " + Quote(query.NameLike));
        }

        AddTagClauses(clauses, query.Tags);
        var filter = clauses.Count == 0 ? null : string.Join(" AND ", clauses);
        var results = new List<RegisteredModel>();
        string? token = null;
        do
        {
            var page = await Call(static (c, s, ct) => c.SearchRegisteredModelsAsync(s.filter, Math.Min(s.Item2, 1000), ["name ASC"], s.token, ct), (filter, query.MaxResults - results.Count, token), string.Empty, cancellationToken).ConfigureAwait(false);
            results.AddRange(page.Items);
            token = page.NextPageToken;
        }
        while (token is not null && results.Count < query.MaxResults);

        return results.Count > query.MaxResults ? results[..query.MaxResults] : results;
    }

    /// <inheritdoc/>
    public ValueTask<RegisteredModel> UpdateRegisteredModelAsync(string name, string? description, CancellationToken cancellationToken = default) =>
        Call(static (c, s, ct) => c.UpdateRegisteredModelAsync(s.name, s.description, ct), (name, description), name, cancellationToken);

    /// <inheritdoc/>
    public async ValueTask DeleteRegisteredModelAsync(string name, ChangeContext? context = null, CancellationToken cancellationToken = default) =>
        await Call(static async (c, s, ct) => { await c.DeleteRegisteredModelAsync(s, ct).ConfigureAwait(false); return true; }, name, name, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc/>
    public async ValueTask SetRegisteredModelTagAsync(string name, string key, string value, CancellationToken cancellationToken = default) =>
        await Call(static async (c, s, ct) => { await c.SetRegisteredModelTagAsync(s.name, s.key, s.value, ct).ConfigureAwait(false); return true; }, (name, key, value), name, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc/>
    public async ValueTask DeleteRegisteredModelTagAsync(string name, string key, CancellationToken cancellationToken = default)
    {
        try
        {
            await _client.DeleteRegisteredModelTagAsync(name, key, cancellationToken).ConfigureAwait(false);
        }
        catch (MlflowException ex) when (ex.ErrorCode == MlflowErrorCode.ResourceDoesNotExist)
        {
            // Absent tag: nothing happens (the interface's contract). A missing model still throws.
            await GetRegisteredModelAsync(name, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// <see cref="ModelVersionRequest.Lineage"/> is kept as version tags under <see cref="LineageTagPrefix"/> (they replace
    /// caller tags with the same keys) and read back as <see cref="ModelVersion.Lineage"/>. Without a lineage, no
    /// <see cref="ILineageSource"/> is asked: a version with a run id gets its lineage from the run when read (see
    /// <see cref="MlflowOptions.LineageFromRun"/>).
    /// </remarks>
    /// <exception cref="MlflowLineageTagException">A lineage entry cannot be kept as an MLflow version tag; nothing was sent.</exception>
    public async ValueTask<ModelVersion> CreateModelVersionAsync(ModelVersionRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        RegistryNames.ValidateModelName(request.ModelName);
        var runId = request.RunId ?? request.Lineage?.RunId;

        // Checked before any request, so a lineage MLflow cannot hold leaves no model, upload or version behind.
        var lineageTags = MlflowLineageTags.ToTags(request.Lineage, runId);
        if (request.CreateModelIfMissing)
        {
            try
            {
                await _client.GetRegisteredModelAsync(request.ModelName, cancellationToken).ConfigureAwait(false);
            }
            catch (MlflowException ex) when (ex.ErrorCode == MlflowErrorCode.ResourceDoesNotExist)
            {
                await CreateRegisteredModelAsync(request.ModelName, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
        }

        var tags = new Dictionary<string, string>(request.Tags ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        foreach (var tag in lineageTags)
        {
            tags[tag.Key] = tag.Value;
        }

        var source = request.Source;
        if (request.ArtifactFile is not null || request.ArtifactContent is not null)
        {
            var fileName = request.ArtifactFileName ?? Path.GetFileName(request.ArtifactFile)
                ?? throw new ArgumentException("ArtifactFileName is required with ArtifactContent.", nameof(request));
            var path = string.Create(CultureInfo.InvariantCulture, $"registry/{request.ModelName}/{Guid.NewGuid():N}/{fileName}");
            ArtifactsInfo info;
            if (request.ArtifactContent is not null)
            {
                info = new(await _artifacts.PutAsync(path, request.ArtifactContent, cancellationToken).ConfigureAwait(false));
            }
            else
            {
                var file = File.OpenRead(request.ArtifactFile!);
                await using (file.ConfigureAwait(false))
                {
                    info = new(await _artifacts.PutAsync(path, file, cancellationToken).ConfigureAwait(false));
                }
            }

            tags[Sha256Tag] = info.Value.Sha256;
            tags[LengthTag] = info.Value.Length.ToString(CultureInfo.InvariantCulture);
            source = _artifacts.ToMlflowUri(path);
        }

        if (source is null)
        {
            throw new ArgumentException("Give ArtifactFile, ArtifactContent or Source.", nameof(request));
        }

        return await Call(static (c, s, ct) => c.CreateModelVersionAsync(s.ModelName, s.source, s.runId, s.tags, null, s.Description, ct), (request.ModelName, source, runId, tags, request.Description), request.ModelName, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    /// <remarks>With <see cref="MlflowOptions.LineageFromRun"/>, a version with a run id and no lineage tags costs one more request, for its run's lineage.</remarks>
    public async ValueTask<ModelVersion> GetModelVersionAsync(string name, int version, CancellationToken cancellationToken = default) =>
        await WithRunLineageAsync(await GetVersionCoreAsync(name, version, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<ModelVersion>> SearchModelVersionsAsync(ModelVersionQuery? query = null, CancellationToken cancellationToken = default)
    {
        query ??= new ModelVersionQuery();
        var clauses = new List<string>();
        if (query.ModelName is not null)
        {
            clauses.Add("name = " + Quote(query.ModelName));
        }

        if (query.RunId is not null)
        {
            clauses.Add("run_id = " + Quote(query.RunId));
        }

        AddTagClauses(clauses, query.Tags);
        var filter = clauses.Count == 0 ? null : string.Join(" AND ", clauses);
        var results = new List<ModelVersion>();
        string? token = null;
        do
        {
            var page = await Call(static (c, s, ct) => c.SearchModelVersionsAsync(s.filter, 1000, ["name ASC", "version_number DESC"], s.token, ct), (filter, token), string.Empty, cancellationToken).ConfigureAwait(false);
            foreach (var v in page.Items)
            {
                // MLflow's search has no stage filter: it is applied here.
                if (query.Stage is null || v.Stage == query.Stage)
                {
                    results.Add(v);
                }
            }

            token = page.NextPageToken;
        }
        while (token is not null && results.Count < query.MaxResults);

        return results.Count > query.MaxResults ? results[..query.MaxResults] : results;
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<ModelVersion>> GetLatestVersionsAsync(string name, IReadOnlyCollection<ModelStage>? stages = null, CancellationToken cancellationToken = default) =>
        Call(static (c, s, ct) => c.GetLatestVersionsAsync(s.name, s.stages, ct), (name, stages: stages?.Select(static x => x.ToName()).ToList()), name, cancellationToken);

    /// <inheritdoc/>
    public ValueTask<ModelVersion> UpdateModelVersionAsync(string name, int version, string? description, CancellationToken cancellationToken = default) =>
        Call(static (c, s, ct) => c.UpdateModelVersionAsync(s.name, s.version, s.description, ct), (name, version, description), name, cancellationToken, version);

    /// <inheritdoc/>
    public async ValueTask DeleteModelVersionAsync(string name, int version, ChangeContext? context = null, CancellationToken cancellationToken = default) =>
        await Call(static async (c, s, ct) => { await c.DeleteModelVersionAsync(s.name, s.version, ct).ConfigureAwait(false); return true; }, (name, version), name, cancellationToken, version).ConfigureAwait(false);

    /// <inheritdoc/>
    public async ValueTask SetModelVersionTagAsync(string name, int version, string key, string value, CancellationToken cancellationToken = default) =>
        await Call(static async (c, s, ct) => { await c.SetModelVersionTagAsync(s.name, s.version, s.key, s.value, ct).ConfigureAwait(false); return true; }, (name, version, key, value), name, cancellationToken, version).ConfigureAwait(false);

    /// <inheritdoc/>
    /// <remarks>MLflow has no multi-tag call: one request per tag, not one transaction.</remarks>
    public async ValueTask SetModelVersionTagsAsync(string name, int version, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tags);
        foreach (var tag in tags)
        {
            await SetModelVersionTagAsync(name, version, tag.Key, tag.Value, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public async ValueTask DeleteModelVersionTagAsync(string name, int version, string key, CancellationToken cancellationToken = default)
    {
        try
        {
            await _client.DeleteModelVersionTagAsync(name, version, key, cancellationToken).ConfigureAwait(false);
        }
        catch (MlflowException ex) when (ex.ErrorCode == MlflowErrorCode.ResourceDoesNotExist)
        {
            await GetVersionCoreAsync(name, version, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public ValueTask<ModelVersion> TransitionStageAsync(string name, int version, ModelStage stage, bool archiveExistingVersions = false, ChangeContext? context = null, CancellationToken cancellationToken = default)
    {
        if (archiveExistingVersions && stage is not (ModelStage.Staging or ModelStage.Production))
        {
            throw new InvalidStageTransitionException(name, version, $"archive_existing_versions is only allowed when moving to Staging or Production (MLflow's rule), not to {stage.ToName()}. Pass archiveExistingVersions: false.");
        }

        return Call(static (c, s, ct) => c.TransitionModelVersionStageAsync(s.name, s.version, s.stage, s.archiveExistingVersions, ct), (name, version, stage, archiveExistingVersions), name, cancellationToken, version);
    }

    /// <inheritdoc/>
    /// <remarks>MLflow keeps no history: the record has sequence 0 and the previous version this call observed.</remarks>
    public async ValueTask<AssignmentRecord> SetAliasAsync(string name, string aliasName, int version, ChangeContext? context = null, CancellationToken cancellationToken = default)
    {
        RegistryNames.ValidateAlias(aliasName);

        int? previous = null;
        try
        {
            previous = (await _client.GetModelVersionByAliasAsync(name, aliasName, cancellationToken).ConfigureAwait(false)).Version;
        }
        catch (MlflowException ex) when (ex.ErrorCode == MlflowErrorCode.ResourceDoesNotExist)
        {
        }

        await Call(static async (c, s, ct) => { await c.SetRegisteredModelAliasAsync(s.name, s.aliasName, s.version, ct).ConfigureAwait(false); return true; }, (name, aliasName, version), name, cancellationToken, version).ConfigureAwait(false);
        return new AssignmentRecord(0, name, AssignmentTarget.Alias(aliasName), AssignmentAction.Set, version, previous, null, context?.Actor, context?.Reason, _time.GetUtcNow());
    }

    /// <inheritdoc/>
    public async ValueTask DeleteAliasAsync(string name, string aliasName, ChangeContext? context = null, CancellationToken cancellationToken = default)
    {
        try
        {
            await _client.DeleteRegisteredModelAliasAsync(name, aliasName, cancellationToken).ConfigureAwait(false);
        }
        catch (MlflowException ex) when (ex.ErrorCode == MlflowErrorCode.ResourceDoesNotExist)
        {
            throw new ModelNotFoundException(name, alias: aliasName);
        }
    }

    /// <inheritdoc/>
    /// <remarks>With <see cref="MlflowOptions.LineageFromRun"/>, a version with a run id and no lineage tags costs one more request, for its run's lineage.</remarks>
    public async ValueTask<ModelVersion> GetVersionByAliasAsync(string name, string aliasName, CancellationToken cancellationToken = default)
    {
        ModelVersion version;
        try
        {
            version = Surface(await _client.GetModelVersionByAliasAsync(name, aliasName, cancellationToken).ConfigureAwait(false));
        }
        catch (MlflowException ex) when (ex.ErrorCode == MlflowErrorCode.ResourceDoesNotExist)
        {
            throw new ModelNotFoundException(name, alias: aliasName);
        }

        return await WithRunLineageAsync(version, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    /// <remarks>With <see cref="MlflowOptions.LineageFromRun"/>, a version with a run id and no lineage tags costs one more request, for its run's lineage.</remarks>
    public async ValueTask<ModelVersion> ResolveAsync(ModelUri uri, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(uri);
        switch (uri.Kind)
        {
            case ModelUriKind.Version:
                return await GetModelVersionAsync(uri.Name, uri.Version!.Value, cancellationToken).ConfigureAwait(false);
            case ModelUriKind.Alias:
                return await GetVersionByAliasAsync(uri.Name, uri.Alias!, cancellationToken).ConfigureAwait(false);
            case ModelUriKind.Stage:
                var inStage = await GetLatestVersionsAsync(uri.Name, [uri.Stage!.Value], cancellationToken).ConfigureAwait(false);
                return inStage.Count > 0
                    ? await WithRunLineageAsync(inStage[0], cancellationToken).ConfigureAwait(false)
                    : throw new ModelNotFoundException(uri.Name, stage: uri.Stage);
            default:
                var all = await SearchModelVersionsAsync(new ModelVersionQuery { ModelName = uri.Name }, cancellationToken).ConfigureAwait(false);
                ModelVersion? best = null;
                foreach (var v in all)
                {
                    if (v.Status == ModelVersionStatus.Ready && (best is null || v.Version > best.Version))
                    {
                        best = v;
                    }
                }

                return best is not null
                    ? await WithRunLineageAsync(best, cancellationToken).ConfigureAwait(false)
                    : throw new ModelNotFoundException(uri.Name);
        }
    }

    /// <inheritdoc/>
    /// <exception cref="MlflowNotSupportedException">Always: MLflow keeps no assignment history.</exception>
    public ValueTask<RollbackResult> RollbackAsync(string name, AssignmentTarget target, ChangeContext? context = null, CancellationToken cancellationToken = default) =>
        throw new MlflowNotSupportedException(nameof(RollbackAsync), History);

    /// <inheritdoc/>
    /// <exception cref="MlflowNotSupportedException">Always: MLflow keeps no assignment history.</exception>
    public ValueTask<IReadOnlyList<AssignmentRecord>> GetHistoryAsync(string name, AssignmentTarget? target = null, CancellationToken cancellationToken = default) =>
        throw new MlflowNotSupportedException(nameof(GetHistoryAsync), History);

    /// <inheritdoc/>
    /// <exception cref="MlflowNotSupportedException">Always: MLflow keeps no assignment history.</exception>
    public ValueTask<IReadOnlyList<AssignmentRecord>> GetChangesAsync(long afterSequence, int maxCount = 256, CancellationToken cancellationToken = default) =>
        throw new MlflowNotSupportedException(nameof(GetChangesAsync), History);

    /// <inheritdoc/>
    /// <exception cref="MlflowNotSupportedException">Always: MLflow keeps no assignment history.</exception>
    public ValueTask<long> GetLastSequenceAsync(CancellationToken cancellationToken = default) =>
        throw new MlflowNotSupportedException(nameof(GetLastSequenceAsync), History);

    /// <inheritdoc/>
    /// <exception cref="MlflowNotSupportedException">Always: MLflow has no change feed.</exception>
    public IAsyncEnumerable<AssignmentRecord> WatchAsync(string? modelName = null, long? afterSequence = null, CancellationToken cancellationToken = default) =>
        throw new MlflowNotSupportedException(nameof(WatchAsync), History);

    /// <inheritdoc/>
    /// <remarks>Streams an artifact registered through the mlflow-artifacts proxy; not verified (the proxy keeps no digest).</remarks>
    public async ValueTask<Stream> OpenArtifactAsync(string name, int version, CancellationToken cancellationToken = default)
    {
        var v = await GetVersionCoreAsync(name, version, cancellationToken).ConfigureAwait(false);
        if (ProxyPath(v.Source) is not { } path)
        {
            throw new InvalidOperationException($"'{name}' version {version} has source '{v.Source}', which is not behind the mlflow-artifacts proxy; download it from its store directly.");
        }

        return await _client.DownloadArtifactAsync(path, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The path under the mlflow-artifacts proxy of an <c>mlflow-artifacts:/</c> source, or <see langword="null"/> for any other source.</summary>
    private static string? ProxyPath(string? source)
    {
        const string Prefix = "mlflow-artifacts:/";
        return source is not null && source.StartsWith(Prefix, StringComparison.Ordinal) ? source[Prefix.Length..].TrimStart('/') : null;
    }

    private async ValueTask<TResult> Call<TState, TResult>(Func<MlflowClient, TState, CancellationToken, Task<TResult>> call, TState state, string name, CancellationToken cancellationToken, int? version = null)
    {
        try
        {
            var result = await call(_client, state, cancellationToken).ConfigureAwait(false);
            return result switch
            {
                ModelVersion v => (TResult)(object)Surface(v),
                Page<ModelVersion> page => (TResult)(object)new Page<ModelVersion>(page.Items.Select(Surface).ToList(), page.NextPageToken),
                IReadOnlyList<ModelVersion> list => (TResult)(object)list.Select(Surface).ToList(),
                _ => result,
            };
        }
        catch (MlflowException ex) when (ex.ErrorCode == MlflowErrorCode.ResourceDoesNotExist)
        {
            throw new ModelNotFoundException(name, version);
        }
        catch (MlflowException ex) when (ex.ErrorCode == MlflowErrorCode.ResourceAlreadyExists)
        {
            throw new ModelAlreadyExistsException(name);
        }
    }

    /// <summary>A version as MLflow returns it, its backend tags surfaced, without its run's lineage.</summary>
    private ValueTask<ModelVersion> GetVersionCoreAsync(string name, int version, CancellationToken cancellationToken) =>
        Call(static (c, s, ct) => c.GetModelVersionAsync(s.name, s.version, ct), (name, version), name, cancellationToken, version);

    /// <summary>
    /// Fills the lineage of a version that has a run id and no lineage tags from its run (one <c>GET runs/get</c>), when
    /// <see cref="MlflowOptions.LineageFromRun"/> is set. A run that does not exist leaves the version as it is.
    /// </summary>
    private async ValueTask<ModelVersion> WithRunLineageAsync(ModelVersion v, CancellationToken cancellationToken)
    {
        if (v.Lineage is not null || v.RunId is not { Length: > 0 } runId || !_client.Options.LineageFromRun)
        {
            return v;
        }

        try
        {
            var run = await _client.GetRunAsync(runId, cancellationToken).ConfigureAwait(false);
            return v with { Lineage = MlflowLineageTags.FromRun(run) };
        }
        catch (MlflowException ex) when (ex.ErrorCode == MlflowErrorCode.ResourceDoesNotExist)
        {
            // The run was deleted for good (mlflow gc) or lives in another tracking server: no lineage to give.
            return v;
        }
    }

    /// <summary>
    /// Turns the backend's own tags into <see cref="ModelVersion.Artifact"/> (artifact tags) and
    /// <see cref="ModelVersion.Lineage"/> (lineage tags), leaving the caller's tags in <see cref="ModelVersion.Tags"/>.
    /// </summary>
    private static ModelVersion Surface(ModelVersion v)
    {
        var hasArtifact = v.Tags.TryGetValue(Sha256Tag, out var sha);
        var hasLineage = false;
        foreach (var key in v.Tags.Keys)
        {
            if (key.StartsWith(LineageTagPrefix, StringComparison.Ordinal))
            {
                hasLineage = true;
                break;
            }
        }

        if (!hasArtifact && !hasLineage)
        {
            return v;
        }

        var tags = new Dictionary<string, string>(v.Tags.Count, StringComparer.Ordinal);
        var lineage = default(MlflowLineageTags.Builder);
        foreach (var tag in v.Tags)
        {
            if (hasArtifact && tag.Key is Sha256Tag or LengthTag)
            {
                continue;
            }

            if (!MlflowLineageTags.TryRead(tag.Key, tag.Value, ref lineage))
            {
                tags[tag.Key] = tag.Value;
            }
        }

        var result = v with { Tags = tags };
        if (lineage.Found)
        {
            result = result with { Lineage = lineage.Build(v.RunId) };
        }

        if (hasArtifact)
        {
            var length = v.Tags.TryGetValue(LengthTag, out var text) && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1;
            var path = ProxyPath(v.Source) ?? v.Source ?? string.Empty;
            result = result with { Artifact = new ModelArtifact(path, sha!, length) };
        }

        return result;
    }

    private static void AddTagClauses(List<string> clauses, IReadOnlyDictionary<string, string>? tags)
    {
        foreach (var tag in tags ?? new Dictionary<string, string>())
        {
            clauses.Add("tags.`" + tag.Key.Replace("`", string.Empty, StringComparison.Ordinal) + "` = " + Quote(tag.Value));
        }
    }

    /// <summary>Quotes a string literal for MLflow's filter DSL (single quotes, or double quotes when the value has one).</summary>
    internal static string Quote(string value)
    {
        var q = value.Contains('\'', StringComparison.Ordinal) ? '"' : '\'';
        return new StringBuilder().Append(q).Append(value).Append(q).ToString();
    }

    private readonly record struct ArtifactsInfo(MLOps.Artifacts.ArtifactInfo Value);
}
