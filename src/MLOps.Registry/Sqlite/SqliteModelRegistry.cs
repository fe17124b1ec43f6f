using System.Data;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using MLOps.Artifacts;
using MLOps.Registry.Onnx;

namespace MLOps.Registry;

/// <summary>
/// The embedded model registry: one SQLite file in WAL mode, artifacts in an <see cref="IArtifactStore"/>.
/// </summary>
/// <remarks>
/// <para>
/// Every write runs in one <c>BEGIN IMMEDIATE</c> transaction, so concurrent writers, in this process or in
/// others sharing the file, are serialized by SQLite's write lock; a writer waits up to
/// <see cref="RegistryOptions.BusyTimeout"/> for it and then fails with a transient
/// <see cref="RegistryStoreException"/>. The thread waits in SQLite's busy handler meanwhile (SQLite has no
/// asynchronous I/O); registry writes are rare and short, so this is not a hot path.
/// </para>
/// <para>
/// The schema is versioned in the <c>mlops_schema</c> table (component <c>registry</c>) and created on first use;
/// a database written by a newer schema is refused rather than misread. Thread-safe; dispose it to release its
/// pooled connections and meter.
/// </para>
/// </remarks>
public sealed class SqliteModelRegistry : IModelRegistry, IDisposable
{
    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;
    private const int SqliteConstraint = 19;

