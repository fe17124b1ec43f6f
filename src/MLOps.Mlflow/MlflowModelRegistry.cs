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
/// <see cref="ModelLineage"/> beyond the run id and no <see cref="ModelSignature"/>; an artifact given to
/// <see cref="CreateModelVersionAsync"/> is uploaded through the mlflow-artifacts proxy (its SHA-256 kept in the
/// version tags <c>mlops.artifact.sha256</c> and <c>mlops.artifact.length</c>, read back as <see cref="ModelVersion.Artifact"/>) and the version's source is its <c>mlflow-artifacts:/</c> URI; model names and aliases are checked with <see cref="RegistryNames"/> before any request;
/// <see cref="OpenArtifactAsync"/> streams such an artifact back without verifying it (the proxy keeps no digest).</para>
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
    public async ValueTask<ModelVersion> CreateModelVersionAsync(ModelVersionRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        RegistryNames.ValidateModelName(request.ModelName);
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

        var runId = request.RunId ?? request.Lineage?.RunId;
        return await Call(static (c, s, ct) => c.CreateModelVersionAsync(s.ModelName, s.source, s.runId, s.tags, null, s.Description, ct), (request.ModelName, source, runId, tags, request.Description), request.ModelName, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public ValueTask<ModelVersion> GetModelVersionAsync(string name, int version, CancellationToken cancellationToken = default) =>
        Call(static (c, s, ct) => c.GetModelVersionAsync(s.name, s.version, ct), (name, version), name, cancellationToken, version);

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
            await GetModelVersionAsync(name, version, cancellationToken).ConfigureAwait(false);
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
    public async ValueTask<ModelVersion> GetVersionByAliasAsync(string name, string aliasName, CancellationToken cancellationToken = default)
    {
        try
        {
            return Surface(await _client.GetModelVersionByAliasAsync(name, aliasName, cancellationToken).ConfigureAwait(false));
        }
        catch (MlflowException ex) when (ex.ErrorCode == MlflowErrorCode.ResourceDoesNotExist)
        {
            throw new ModelNotFoundException(name, alias: aliasName);
        }
    }

    /// <inheritdoc/>
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
                return inStage.Count > 0 ? inStage[0] : throw new ModelNotFoundException(uri.Name, stage: uri.Stage);
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

                return best ?? throw new ModelNotFoundException(uri.Name);
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
        var v = await GetModelVersionAsync(name, version, cancellationToken).ConfigureAwait(false);
        const string Prefix = "mlflow-artifacts:/";
        if (v.Source is null || !v.Source.StartsWith(Prefix, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"'{name}' version {version} has source '{v.Source}', which is not behind the mlflow-artifacts proxy; download it from its store directly.");
        }

        return await _client.DownloadArtifactAsync(v.Source[Prefix.Length..].TrimStart('/'), cancellationToken).ConfigureAwait(false);
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

    /// <summary>Turns the backend's own artifact tags into <see cref="ModelVersion.Artifact"/>, leaving the caller's tags in <see cref="ModelVersion.Tags"/>.</summary>
    private static ModelVersion Surface(ModelVersion v)
    {
        if (!v.Tags.TryGetValue(Sha256Tag, out var sha))
        {
            return v;
        }

        var tags = new Dictionary<string, string>(v.Tags.Count, StringComparer.Ordinal);
        foreach (var tag in v.Tags)
        {
            if (tag.Key is not (Sha256Tag or LengthTag))
            {
                tags[tag.Key] = tag.Value;
            }
        }

        var length = v.Tags.TryGetValue(LengthTag, out var text) && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1;
        const string Prefix = "mlflow-artifacts:/";
        var path = v.Source is { } source && source.StartsWith(Prefix, StringComparison.Ordinal) ? source[Prefix.Length..].TrimStart('/') : v.Source ?? string.Empty;
        return v with { Artifact = new ModelArtifact(path, sha, length), Tags = tags };
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
