using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using MLOps.Registry;
using MLOps.Tracking;

namespace MLOps.Mlflow;

/// <summary>An entry of an mlflow-artifacts listing.</summary>
/// <param name="Path">The path relative to the listed folder's root.</param>
/// <param name="IsDirectory">Whether it is a folder.</param>
/// <param name="Length">The file size in bytes (0 for folders).</param>
public sealed record MlflowFileInfo(string Path, bool IsDirectory, long Length);

public sealed partial class MlflowClient
{
    // ---------------------------------------------------------------- registered models

    /// <summary>Creates a registered model (<c>POST registered-models/create</c>).</summary>
    /// <param name="name">The name.</param>
    /// <param name="description">The description, or <see langword="null"/>.</param>
    /// <param name="tags">Tags, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The model.</returns>
    public async Task<RegisteredModel> CreateRegisteredModelAsync(string name, string? description = null, IReadOnlyDictionary<string, string>? tags = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        var body = MlflowJson.Write((name, description, tags), static (w, s) =>
        {
            w.WriteString("name", s.name);
            MlflowJson.WriteTags(w, "tags", s.tags);
            WriteIfSet(w, "description", s.description);
        });
        using var doc = await PostAsync("registered-models/create", body, cancellationToken).ConfigureAwait(false);
        return ReadRegisteredModel(Required(doc.RootElement, "registered_model"));
    }