    private readonly string _connectionString;
    private readonly RegistryOptions _options;
    private readonly IArtifactStore _artifacts;
    private readonly TimeProvider _time;
    private readonly ILineageSource? _lineage;
    private readonly RegistryMetrics _metrics;
    private readonly Lock _schemaLock = new();
    private volatile bool _schemaReady;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Creates a registry on a SQLite database.</summary>
    /// <param name="options">The options; <see cref="RegistryOptions.ConnectionString"/> must be set.</param>
    /// <param name="artifacts">The artifact store that holds model files.</param>
    /// <param name="timeProvider">The clock for timestamps and change-feed polling; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <param name="meterFactory">Creates the <c>MLOps.Registry</c> meter; a private meter when <see langword="null"/>.</param>
    /// <param name="lineageSource">Looks up lineage by run id when a request has none; optional.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public SqliteModelRegistry(RegistryOptions options, IArtifactStore artifacts, TimeProvider? timeProvider = null, IMeterFactory? meterFactory = null, ILineageSource? lineageSource = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(artifacts);
        var problems = options.Validate().ToList();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", problems), nameof(options));
        }

        _options = options;
        _artifacts = artifacts;
        _time = timeProvider ?? TimeProvider.System;
        _lineage = lineageSource;
        _metrics = new RegistryMetrics(meterFactory);
        var builder = new SqliteConnectionStringBuilder(options.ConnectionString)
        {
            Pooling = true,
            DefaultTimeout = (int)Math.Ceiling(options.BusyTimeout.TotalSeconds),
        };
        if (builder.Mode is SqliteOpenMode.ReadWriteCreate && builder.DataSource is { Length: > 0 } file && file != ":memory:"
            && Path.GetDirectoryName(Path.GetFullPath(file)) is { } folder)
        {
            Directory.CreateDirectory(folder);
        }

        _connectionString = builder.ToString();
    }

    /// <inheritdoc />
    public ValueTask<RegisteredModel> CreateRegisteredModelAsync(string name, string? description = null, IReadOnlyDictionary<string, string>? tags = null, CancellationToken cancellationToken = default)
    {
        RegistryNames.ValidateModelName(name);
        RegistryNames.ValidateText("description", description);
        ValidateTags(tags);
        cancellationToken.ThrowIfCancellationRequested();
        return new(Write(s =>
        {
            var id = InsertModel(s, name, description);
            if (tags is not null)
            {
                foreach (var (key, value) in tags)
                {
                    s.Execute("INSERT INTO registry_model_tags (model_id, key, value) VALUES ($m, $k, $v)", ("$m", id), ("$k", key), ("$v", value));
                }
            }

            return ReadModel(s, id, name);
        }));
    }

    /// <inheritdoc />
    public ValueTask<RegisteredModel> GetRegisteredModelAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        cancellationToken.ThrowIfCancellationRequested();
        return new(Read(s => ReadModel(s, ModelId(s, name), name)));
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<RegisteredModel>> SearchRegisteredModelsAsync(RegisteredModelQuery? query = null, CancellationToken cancellationToken = default)
    {
        query ??= new RegisteredModelQuery();
        ArgumentOutOfRangeException.ThrowIfLessThan(query.MaxResults, 1, "query.MaxResults");
        ArgumentOutOfRangeException.ThrowIfGreaterThan(query.MaxResults, 1000, "query.MaxResults");
        cancellationToken.ThrowIfCancellationRequested();
        return new(Read<IReadOnlyList<RegisteredModel>>(s =>
        {
            var ids = new List<(long Id, string Name)>();
            using (var command = s.Command("SELECT id, name FROM registry_models WHERE ($like IS NULL OR name LIKE $like) ORDER BY name", ("$like", query.NameLike)))
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    ids.Add((reader.GetInt64(0), reader.GetString(1)));
                }
            }

            var result = new List<RegisteredModel>();
            foreach (var (id, name) in ids)
            {
                var model = ReadModel(s, id, name);
                if (HasTags(model.Tags, query.Tags))
                {
                    result.Add(model);
                    if (result.Count == query.MaxResults)
                    {
                        break;
                    }
                }
            }

            return result;
        }));
    }

    /// <inheritdoc />
    public ValueTask<RegisteredModel> UpdateRegisteredModelAsync(string name, string? description, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        RegistryNames.ValidateText("description", description);
        cancellationToken.ThrowIfCancellationRequested();
        return new(Write(s =>
        {
            var id = ModelId(s, name);
            s.Execute("UPDATE registry_models SET description = $d, updated_ms = $now WHERE id = $m", ("$d", description), ("$now", s.Now), ("$m", id));
            return ReadModel(s, id, name);
        }));
    }

    /// <inheritdoc />
    public ValueTask DeleteRegisteredModelAsync(string name, ChangeContext? context = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        cancellationToken.ThrowIfCancellationRequested();
        Write(s =>
        {
            var id = ModelId(s, name);
            foreach (var (alias, version) in Aliases(s, id))
            {
                AddHistory(s, id, name, AssignmentTarget.Alias(alias), AssignmentAction.Removed, null, version, null, context);
            }

            foreach (var stage in (ReadOnlySpan<ModelStage>)[ModelStage.Staging, ModelStage.Production])
            {
                if (HighestInStage(s, id, stage) is { } holder)
                {
                    AddHistory(s, id, name, AssignmentTarget.Stage(stage), AssignmentAction.Removed, null, holder, null, context);
                }
            }

            s.Execute("DELETE FROM registry_models WHERE id = $m", ("$m", id));
            return 0;
        });
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask SetRegisteredModelTagAsync(string name, string key, string value, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        RegistryNames.ValidateTag(key, value);
        cancellationToken.ThrowIfCancellationRequested();
        Write(s =>
        {
            var id = ModelId(s, name);
            s.Execute("INSERT INTO registry_model_tags (model_id, key, value) VALUES ($m, $k, $v) ON CONFLICT (model_id, key) DO UPDATE SET value = excluded.value", ("$m", id), ("$k", key), ("$v", value));
            Touch(s, id);
            return 0;
        });
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask DeleteRegisteredModelTagAsync(string name, string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(key);
        cancellationToken.ThrowIfCancellationRequested();
        Write(s =>
        {
            var id = ModelId(s, name);
            s.Execute("DELETE FROM registry_model_tags WHERE model_id = $m AND key = $k", ("$m", id), ("$k", key));
            Touch(s, id);
            return 0;
        });
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public async ValueTask<ModelVersion> CreateModelVersionAsync(ModelVersionRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var name = request.ModelName;
        RegistryNames.ValidateModelName(name);
        RegistryNames.ValidateText("description", request.Description);
        ValidateTags(request.Tags);
        if (request.ArtifactFile is not null && request.ArtifactContent is not null)
        {
            throw new ArgumentException("Give the artifact as ArtifactFile or as ArtifactContent, not both.", nameof(request));
        }

        var hasContent = request.ArtifactFile is not null || request.ArtifactContent is not null;
        var fileName = request.ArtifactFileName ?? (request.ArtifactFile is { } file ? Path.GetFileName(file) : null);
        if (hasContent && string.IsNullOrEmpty(fileName))
        {
            throw new ArgumentException("ArtifactFileName is required with ArtifactContent; give one path segment such as 'model.onnx'.", nameof(request));
        }

        if (hasContent && (fileName!.Contains('/', StringComparison.Ordinal) || fileName.Contains('\\', StringComparison.Ordinal)))
        {
            throw new ArgumentException($"ArtifactFileName '{fileName}' must be one path segment without '/' or '\\', such as 'model.onnx'.", nameof(request));
        }

        if (!hasContent && string.IsNullOrWhiteSpace(request.Source))
        {
            throw new ArgumentException("Give the artifact (ArtifactFile or ArtifactContent) or, to register by reference only, a Source URI.", nameof(request));
        }

        if (request.ArtifactFile is { } local && !File.Exists(local))
        {
            throw new FileNotFoundException($"The model file '{local}' does not exist; check ArtifactFile.", local);
        }

        if (hasContent && !ArtifactPath.IsValid(ArtifactPathOf(name, 1, fileName!), out var pathProblem))
        {
            throw new InvalidRegistryNameException("artifact file name", fileName, $"it cannot be stored under the model's folder: {pathProblem}.");
        }

        cancellationToken.ThrowIfCancellationRequested();
        var lineage = request.Lineage;
        if (lineage is null && request.RunId is { } runId && _lineage is not null)
        {
            lineage = await _lineage.GetLineageAsync(runId, cancellationToken).ConfigureAwait(false);
        }

        if (lineage is not null && lineage.RunId is null && request.RunId is not null)
        {
            lineage = lineage with { RunId = request.RunId };
        }

        var runIdValue = request.RunId ?? lineage?.RunId;
        var (modelId, version) = Write(s =>
        {
            long id;
            if (TryModelId(s, name) is { } existing)
            {
                id = existing;
            }
            else if (request.CreateModelIfMissing)
            {
                id = InsertModel(s, name, null);
            }
            else
            {
                throw new ModelNotFoundException(name);
            }

            var number = checked((int)s.Scalar<long>("SELECT next_version FROM registry_models WHERE id = $m", ("$m", id)));
            s.Execute("UPDATE registry_models SET next_version = $n, updated_ms = $now WHERE id = $m", ("$n", number + 1), ("$now", s.Now), ("$m", id));
            var source = hasContent ? ArtifactPathOf(name, number, fileName!) : request.Source;
            s.Execute(
                """
                INSERT INTO registry_versions (model_id, version, created_ms, updated_ms, stage, status, description, source, run_id, lineage_json)
                VALUES ($m, $v, $now, $now, 'None', $status, $d, $src, $run, $lineage)
                """,
                ("$m", id), ("$v", number), ("$now", s.Now), ("$status", hasContent ? "PENDING_REGISTRATION" : "READY"), ("$d", request.Description),
                ("$src", source), ("$run", runIdValue), ("$lineage", lineage is null ? null : RegistryJsonContext.Serialize(lineage)));
            if (request.Tags is not null)
            {
                foreach (var (key, value) in request.Tags)
                {
                    s.Execute("INSERT INTO registry_version_tags (model_id, version, key, value) VALUES ($m, $v, $k, $val)", ("$m", id), ("$v", number), ("$k", key), ("$val", value));
                }
            }

            return (id, number);
        });

        if (!hasContent)
        {
            _metrics.VersionCreated(ready: true);
            return await GetModelVersionAsync(name, version, CancellationToken.None).ConfigureAwait(false);
        }

        var path = ArtifactPathOf(name, version, fileName!);
        try
        {
            ArtifactInfo info;
            if (request.ArtifactFile is { } artifactFile)
            {
                var stream = new FileStream(artifactFile, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan | FileOptions.Asynchronous);
                await using (stream.ConfigureAwait(false))
                {
                    info = await _artifacts.PutAsync(path, stream, cancellationToken).ConfigureAwait(false);
                }
            }
            else
            {
                info = await _artifacts.PutAsync(path, request.ArtifactContent!, cancellationToken).ConfigureAwait(false);
            }

            ModelSignature? signature = null;
            if (fileName!.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
            {
                var stored = await _artifacts.OpenReadAsync(path, verify: false, cancellationToken).ConfigureAwait(false);
                await using (stored.ConfigureAwait(false))
                {
                    signature = OnnxSignatureReader.Read(stored);
                }
            }

            Write(s =>
            {
                s.Execute(
                    """
                    UPDATE registry_versions SET status = 'READY', updated_ms = $now, artifact_path = $p, artifact_sha256 = $sha,
                        artifact_length = $len, signature_json = $sig WHERE model_id = $m AND version = $v
                    """,
                    ("$now", s.Now), ("$p", info.Path), ("$sha", info.Sha256), ("$len", info.Length),
                    ("$sig", signature is null ? null : RegistryJsonContext.Serialize(signature)), ("$m", modelId), ("$v", version));
                return 0;
            });
        }
        catch (Exception ex)
        {
            var message = ex.Message.Length > RegistryNames.MaxTagValueLength ? ex.Message[..RegistryNames.MaxTagValueLength] : ex.Message;
            try
            {
                Write(s =>
                {
                    s.Execute(
                        "UPDATE registry_versions SET status = 'FAILED_REGISTRATION', status_message = $msg, updated_ms = $now WHERE model_id = $m AND version = $v",
                        ("$msg", ex is OperationCanceledException ? "Registration was cancelled." : message), ("$now", s.Now), ("$m", modelId), ("$v", version));
                    return 0;
                });
            }
            catch (MLOpsException)
            {
                // The original failure matters more; the version stays PENDING_REGISTRATION.
            }

            _metrics.VersionCreated(ready: false);
            throw;
        }

        _metrics.VersionCreated(ready: true);
        return await GetModelVersionAsync(name, version, CancellationToken.None).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public ValueTask<ModelVersion> GetModelVersionAsync(string name, int version, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        cancellationToken.ThrowIfCancellationRequested();
        return new(Read(s => ReadVersion(s, ModelId(s, name), name, version) ?? throw new ModelNotFoundException(name, version)));
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<ModelVersion>> SearchModelVersionsAsync(ModelVersionQuery? query = null, CancellationToken cancellationToken = default)
    {
        query ??= new ModelVersionQuery();
        ArgumentOutOfRangeException.ThrowIfLessThan(query.MaxResults, 1, "query.MaxResults");
        cancellationToken.ThrowIfCancellationRequested();
        return new(Read<IReadOnlyList<ModelVersion>>(s =>
        {
            var keys = new List<(long Id, string Name, int Version)>();
            using (var command = s.Command(
                """
                SELECT m.id, m.name, v.version FROM registry_versions v JOIN registry_models m ON m.id = v.model_id
                WHERE ($name IS NULL OR m.name = $name) AND ($run IS NULL OR v.run_id = $run) AND ($stage IS NULL OR v.stage = $stage)
                ORDER BY m.name, v.version DESC
                """,
                ("$name", query.ModelName), ("$run", query.RunId), ("$stage", query.Stage?.ToName())))
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    keys.Add((reader.GetInt64(0), reader.GetString(1), reader.GetInt32(2)));
                }
            }

            var result = new List<ModelVersion>();
            foreach (var (id, name, number) in keys)
            {
                if (ReadVersion(s, id, name, number) is { } version && HasTags(version.Tags, query.Tags))
                {
                    result.Add(version);
                    if (result.Count == query.MaxResults)
                    {
                        break;
                    }
                }
            }

            return result;
        }));
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<ModelVersion>> GetLatestVersionsAsync(string name, IReadOnlyCollection<ModelStage>? stages = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        cancellationToken.ThrowIfCancellationRequested();
        return new(Read<IReadOnlyList<ModelVersion>>(s =>
        {
            var id = ModelId(s, name);
            var result = new List<ModelVersion>();
            foreach (var stage in (ReadOnlySpan<ModelStage>)[ModelStage.None, ModelStage.Staging, ModelStage.Production, ModelStage.Archived])
            {
                if ((stages is null || stages.Count == 0 || stages.Contains(stage)) && HighestInStage(s, id, stage) is { } number)
                {
                    result.Add(ReadVersion(s, id, name, number)!);
                }
            }

            return result;
        }));
    }

    /// <inheritdoc />
    public ValueTask<ModelVersion> UpdateModelVersionAsync(string name, int version, string? description, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        RegistryNames.ValidateText("description", description);
        cancellationToken.ThrowIfCancellationRequested();
        return new(Write(s =>
        {
            var id = ModelId(s, name);
            RequireVersion(s, id, name, version);
            s.Execute("UPDATE registry_versions SET description = $d, updated_ms = $now WHERE model_id = $m AND version = $v", ("$d", description), ("$now", s.Now), ("$m", id), ("$v", version));
            return ReadVersion(s, id, name, version)!;
        }));
    }

    /// <inheritdoc />
    public ValueTask DeleteModelVersionAsync(string name, int version, ChangeContext? context = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        cancellationToken.ThrowIfCancellationRequested();
        Write(s =>
        {
            var id = ModelId(s, name);
            var stage = RequireVersion(s, id, name, version);
            foreach (var (alias, holder) in Aliases(s, id))
            {
                if (holder == version)
                {
                    AddHistory(s, id, name, AssignmentTarget.Alias(alias), AssignmentAction.Removed, null, version, null, context);
                }
            }

            if (stage is ModelStage.Staging or ModelStage.Production)
            {
                AddHistory(s, id, name, AssignmentTarget.Stage(stage), AssignmentAction.Removed, null, version, null, context);
            }

            s.Execute("DELETE FROM registry_versions WHERE model_id = $m AND version = $v", ("$m", id), ("$v", version));
            Touch(s, id);
            return 0;
        });
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask SetModelVersionTagAsync(string name, int version, string key, string value, CancellationToken cancellationToken = default) =>
        SetModelVersionTagsAsync(name, version, new Dictionary<string, string>(1) { [key ?? throw new InvalidRegistryNameException("tag key", null, "tag keys must not be null.")] = value }, cancellationToken);

    /// <inheritdoc />
    public ValueTask SetModelVersionTagsAsync(string name, int version, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(tags);
        ValidateTags(tags);
        cancellationToken.ThrowIfCancellationRequested();
        Write(s =>
        {
            var id = ModelId(s, name);
            RequireVersion(s, id, name, version);
            foreach (var (key, value) in tags)
            {
                s.Execute(
                    "INSERT INTO registry_version_tags (model_id, version, key, value) VALUES ($m, $v, $k, $val) ON CONFLICT (model_id, version, key) DO UPDATE SET value = excluded.value",
                    ("$m", id), ("$v", version), ("$k", key), ("$val", value));
            }

            s.Execute("UPDATE registry_versions SET updated_ms = $now WHERE model_id = $m AND version = $v", ("$now", s.Now), ("$m", id), ("$v", version));
            return 0;
        });
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask DeleteModelVersionTagAsync(string name, int version, string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(key);
        cancellationToken.ThrowIfCancellationRequested();
        Write(s =>
        {
            var id = ModelId(s, name);
            RequireVersion(s, id, name, version);
            s.Execute("DELETE FROM registry_version_tags WHERE model_id = $m AND version = $v AND key = $k", ("$m", id), ("$v", version), ("$k", key));
            return 0;
        });
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<ModelVersion> TransitionStageAsync(string name, int version, ModelStage stage, bool archiveExistingVersions = false, ChangeContext? context = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        _ = stage.ToName();
        if (archiveExistingVersions && stage is not (ModelStage.Staging or ModelStage.Production))
        {
            throw new InvalidStageTransitionException(name, version, $"archive_existing_versions is only allowed when moving to Staging or Production (MLflow's rule), not to {stage.ToName()}. Pass archiveExistingVersions: false.");
        }

        cancellationToken.ThrowIfCancellationRequested();
        return new(Write(s =>
        {
            var id = ModelId(s, name);
            Transition(s, id, name, version, stage, archiveExistingVersions, AssignmentAction.Set, null, context);
            return ReadVersion(s, id, name, version)!;
        }));
    }

    /// <inheritdoc />
    public ValueTask<AssignmentRecord> SetAliasAsync(string name, string aliasName, int version, ChangeContext? context = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        RegistryNames.ValidateAlias(aliasName);
        cancellationToken.ThrowIfCancellationRequested();
        return new(Write(s =>
        {
            var id = ModelId(s, name);
            RequireVersion(s, id, name, version);
            var previous = AliasVersion(s, id, aliasName);
            if (previous == version)
            {
                return LastRecord(s, id, AssignmentTarget.Alias(aliasName))!;
            }

            s.Execute(
                "INSERT INTO registry_aliases (model_id, alias, version) VALUES ($m, $a, $v) ON CONFLICT (model_id, alias) DO UPDATE SET version = excluded.version",
                ("$m", id), ("$a", aliasName), ("$v", version));
            Touch(s, id);
            return AddHistory(s, id, name, AssignmentTarget.Alias(aliasName), AssignmentAction.Set, version, previous, null, context);
        }));
    }

    /// <inheritdoc />
    public ValueTask DeleteAliasAsync(string name, string aliasName, ChangeContext? context = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(aliasName);
        cancellationToken.ThrowIfCancellationRequested();
        Write(s =>
        {
            var id = ModelId(s, name);
            var previous = AliasVersion(s, id, aliasName) ?? throw new ModelNotFoundException(name, alias: aliasName);
            s.Execute("DELETE FROM registry_aliases WHERE model_id = $m AND alias = $a", ("$m", id), ("$a", aliasName));
            Touch(s, id);
            return AddHistory(s, id, name, AssignmentTarget.Alias(aliasName), AssignmentAction.Removed, null, previous, null, context);
        });
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<ModelVersion> GetVersionByAliasAsync(string name, string aliasName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(aliasName);
        cancellationToken.ThrowIfCancellationRequested();
        return new(Read(s =>
        {
            var id = ModelId(s, name);
            var version = AliasVersion(s, id, aliasName) ?? throw new ModelNotFoundException(name, alias: aliasName);
            return ReadVersion(s, id, name, version)!;
        }));
    }

    /// <inheritdoc />
    public ValueTask<ModelVersion> ResolveAsync(ModelUri uri, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(uri);
        cancellationToken.ThrowIfCancellationRequested();
        return new(Read(s =>
        {
            var id = ModelId(s, uri.Name);
            int? number = uri.Kind switch
            {
                ModelUriKind.Version => uri.Version,
                ModelUriKind.Alias => AliasVersion(s, id, uri.Alias!),
                ModelUriKind.Stage => HighestInStage(s, id, uri.Stage!.Value),
                _ => s.Scalar<long?>("SELECT max(version) FROM registry_versions WHERE model_id = $m AND status = 'READY'", ("$m", id)) is { } max ? (int)max : null,
            };
            if (number is { } n && ReadVersion(s, id, uri.Name, n) is { } version)
            {
                return version;
            }

            throw uri.Kind switch
            {
                ModelUriKind.Alias => new ModelNotFoundException(uri.Name, alias: uri.Alias),
                ModelUriKind.Stage => new ModelNotFoundException(uri.Name, stage: uri.Stage),
                ModelUriKind.Version => new ModelNotFoundException(uri.Name, uri.Version),
                _ => new ModelNotFoundException(uri.Name, $"Registered model '{uri.Name}' has no READY version, so {uri} resolves to nothing. Register a version first."),
            };
        }));
    }

    /// <inheritdoc />
    public ValueTask<RollbackResult> RollbackAsync(string name, AssignmentTarget target, ChangeContext? context = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentException.ThrowIfNullOrEmpty(target.Name, nameof(target));
        ModelStage stage = default;
        if (target.Kind == AssignmentTargetKind.Stage && (!ModelStages.TryParse(target.Name, out stage) || stage is not (ModelStage.Staging or ModelStage.Production)))
        {
            throw new RollbackUnavailableException(name, target, "only the Staging and Production stages (and aliases) can be rolled back.");
        }

        cancellationToken.ThrowIfCancellationRequested();
        var canonical = target.Kind == AssignmentTargetKind.Stage ? AssignmentTarget.Stage(stage) : target;
        return new(Write(s =>
        {
            var id = ModelId(s, name);
            var undo = UndoableTop(s, id, canonical)
                ?? throw new RollbackUnavailableException(name, canonical, "its history holds no assignment that has not been rolled back already.");
            if (undo.PreviousVersion is not { } restore)
            {
                throw new RollbackUnavailableException(name, canonical, string.Create(CultureInfo.InvariantCulture, $"nothing held it before version {undo.Version} was assigned (history #{undo.Sequence}). Assign another version instead, or delete the alias."));
            }

            if (VersionStage(s, id, restore) is null)
            {
                throw new RollbackUnavailableException(name, canonical, string.Create(CultureInfo.InvariantCulture, $"the previous holder, version {restore}, has been deleted. Assign another version instead."));
            }

            AssignmentRecord record;
            int? from;
            if (canonical.Kind == AssignmentTargetKind.Alias)
            {
                from = AliasVersion(s, id, canonical.Name);
                s.Execute(
                    "INSERT INTO registry_aliases (model_id, alias, version) VALUES ($m, $a, $v) ON CONFLICT (model_id, alias) DO UPDATE SET version = excluded.version",
                    ("$m", id), ("$a", canonical.Name), ("$v", restore));
                Touch(s, id);
                record = AddHistory(s, id, name, canonical, AssignmentAction.Rollback, restore, from, undo.Sequence, context);
            }
            else
            {
                from = HighestInStage(s, id, stage);
                record = Transition(s, id, name, restore, stage, archiveExisting: true, AssignmentAction.Rollback, undo.Sequence, context, force: true)!;
            }

            return new RollbackResult(canonical, from, restore, record);
        }));
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<AssignmentRecord>> GetHistoryAsync(string name, AssignmentTarget? target = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        cancellationToken.ThrowIfCancellationRequested();
        return new(Read<IReadOnlyList<AssignmentRecord>>(s =>
        {
            var id = ModelId(s, name);
            using var command = target is { } t
                ? s.Command("SELECT * FROM registry_history WHERE model_id = $m AND target_kind = $k AND target = $t ORDER BY seq", ("$m", id), ("$k", KindName(t.Kind)), ("$t", t.Name))
                : s.Command("SELECT * FROM registry_history WHERE model_id = $m ORDER BY seq", ("$m", id));
            return ReadRecords(command);
        }));
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<AssignmentRecord>> GetChangesAsync(long afterSequence, int maxCount = 256, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCount, 1);
        cancellationToken.ThrowIfCancellationRequested();
        return new(Read<IReadOnlyList<AssignmentRecord>>(s =>
        {
            using var command = s.Command("SELECT * FROM registry_history WHERE seq > $after ORDER BY seq LIMIT $max", ("$after", afterSequence), ("$max", maxCount));
            return ReadRecords(command);
        }));
    }

    /// <inheritdoc />
    public ValueTask<long> GetLastSequenceAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return new(Read(static s => s.Scalar<long?>("SELECT max(seq) FROM registry_history") ?? 0));
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<AssignmentRecord> WatchAsync(string? modelName = null, long? afterSequence = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        const int Page = 256;
        var last = afterSequence ?? await GetLastSequenceAsync(cancellationToken).ConfigureAwait(false);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();

            // Take the signal before reading, so a commit between the read and the wait still wakes us.
            var signal = Volatile.Read(ref _changed).Task;
            var batch = await GetChangesAsync(last, Page, cancellationToken).ConfigureAwait(false);
            foreach (var record in batch)
            {
                last = record.Sequence;
                if (modelName is null || string.Equals(modelName, record.ModelName, StringComparison.Ordinal))
                {
                    yield return record;
                }
            }

            if (batch.Count == Page)
            {
                continue;
            }

            using var wake = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var delay = Task.Delay(_options.ChangePollInterval, _time, wake.Token);
            await Task.WhenAny(signal, delay).ConfigureAwait(false);
            await wake.CancelAsync().ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async ValueTask<Stream> OpenArtifactAsync(string name, int version, CancellationToken cancellationToken = default)
    {
        var model = await GetModelVersionAsync(name, version, cancellationToken).ConfigureAwait(false);
        var artifact = model.Artifact ?? throw new InvalidOperationException(
            string.Create(CultureInfo.InvariantCulture, $"'{name}' version {version} was registered by reference ('{model.Source}') and has no stored artifact to open; fetch it from its source."));
        var info = await _artifacts.GetInfoAsync(artifact.Path, cancellationToken).ConfigureAwait(false);
        if (info is null)
        {
            _metrics.IntegrityFailure();
            throw new ModelArtifactIntegrityException(name, version, artifact.Path, artifact.Sha256, "nothing: the artifact is missing from the store");
        }

        if (!string.Equals(info.Sha256, artifact.Sha256, StringComparison.Ordinal))
        {
            _metrics.IntegrityFailure();
            throw new ModelArtifactIntegrityException(name, version, artifact.Path, artifact.Sha256, info.Sha256);
        }

        string actual;
        try
        {
            var check = await _artifacts.OpenReadAsync(artifact.Path, verify: false, cancellationToken).ConfigureAwait(false);
            await using (check.ConfigureAwait(false))
            {
                actual = Convert.ToHexStringLower(await SHA256.HashDataAsync(check, cancellationToken).ConfigureAwait(false));
            }
        }
        catch (ArtifactIntegrityException ex)
        {
            _metrics.IntegrityFailure();
            throw new ModelArtifactIntegrityException(name, version, artifact.Path, artifact.Sha256, ex.ActualSha256, ex);
        }

        if (!string.Equals(actual, artifact.Sha256, StringComparison.Ordinal))
        {
            _metrics.IntegrityFailure();
            throw new ModelArtifactIntegrityException(name, version, artifact.Path, artifact.Sha256, actual);
        }

        return await _artifacts.OpenReadAsync(artifact.Path, verify: true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Releases the pooled connections of this database.</summary>
    public void Dispose()
    {
        using (var connection = new SqliteConnection(_connectionString))
        {
            SqliteConnection.ClearPool(connection);
        }
    }

    internal RegistryMetrics Metrics => _metrics;

    private static string ArtifactPathOf(string name, int version, string fileName) =>
        string.Create(CultureInfo.InvariantCulture, $"models/{name}/{version}/{fileName}");

    private static void ValidateTags(IReadOnlyDictionary<string, string>? tags)
    {
        if (tags is null)
        {
            return;
        }

        foreach (var (key, value) in tags)
        {
            RegistryNames.ValidateTag(key, value);
        }
    }

    private static bool HasTags(IReadOnlyDictionary<string, string> tags, IReadOnlyDictionary<string, string>? required)
    {
        if (required is null)
        {
            return true;
        }

        foreach (var (key, value) in required)
        {
            if (!tags.TryGetValue(key, out var actual) || !string.Equals(actual, value, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    private static string KindName(AssignmentTargetKind kind) => kind == AssignmentTargetKind.Alias ? "alias" : "stage";

    private static string ActionName(AssignmentAction action) => action switch
    {
        AssignmentAction.Set => "set",
        AssignmentAction.Removed => "removed",
        AssignmentAction.ArchivedExisting => "archived_existing",
        _ => "rollback",
    };

    private static AssignmentAction ParseAction(string action) => action switch
    {
        "set" => AssignmentAction.Set,
        "removed" => AssignmentAction.Removed,
        "archived_existing" => AssignmentAction.ArchivedExisting,
        _ => AssignmentAction.Rollback,
    };

    private static long InsertModel(Scope s, string name, string? description)
    {
        try
        {
            return s.Scalar<long>(
                "INSERT INTO registry_models (name, description, created_ms, updated_ms) VALUES ($n, $d, $now, $now) RETURNING id",
                ("$n", name), ("$d", description), ("$now", s.Now));
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == SqliteConstraint)
        {
            throw new ModelAlreadyExistsException(name);
        }
    }

    private static long? TryModelId(Scope s, string name) =>
        s.Scalar<long?>("SELECT id FROM registry_models WHERE name = $n", ("$n", name));

    private static long ModelId(Scope s, string name) => TryModelId(s, name) ?? throw new ModelNotFoundException(name);

    private static void Touch(Scope s, long id) =>
        s.Execute("UPDATE registry_models SET updated_ms = $now WHERE id = $m", ("$now", s.Now), ("$m", id));

    private static ModelStage? VersionStage(Scope s, long id, int version) =>
        s.Scalar<string?>("SELECT stage FROM registry_versions WHERE model_id = $m AND version = $v", ("$m", id), ("$v", version)) is { } stage
            ? ModelStages.Parse(stage)
            : null;

    private static ModelStage RequireVersion(Scope s, long id, string name, int version) =>
        VersionStage(s, id, version) ?? throw new ModelNotFoundException(name, version);

    private static int? AliasVersion(Scope s, long id, string alias) =>
        s.Scalar<long?>("SELECT version FROM registry_aliases WHERE model_id = $m AND alias = $a", ("$m", id), ("$a", alias)) is { } v ? (int)v : null;

    private static int? HighestInStage(Scope s, long id, ModelStage stage) =>
        s.Scalar<long?>("SELECT max(version) FROM registry_versions WHERE model_id = $m AND stage = $s", ("$m", id), ("$s", stage.ToName())) is { } v ? (int)v : null;

    private static List<(string Alias, int Version)> Aliases(Scope s, long id)
    {
        var list = new List<(string, int)>();
        using var command = s.Command("SELECT alias, version FROM registry_aliases WHERE model_id = $m ORDER BY alias", ("$m", id));
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            list.Add((reader.GetString(0), reader.GetInt32(1)));
        }

        return list;
    }

    private static AssignmentRecord? LastRecord(Scope s, long id, AssignmentTarget target)
    {
        using var command = s.Command(
            "SELECT * FROM registry_history WHERE model_id = $m AND target_kind = $k AND target = $t ORDER BY seq DESC LIMIT 1",
            ("$m", id), ("$k", KindName(target.Kind)), ("$t", target.Name));
        var records = ReadRecords(command);
        return records.Count == 0 ? null : records[0];
    }

    /// <summary>The latest assignment of a target that no rollback has undone: history as a stack where rollbacks pop.</summary>
    private static AssignmentRecord? UndoableTop(Scope s, long id, AssignmentTarget target)
    {
        using var command = s.Command(
            "SELECT * FROM registry_history WHERE model_id = $m AND target_kind = $k AND target = $t ORDER BY seq",
            ("$m", id), ("$k", KindName(target.Kind)), ("$t", target.Name));
        var stack = new Stack<AssignmentRecord>();
        foreach (var record in ReadRecords(command))
        {
            switch (record.Action)
            {
                case AssignmentAction.Rollback:
                    stack.TryPop(out _);
                    break;
                case AssignmentAction.Removed when target.Kind == AssignmentTargetKind.Stage:
                    break;
                default:
                    stack.Push(record);
                    break;
            }
        }

        return stack.Count == 0 ? null : stack.Peek();
    }

    private static List<AssignmentRecord> ReadRecords(SqliteCommand command)
    {
        var list = new List<AssignmentRecord>();
        using var reader = command.ExecuteReader();
        var seq = reader.GetOrdinal("seq");
        var modelName = reader.GetOrdinal("model_name");
        var kind = reader.GetOrdinal("target_kind");
        var target = reader.GetOrdinal("target");
        var action = reader.GetOrdinal("action");
        var version = reader.GetOrdinal("version");
        var previous = reader.GetOrdinal("previous_version");
        var reverts = reader.GetOrdinal("reverts_seq");
        var actor = reader.GetOrdinal("actor");
        var reason = reader.GetOrdinal("reason");
        var at = reader.GetOrdinal("at_ms");
        while (reader.Read())
        {
            list.Add(new AssignmentRecord(
                reader.GetInt64(seq),
                reader.GetString(modelName),
                new AssignmentTarget(reader.GetString(kind) == "alias" ? AssignmentTargetKind.Alias : AssignmentTargetKind.Stage, reader.GetString(target)),
                ParseAction(reader.GetString(action)),
                reader.IsDBNull(version) ? null : reader.GetInt32(version),
                reader.IsDBNull(previous) ? null : reader.GetInt32(previous),
                reader.IsDBNull(reverts) ? null : reader.GetInt64(reverts),
                reader.IsDBNull(actor) ? null : reader.GetString(actor),
                reader.IsDBNull(reason) ? null : reader.GetString(reason),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(at))));
        }

        return list;
    }

    private static AssignmentRecord AddHistory(Scope s, long id, string name, AssignmentTarget target, AssignmentAction action, int? version, int? previous, long? reverts, ChangeContext? context)
    {
        var seq = s.Scalar<long>(
            """
            INSERT INTO registry_history (model_id, model_name, target_kind, target, action, version, previous_version, reverts_seq, actor, reason, at_ms)
            VALUES ($m, $n, $k, $t, $a, $v, $p, $r, $actor, $reason, $now) RETURNING seq
            """,
            ("$m", id), ("$n", name), ("$k", KindName(target.Kind)), ("$t", target.Name), ("$a", ActionName(action)), ("$v", version),
            ("$p", previous), ("$r", reverts), ("$actor", context?.Actor), ("$reason", context?.Reason), ("$now", s.Now));
        var record = new AssignmentRecord(seq, name, target, action, version, previous, reverts, context?.Actor, context?.Reason, DateTimeOffset.FromUnixTimeMilliseconds(s.Now));
        s.Records.Add(record);
        return record;
    }

    /// <summary>Moves a version to a stage inside the caller's transaction; returns the record of the move (null when nothing changed).</summary>
    private static AssignmentRecord? Transition(Scope s, long id, string name, int version, ModelStage stage, bool archiveExisting, AssignmentAction action, long? reverts, ChangeContext? context, bool force = false)
    {
        var current = RequireVersion(s, id, name, version);
        var status = s.Scalar<string>("SELECT status FROM registry_versions WHERE model_id = $m AND version = $v", ("$m", id), ("$v", version));
        if (stage is ModelStage.Staging or ModelStage.Production && status != "READY")
        {
            throw new InvalidStageTransitionException(name, version, $"its status is {status}; only READY versions can enter {stage.ToName()}. Register it again.");
        }

        var others = new List<int>();
        using (var command = s.Command("SELECT version FROM registry_versions WHERE model_id = $m AND stage = $s AND version <> $v ORDER BY version", ("$m", id), ("$s", stage.ToName()), ("$v", version)))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                others.Add(reader.GetInt32(0));
            }
        }

        if (current == stage && !force && (!archiveExisting || others.Count == 0))
        {
            return null;
        }

        int? previous = others.Count == 0 ? null : others[^1];
        AssignmentRecord? record = null;
        if (current != stage || force)
        {
            s.Execute("UPDATE registry_versions SET stage = $s, updated_ms = $now WHERE model_id = $m AND version = $v", ("$s", stage.ToName()), ("$now", s.Now), ("$m", id), ("$v", version));
            record = AddHistory(s, id, name, AssignmentTarget.Stage(stage), action, version, previous, reverts, context);
        }

        if (archiveExisting)
        {
            foreach (var other in others)
            {
                s.Execute("UPDATE registry_versions SET stage = 'Archived', updated_ms = $now WHERE model_id = $m AND version = $v", ("$now", s.Now), ("$m", id), ("$v", other));
                AddHistory(s, id, name, AssignmentTarget.Stage(ModelStage.Archived), AssignmentAction.ArchivedExisting, other, null, null,
                    (context ?? ChangeContext.None) with { Reason = string.Create(CultureInfo.InvariantCulture, $"archived because version {version} entered {stage.ToName()}") });
            }
        }

        Touch(s, id);
        return record;
    }

    private static RegisteredModel ReadModel(Scope s, long id, string name)
    {
        string? description;
        long created, updated;
        using (var command = s.Command("SELECT description, created_ms, updated_ms FROM registry_models WHERE id = $m", ("$m", id)))
        using (var reader = command.ExecuteReader())
        {
            if (!reader.Read())
            {
                throw new ModelNotFoundException(name);
            }

            description = reader.IsDBNull(0) ? null : reader.GetString(0);
            created = reader.GetInt64(1);
            updated = reader.GetInt64(2);
        }

        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        using (var command = s.Command("SELECT key, value FROM registry_model_tags WHERE model_id = $m ORDER BY key", ("$m", id)))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                tags[reader.GetString(0)] = reader.GetString(1);
            }
        }

        var aliases = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (alias, version) in Aliases(s, id))
        {
            aliases[alias] = version;
        }

        return new RegisteredModel(name, description, DateTimeOffset.FromUnixTimeMilliseconds(created), DateTimeOffset.FromUnixTimeMilliseconds(updated), tags, aliases);
    }

    private static ModelVersion? ReadVersion(Scope s, long id, string name, int version)
    {
        ModelVersion result;
        using (var command = s.Command(
            """
            SELECT created_ms, updated_ms, stage, status, status_message, description, source, run_id,
                   artifact_path, artifact_sha256, artifact_length, lineage_json, signature_json
            FROM registry_versions WHERE model_id = $m AND version = $v
            """,
            ("$m", id), ("$v", version)))
        using (var reader = command.ExecuteReader())
        {
            if (!reader.Read())
            {
                return null;
            }

            string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
            var status = reader.GetString(3) switch
            {
                "READY" => ModelVersionStatus.Ready,
                "FAILED_REGISTRATION" => ModelVersionStatus.FailedRegistration,
                _ => ModelVersionStatus.PendingRegistration,
            };
            var artifact = Text(8) is { } path ? new ModelArtifact(path, reader.GetString(9), reader.GetInt64(10)) : null;
            result = new ModelVersion(
                name, version,
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(0)),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)),
                ModelStages.Parse(reader.GetString(2)),
                status,
                Text(4), Text(5), Text(6), Text(7),
                artifact,
                RegistryJsonContext.ReadLineage(Text(11)),
                RegistryJsonContext.ReadSignature(Text(12)),
                new Dictionary<string, string>(StringComparer.Ordinal),
                []);
        }

        var tags = (Dictionary<string, string>)result.Tags;
        using (var command = s.Command("SELECT key, value FROM registry_version_tags WHERE model_id = $m AND version = $v ORDER BY key", ("$m", id), ("$v", version)))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                tags[reader.GetString(0)] = reader.GetString(1);
            }
        }

        var aliases = new List<string>();
        foreach (var (alias, holder) in Aliases(s, id))
        {
            if (holder == version)
            {
                aliases.Add(alias);
            }
        }

        aliases.Sort(StringComparer.Ordinal);
        return result with { Aliases = aliases };
    }

    private T Write<T>(Func<Scope, T> body)
    {
        List<AssignmentRecord> records;
        T result;
        try
        {
            using var connection = Open();
            using var transaction = connection.BeginTransaction(IsolationLevel.Serializable, deferred: false);
            var scope = new Scope(connection, transaction, _time.GetUtcNow().ToUnixTimeMilliseconds());
            result = body(scope);
            transaction.Commit();
            records = scope.Records;
        }
        catch (SqliteException ex)
        {
            throw Translate(ex);
        }

        if (records.Count > 0)
        {
            foreach (var record in records)
            {
                _metrics.Assignment(record);
            }

            Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }

        return result;
    }

    private T Read<T>(Func<Scope, T> body)
    {
        try
        {
            using var connection = Open();
            using var transaction = connection.BeginTransaction(IsolationLevel.Serializable, deferred: true);
            var result = body(new Scope(connection, transaction, 0));
            transaction.Commit();
            return result;
        }
        catch (SqliteException ex)
        {
            throw Translate(ex);
        }
    }

    private RegistryStoreException Translate(SqliteException ex) => ex.SqliteErrorCode is SqliteBusy or SqliteLocked
        ? new RegistryStoreException(string.Create(CultureInfo.InvariantCulture, $"The registry database stayed locked by another writer for longer than BusyTimeout ({_options.BusyTimeout.TotalSeconds:0.###} s). Retry, or raise RegistryOptions.BusyTimeout."), isTransient: true, ex)
        : new RegistryStoreException($"The registry database failed: {ex.Message} Check that the file is a registry database and is writable.", isTransient: false, ex);

    private SqliteConnection Open()
    {
        EnsureSchema();
        return OpenRaw();
    }

    private SqliteConnection OpenRaw()
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            connection.Open();
            using var pragma = connection.CreateCommand();
            pragma.CommandText = string.Create(
                CultureInfo.InvariantCulture,
                $"PRAGMA busy_timeout = {(long)_options.BusyTimeout.TotalMilliseconds}; PRAGMA foreign_keys = ON; PRAGMA synchronous = {(_options.DurableCommits ? "FULL" : "NORMAL")};");
            pragma.ExecuteNonQuery();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private void EnsureSchema()
    {
        if (_schemaReady)
        {
            return;
        }

        lock (_schemaLock)
        {
            if (_schemaReady)
            {
                return;
            }

            try
            {
                using var connection = OpenRaw();
                using (var wal = connection.CreateCommand())
                {
                    wal.CommandText = "PRAGMA journal_mode = WAL;";
                    wal.ExecuteNonQuery();
                }

                using var transaction = connection.BeginTransaction(IsolationLevel.Serializable, deferred: false);
                var scope = new Scope(connection, transaction, 0);
                scope.Execute(SqliteSchema.CreateVersionTable);
                var version = scope.Scalar<long?>("SELECT version FROM mlops_schema WHERE component = $c", ("$c", SqliteSchema.Component));
                if (version is null)
                {
                    scope.Execute(SqliteSchema.V1);
                    scope.Execute("INSERT INTO mlops_schema (component, version) VALUES ($c, $v)", ("$c", SqliteSchema.Component), ("$v", SqliteSchema.Version));
                }
                else if (version > SqliteSchema.Version)
                {
                    throw new RegistryStoreException(
                        string.Create(CultureInfo.InvariantCulture, $"The registry database has schema version {version}, newer than the {SqliteSchema.Version} this MLOps.Registry understands. Upgrade the MLOps.Registry package; do not write to it with this version."),
                        isTransient: false);
                }

                transaction.Commit();
            }
            catch (SqliteException ex)
            {
                throw Translate(ex);
            }

            _schemaReady = true;
        }
    }

    /// <summary>One connection and transaction, the commit timestamp, and the history records written so far.</summary>
    private sealed class Scope(SqliteConnection connection, SqliteTransaction transaction, long now)
    {
        public long Now { get; } = now;

        public List<AssignmentRecord> Records { get; } = [];

        public SqliteCommand Command(string sql, params ReadOnlySpan<(string Name, object? Value)> parameters)
        {
            var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = sql;
            foreach (var (name, value) in parameters)
            {
                command.Parameters.AddWithValue(name, value ?? DBNull.Value);
            }

            return command;
        }

        public void Execute(string sql, params ReadOnlySpan<(string Name, object? Value)> parameters)
        {
            using var command = Command(sql, parameters);
            command.ExecuteNonQuery();
        }

        public T Scalar<T>(string sql, params ReadOnlySpan<(string Name, object? Value)> parameters)
        {
            using var command = Command(sql, parameters);
            var value = command.ExecuteScalar();
            if (value is null or DBNull)
            {
                return default!;
            }

            var type = Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T);
            return (T)Convert.ChangeType(value, type, CultureInfo.InvariantCulture);
        }
    }
}