    /// <summary>Gets a registered model (<c>GET registered-models/get</c>).</summary>
    /// <param name="name">The name.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The model.</returns>
    public async Task<RegisteredModel> GetRegisteredModelAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        using var doc = await GetAsync("registered-models/get", [new("name", name)], cancellationToken).ConfigureAwait(false);
        return ReadRegisteredModel(Required(doc.RootElement, "registered_model"));
    }

    /// <summary>Searches registered models (<c>GET registered-models/search</c>).</summary>
    /// <param name="filter">A filter over <c>name</c> and <c>tags.&lt;key&gt;</c>, or <see langword="null"/>.</param>
    /// <param name="maxResults">Page size (MLflow: default 100, at most 1000).</param>
    /// <param name="orderBy">Order clauses, or <see langword="null"/>.</param>
    /// <param name="pageToken">A token from a previous page, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>One page.</returns>
    public async Task<Page<RegisteredModel>> SearchRegisteredModelsAsync(string? filter = null, int maxResults = 100, IReadOnlyList<string>? orderBy = null, string? pageToken = null, CancellationToken cancellationToken = default)
    {
        var query = SearchQuery(filter, maxResults, orderBy, pageToken);
        using var doc = await GetAsync("registered-models/search", query, cancellationToken).ConfigureAwait(false);
        return new Page<RegisteredModel>(MlflowJson.Array(doc.RootElement, "registered_models").Select(ReadRegisteredModel).ToList(), NextToken(doc.RootElement));
    }

    /// <summary>Sets a registered model's description (<c>PATCH registered-models/update</c>).</summary>
    /// <param name="name">The name.</param>
    /// <param name="description">The description (an empty string clears it).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The model.</returns>
    public async Task<RegisteredModel> UpdateRegisteredModelAsync(string name, string? description, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        var body = MlflowJson.Write((name, description), static (w, s) =>
        {
            w.WriteString("name", s.name);
            w.WriteString("description", s.description ?? string.Empty);
        });
        using var doc = await SendAsync(HttpMethod.Patch, "registered-models/update", null, body, cancellationToken).ConfigureAwait(false);
        return ReadRegisteredModel(Required(doc.RootElement, "registered_model"));
    }

    /// <summary>Renames a registered model (<c>POST registered-models/rename</c>).</summary>
    /// <param name="name">The current name.</param>
    /// <param name="newName">The new name.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The model.</returns>
    public async Task<RegisteredModel> RenameRegisteredModelAsync(string name, string newName, CancellationToken cancellationToken = default)
    {
        var body = MlflowJson.Write((name, newName), static (w, s) =>
        {
            w.WriteString("name", s.name);
            w.WriteString("new_name", s.newName);
        });
        using var doc = await PostAsync("registered-models/rename", body, cancellationToken).ConfigureAwait(false);
        return ReadRegisteredModel(Required(doc.RootElement, "registered_model"));
    }

    /// <summary>Deletes a registered model and its versions (<c>DELETE registered-models/delete</c>, JSON body).</summary>
    /// <param name="name">The name.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when done.</returns>
    public Task DeleteRegisteredModelAsync(string name, CancellationToken cancellationToken = default) =>
        DeleteWithBodyAsync("registered-models/delete", One("name", name), cancellationToken);

    /// <summary>Sets a registered-model tag (<c>POST registered-models/set-tag</c>).</summary>
    /// <param name="name">The model.</param>
    /// <param name="key">The key.</param>
    /// <param name="value">The value.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when done.</returns>
    public Task SetRegisteredModelTagAsync(string name, string key, string value, CancellationToken cancellationToken = default) =>
        PostEmptyAsync("registered-models/set-tag", MlflowJson.Write((name, key, value), static (w, s) =>
        {
            w.WriteString("name", s.name);
            w.WriteString("key", s.key);
            w.WriteString("value", s.value);
        }), cancellationToken);

    /// <summary>Deletes a registered-model tag (<c>DELETE registered-models/delete-tag</c>).</summary>
    /// <param name="name">The model.</param>
    /// <param name="key">The key.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when done.</returns>
    public Task DeleteRegisteredModelTagAsync(string name, string key, CancellationToken cancellationToken = default) =>
        DeleteWithBodyAsync("registered-models/delete-tag", MlflowJson.Write((name, key), static (w, s) =>
        {
            w.WriteString("name", s.name);
            w.WriteString("key", s.key);
        }), cancellationToken);

    /// <summary>Gets the highest version per stage (<c>POST registered-models/get-latest-versions</c>; deprecated with stages).</summary>
    /// <param name="name">The model.</param>
    /// <param name="stages">Stage names, or <see langword="null"/> for every stage.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The versions.</returns>
    public async Task<IReadOnlyList<ModelVersion>> GetLatestVersionsAsync(string name, IReadOnlyList<string>? stages = null, CancellationToken cancellationToken = default)
    {
        var body = MlflowJson.Write((name, stages), static (w, s) =>
        {
            w.WriteString("name", s.name);
            MlflowJson.WriteStrings(w, "stages", s.stages);
        });
        using var doc = await PostAsync("registered-models/get-latest-versions", body, cancellationToken).ConfigureAwait(false);
        return MlflowJson.Array(doc.RootElement, "model_versions").Select(ReadModelVersion).ToList();
    }

    // ---------------------------------------------------------------- model versions

    /// <summary>Creates a model version (<c>POST model-versions/create</c>); the server numbers it.</summary>
    /// <param name="name">The registered model.</param>
    /// <param name="source">The artifact URI of the model.</param>
    /// <param name="runId">The run that produced it, or <see langword="null"/>.</param>
    /// <param name="tags">Tags, or <see langword="null"/>.</param>
    /// <param name="runLink">A link to the run, or <see langword="null"/>.</param>
    /// <param name="description">The description, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The version.</returns>
    public async Task<ModelVersion> CreateModelVersionAsync(string name, string source, string? runId = null, IReadOnlyDictionary<string, string>? tags = null, string? runLink = null, string? description = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(source);
        var body = MlflowJson.Write((name, source, runId, tags, runLink, description), static (w, s) =>
        {
            w.WriteString("name", s.name);
            w.WriteString("source", s.source);
            WriteIfSet(w, "run_id", s.runId);
            MlflowJson.WriteTags(w, "tags", s.tags);
            WriteIfSet(w, "run_link", s.runLink);
            WriteIfSet(w, "description", s.description);
        });
        using var doc = await PostAsync("model-versions/create", body, cancellationToken).ConfigureAwait(false);
        return ReadModelVersion(Required(doc.RootElement, "model_version"));
    }

    /// <summary>Gets a model version (<c>GET model-versions/get</c>).</summary>
    /// <param name="name">The model.</param>
    /// <param name="version">The version number.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The version.</returns>
    public async Task<ModelVersion> GetModelVersionAsync(string name, int version, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        using var doc = await GetAsync("model-versions/get", [new("name", name), new("version", V(version))], cancellationToken).ConfigureAwait(false);
        return ReadModelVersion(Required(doc.RootElement, "model_version"));
    }

    /// <summary>Searches model versions (<c>GET model-versions/search</c>).</summary>
    /// <param name="filter">A filter over <c>name</c>, <c>version_number</c>, <c>run_id</c>, <c>source_path</c>, <c>tags.&lt;key&gt;</c>, or <see langword="null"/>.</param>
    /// <param name="maxResults">Page size.</param>
    /// <param name="orderBy">Order clauses, or <see langword="null"/>.</param>
    /// <param name="pageToken">A token from a previous page, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>One page.</returns>
    public async Task<Page<ModelVersion>> SearchModelVersionsAsync(string? filter = null, int maxResults = 1000, IReadOnlyList<string>? orderBy = null, string? pageToken = null, CancellationToken cancellationToken = default)
    {
        using var doc = await GetAsync("model-versions/search", SearchQuery(filter, maxResults, orderBy, pageToken), cancellationToken).ConfigureAwait(false);
        return new Page<ModelVersion>(MlflowJson.Array(doc.RootElement, "model_versions").Select(ReadModelVersion).ToList(), NextToken(doc.RootElement));
    }

    /// <summary>Sets a version's description (<c>PATCH model-versions/update</c>).</summary>
    /// <param name="name">The model.</param>
    /// <param name="version">The version.</param>
    /// <param name="description">The description (an empty string clears it).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The version.</returns>
    public async Task<ModelVersion> UpdateModelVersionAsync(string name, int version, string? description, CancellationToken cancellationToken = default)
    {
        var body = MlflowJson.Write((name, version, description), static (w, s) =>
        {
            w.WriteString("name", s.name);
            w.WriteString("version", V(s.version));
            w.WriteString("description", s.description ?? string.Empty);
        });
        using var doc = await SendAsync(HttpMethod.Patch, "model-versions/update", null, body, cancellationToken).ConfigureAwait(false);
        return ReadModelVersion(Required(doc.RootElement, "model_version"));
    }

    /// <summary>Moves a version to a stage (<c>POST model-versions/transition-stage</c>).</summary>
    /// <param name="name">The model.</param>
    /// <param name="version">The version.</param>
    /// <param name="stage">The stage.</param>
    /// <param name="archiveExistingVersions">Whether the other versions in that stage move to Archived (Staging and Production only).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The version.</returns>
    public async Task<ModelVersion> TransitionModelVersionStageAsync(string name, int version, ModelStage stage, bool archiveExistingVersions, CancellationToken cancellationToken = default)
    {
        var body = MlflowJson.Write((name, version, stage, archiveExistingVersions), static (w, s) =>
        {
            w.WriteString("name", s.name);
            w.WriteString("version", V(s.version));
            w.WriteString("stage", s.stage.ToName());
            w.WriteBoolean("archive_existing_versions", s.archiveExistingVersions);
        });
        using var doc = await PostAsync("model-versions/transition-stage", body, cancellationToken).ConfigureAwait(false);
        return ReadModelVersion(Required(doc.RootElement, "model_version"));
    }

    /// <summary>Deletes a version (<c>DELETE model-versions/delete</c>, JSON body).</summary>
    /// <param name="name">The model.</param>
    /// <param name="version">The version.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when done.</returns>
    public Task DeleteModelVersionAsync(string name, int version, CancellationToken cancellationToken = default) =>
        DeleteWithBodyAsync("model-versions/delete", NameVersion(name, version), cancellationToken);

    /// <summary>Gets where a version's artifacts can be downloaded (<c>GET model-versions/get-download-uri</c>).</summary>
    /// <param name="name">The model.</param>
    /// <param name="version">The version.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The artifact URI.</returns>
    public async Task<string> GetModelVersionDownloadUriAsync(string name, int version, CancellationToken cancellationToken = default)
    {
        using var doc = await GetAsync("model-versions/get-download-uri", [new("name", name), new("version", V(version))], cancellationToken).ConfigureAwait(false);
        return MlflowJson.Str(doc.RootElement, "artifact_uri") ?? string.Empty;
    }

    /// <summary>Sets a version tag (<c>POST model-versions/set-tag</c>).</summary>
    /// <param name="name">The model.</param>
    /// <param name="version">The version.</param>
    /// <param name="key">The key.</param>
    /// <param name="value">The value.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when done.</returns>
    public Task SetModelVersionTagAsync(string name, int version, string key, string value, CancellationToken cancellationToken = default) =>
        PostEmptyAsync("model-versions/set-tag", MlflowJson.Write((name, version, key, value), static (w, s) =>
        {
            w.WriteString("name", s.name);
            w.WriteString("version", V(s.version));
            w.WriteString("key", s.key);
            w.WriteString("value", s.value);
        }), cancellationToken);

    /// <summary>Deletes a version tag (<c>DELETE model-versions/delete-tag</c>).</summary>
    /// <param name="name">The model.</param>
    /// <param name="version">The version.</param>
    /// <param name="key">The key.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when done.</returns>
    public Task DeleteModelVersionTagAsync(string name, int version, string key, CancellationToken cancellationToken = default) =>
        DeleteWithBodyAsync("model-versions/delete-tag", MlflowJson.Write((name, version, key), static (w, s) =>
        {
            w.WriteString("name", s.name);
            w.WriteString("version", V(s.version));
            w.WriteString("key", s.key);
        }), cancellationToken);

    /// <summary>Points an alias at a version (<c>POST registered-models/alias</c>).</summary>
    /// <param name="name">The model.</param>
    /// <param name="alias">The alias.</param>
    /// <param name="version">The version.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when done.</returns>
    public Task SetRegisteredModelAliasAsync(string name, string alias, int version, CancellationToken cancellationToken = default) =>
        PostEmptyAsync("registered-models/alias", MlflowJson.Write((name, alias, version), static (w, s) =>
        {
            w.WriteString("name", s.name);
            w.WriteString("alias", s.alias);
            w.WriteString("version", V(s.version));
        }), cancellationToken);

    /// <summary>Removes an alias (<c>DELETE registered-models/alias</c>, JSON body).</summary>
    /// <param name="name">The model.</param>
    /// <param name="alias">The alias.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when done.</returns>
    public Task DeleteRegisteredModelAliasAsync(string name, string alias, CancellationToken cancellationToken = default) =>
        DeleteWithBodyAsync("registered-models/alias", MlflowJson.Write((name, alias), static (w, s) =>
        {
            w.WriteString("name", s.name);
            w.WriteString("alias", s.alias);
        }), cancellationToken);

    /// <summary>Gets the version an alias points at (<c>GET registered-models/alias</c>).</summary>
    /// <param name="name">The model.</param>
    /// <param name="alias">The alias.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The version.</returns>
    public async Task<ModelVersion> GetModelVersionByAliasAsync(string name, string alias, CancellationToken cancellationToken = default)
    {
        using var doc = await GetAsync("registered-models/alias", [new("name", name), new("alias", alias)], cancellationToken).ConfigureAwait(false);
        return ReadModelVersion(Required(doc.RootElement, "model_version"));
    }

    // ---------------------------------------------------------------- mlflow-artifacts proxy

    /// <summary>Uploads a file through the proxy (<c>PUT mlflow-artifacts/artifacts/&lt;path&gt;</c>), streaming the content.</summary>
    /// <param name="path">The path under the proxy's root, <c>/</c>-separated.</param>
    /// <param name="content">The content, read once from its position and not disposed. Retries need a seekable stream.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the server accepted the file.</returns>
    public async Task UploadArtifactAsync(string path, Stream content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(content);
        using var request = new HttpRequestMessage(HttpMethod.Put, ArtifactAddress(path));
        var body = new StreamContent(new NonDisposingStream(content), 81920);
        body.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        request.Content = body;
        using var response = await SendRawAsync(request, "mlflow-artifacts/artifacts", HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Opens a file through the proxy (<c>GET mlflow-artifacts/artifacts/&lt;path&gt;</c>); the body is streamed, not buffered.</summary>
    /// <param name="path">The path.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The content; dispose it.</returns>
    public async Task<Stream> DownloadArtifactAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var request = new HttpRequestMessage(HttpMethod.Get, ArtifactAddress(path));
        var response = await SendRawAsync(request, "mlflow-artifacts/artifacts", HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        try
        {
            var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            return new ResponseStream(stream, response);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <summary>Lists a folder through the proxy (<c>GET mlflow-artifacts/artifacts?path=&lt;path&gt;</c>).</summary>
    /// <param name="path">The folder, or an empty string for the root.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The entries, with paths relative to <paramref name="path"/>.</returns>
    public async Task<IReadOnlyList<MlflowFileInfo>> ListArtifactsAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var request = new HttpRequestMessage(HttpMethod.Get, ArtifactListAddress(path));
        using var response = await SendRawAsync(request, "mlflow-artifacts/artifacts", HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var doc = await JsonDocument.ParseAsync(stream, default, cancellationToken).ConfigureAwait(false);
            return MlflowJson.Array(doc.RootElement, "files")
                .Select(f => new MlflowFileInfo(MlflowJson.Str(f, "path") ?? string.Empty, MlflowJson.Bool(f, "is_dir"), MlflowJson.Int64(f, "file_size") ?? 0))
                .ToList();
        }
    }

    /// <summary>Deletes a file through the proxy (<c>DELETE mlflow-artifacts/artifacts/&lt;path&gt;</c>).</summary>
    /// <param name="path">The path.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when done.</returns>
    public async Task DeleteArtifactAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var request = new HttpRequestMessage(HttpMethod.Delete, ArtifactAddress(path));
        using var response = await SendRawAsync(request, "mlflow-artifacts/artifacts", HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
    }

    // ---------------------------------------------------------------- helpers

    private async Task DeleteWithBodyAsync(string endpoint, byte[] body, CancellationToken cancellationToken)
    {
        using var doc = await SendAsync(HttpMethod.Delete, endpoint, null, body, cancellationToken).ConfigureAwait(false);
    }

    private static string V(int version) => version.ToString(CultureInfo.InvariantCulture);

    private static byte[] NameVersion(string name, int version)
    {
        ArgumentNullException.ThrowIfNull(name);
        return MlflowJson.Write((name, version), static (w, s) =>
        {
            w.WriteString("name", s.name);
            w.WriteString("version", V(s.version));
        });
    }

    private static List<KeyValuePair<string, string>> SearchQuery(string? filter, int maxResults, IReadOnlyList<string>? orderBy, string? pageToken)
    {
        var query = new List<KeyValuePair<string, string>>();
        if (filter is not null)
        {
            query.Add(new("filter", filter));
        }

        query.Add(new("max_results", maxResults.ToString(CultureInfo.InvariantCulture)));
        foreach (var o in orderBy ?? [])
        {
            query.Add(new("order_by", o));
        }

        if (pageToken is not null)
        {
            query.Add(new("page_token", pageToken));
        }

        return query;
    }

    internal static RegisteredModel ReadRegisteredModel(JsonElement e)
    {
        var aliases = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var a in MlflowJson.Array(e, "aliases"))
        {
            if (int.TryParse(MlflowJson.Str(a, "version"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v))
            {
                aliases[MlflowJson.Str(a, "alias") ?? string.Empty] = v;
            }
        }

        return new RegisteredModel(
            MlflowJson.Str(e, "name") ?? string.Empty,
            MlflowJson.Str(e, "description") is { Length: > 0 } d ? d : null,
            Ms(MlflowJson.Int64(e, "creation_timestamp")),
            Ms(MlflowJson.Int64(e, "last_updated_timestamp")),
            MlflowJson.KeyValues(e, "tags"),
            aliases);
    }

    internal static ModelVersion ReadModelVersion(JsonElement e)
    {
        var status = MlflowJson.Str(e, "status") switch
        {
            "PENDING_REGISTRATION" => ModelVersionStatus.PendingRegistration,
            "FAILED_REGISTRATION" => ModelVersionStatus.FailedRegistration,
            _ => ModelVersionStatus.Ready,
        };
        return new ModelVersion(
            MlflowJson.Str(e, "name") ?? string.Empty,
            int.Parse(MlflowJson.Str(e, "version") ?? "0", NumberStyles.Integer, CultureInfo.InvariantCulture),
            Ms(MlflowJson.Int64(e, "creation_timestamp")),
            Ms(MlflowJson.Int64(e, "last_updated_timestamp")),
            ModelStages.TryParse(MlflowJson.Str(e, "current_stage"), out var stage) ? stage : ModelStage.None,
            status,
            MlflowJson.Str(e, "status_message") is { Length: > 0 } sm ? sm : null,
            MlflowJson.Str(e, "description") is { Length: > 0 } d ? d : null,
            MlflowJson.Str(e, "source"),
            MlflowJson.Str(e, "run_id") is { Length: > 0 } r ? r : null,
            null,
            null,
            null,
            MlflowJson.KeyValues(e, "tags"),
            MlflowJson.Array(e, "aliases").Select(a => a.GetString() ?? string.Empty).ToList());
    }

    private static DateTimeOffset Ms(long? ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms ?? 0);

    /// <summary>Keeps the caller's stream open when <see cref="StreamContent"/> is disposed.</summary>
    private sealed class NonDisposingStream(Stream inner) : Stream
    {
        public override bool CanRead => inner.CanRead;

        public override bool CanSeek => inner.CanSeek;

        public override bool CanWrite => false;

        public override long Length => inner.Length;

        public override long Position { get => inner.Position; set => inner.Position = value; }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.ReadAsync(buffer, offset, count, cancellationToken);

        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>A download body that disposes its response with it.</summary>
    private sealed class ResponseStream(Stream inner, HttpResponseMessage response) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => response.Content.Headers.ContentLength ?? throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.ReadAsync(buffer, offset, count, cancellationToken);

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
                response.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
