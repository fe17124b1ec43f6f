using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using MLOps.Tracking.Search;
using SQLitePCL;

namespace MLOps.Tracking.Sqlite;

/// <summary>
/// The embedded tracking store: one SQLite file in WAL mode, with a versioned schema migrated forward on open,
/// indexes for search, and busy timeouts so several processes can log to the same file at once.
/// </summary>
/// <remarks>
/// <para>Thread-safe. Writes go through one connection, one transaction per call (<c>BEGIN IMMEDIATE</c>, so two
/// processes never deadlock upgrading a read lock); reads use pooled connections and see the last commit.</para>
/// <para>Differences from MLflow's SQL store, on purpose: ±∞ metric values are stored as ±∞ (MLflow clamps them to
/// ±1.797e308); NaN is stored as MLflow does (<c>value = 0, is_nan = 1</c>) and never matches a numeric filter.</para>
/// </remarks>
public sealed class SqliteTrackingStore : IBulkTrackingStore, IDisposable
{
    private const string InsertMetricSql = "INSERT OR IGNORE INTO metrics(run_id, key, step, timestamp, value, is_nan) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

    /// <summary>Rows per multi-row metric insert: one statement step writes this many points (fewer VM starts than one row per step).</summary>
    private const int RowsPerInsert = 32;
    private const string UpsertLatestSql = """
        INSERT INTO latest_metrics(run_id, key, step, timestamp, value, is_nan) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
        ON CONFLICT(run_id, key) DO UPDATE SET step = excluded.step, timestamp = excluded.timestamp, value = excluded.value, is_nan = excluded.is_nan
        WHERE excluded.step > latest_metrics.step
           OR (excluded.step = latest_metrics.step AND (excluded.timestamp > latest_metrics.timestamp
               OR (excluded.timestamp = latest_metrics.timestamp AND excluded.is_nan = 0 AND (latest_metrics.is_nan = 1 OR excluded.value > latest_metrics.value))))
        """;

    private static readonly string[] Adjectives = ["amber", "brave", "calm", "eager", "gentle", "lucid", "nimble", "quiet", "rapid", "sturdy", "vivid", "wise"];
    private static readonly string[] Nouns = ["falcon", "otter", "maple", "comet", "harbor", "lynx", "meadow", "quartz", "raven", "summit", "tiger", "willow"];

    private readonly string _connectionString;
    private readonly SqliteConnection _writer;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly TimeProvider _time;
    private readonly sqlite3_stmt _insertMetric;
    private readonly sqlite3_stmt _upsertLatest;
    private readonly sqlite3_stmt _insertMetrics;
    private readonly int _busyTimeoutMs;
    private bool _disposed;

    /// <summary>Opens (or creates) the store file and migrates its schema to the current version.</summary>
    /// <param name="path">The database file; its folder is created when missing.</param>
    /// <param name="options">Busy timeout and durability; <see langword="null"/> for the defaults.</param>
    /// <param name="timeProvider">The clock for creation and deletion times; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="TrackingStoreException">The file is not a tracking database, or has a newer schema.</exception>
    public SqliteTrackingStore(string path, SqliteTrackingStoreOptions? options = null, TimeProvider? timeProvider = null)
        : this(path, options, timeProvider, null)
    {
    }

    internal SqliteTrackingStore(string path, SqliteTrackingStoreOptions? options, TimeProvider? timeProvider, int? schemaVersion)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        options ??= new SqliteTrackingStoreOptions();
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.BusyTimeout, TimeSpan.Zero, nameof(options.BusyTimeout));
        _time = timeProvider ?? TimeProvider.System;
        DatabasePath = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(DatabasePath);
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }

        _busyTimeoutMs = (int)Math.Min(int.MaxValue, options.BusyTimeout.TotalMilliseconds);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = DatabasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = Math.Max(1, _busyTimeoutMs / 1000),
        }.ToString();

        _writer = new SqliteConnection(_connectionString);
        try
        {
            _writer.Open();
            Execute(_writer, "PRAGMA journal_mode = WAL");
            Execute(_writer, options.DurableCommits ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
            Execute(_writer, string.Create(CultureInfo.InvariantCulture, $"PRAGMA busy_timeout = {_busyTimeoutMs}"));
            SqliteSchema.Migrate(_writer, DatabasePath, Now(), schemaVersion);
            _insertMetric = Prepare(InsertMetricSql);
            _upsertLatest = Prepare(UpsertLatestSql);
            _insertMetrics = Prepare(MultiRowInsertSql(RowsPerInsert));
        }
        catch (SqliteException ex)
        {
            _writer.Dispose();
            throw Wrap(ex, "open");
        }
    }

    /// <summary>Gets the full path of the database file.</summary>
    public string DatabasePath { get; }

    /// <summary>Gets the schema version this package writes (<c>PRAGMA user_version</c>).</summary>
    public static int SchemaVersion => SqliteSchema.LatestVersion;

    /// <inheritdoc/>
    public async Task<string> CreateExperimentAsync(string name, string? artifactLocation = null, IReadOnlyList<RunTag>? tags = null, CancellationToken cancellationToken = default)
    {
        Validation.ExperimentName(name);
        ValidateExperimentTags(tags);
        return await WriteAsync(connection =>
        {
            using var transaction = connection.BeginTransaction(deferred: false);
            if (Scalar(connection, transaction, "SELECT 1 FROM experiments WHERE name = $name", ("$name", name)) is not null)
            {
                throw new ExperimentAlreadyExistsException(name);
            }

            var now = Now();
            var id = Convert.ToInt64(Scalar(connection, transaction,
                "INSERT INTO experiments(name, artifact_location, creation_time, last_update_time) VALUES ($name, '', $now, $now) RETURNING experiment_id",
                ("$name", name), ("$now", now)), CultureInfo.InvariantCulture);
            var location = artifactLocation ?? string.Create(CultureInfo.InvariantCulture, $"experiments/{id}");
            NonQuery(connection, transaction, "UPDATE experiments SET artifact_location = $loc WHERE experiment_id = $id", ("$loc", location), ("$id", id));
            foreach (var tag in tags ?? [])
            {
                NonQuery(connection, transaction, "INSERT OR REPLACE INTO experiment_tags(experiment_id, key, value) VALUES ($id, $key, $value)", ("$id", id), ("$key", tag.Key), ("$value", tag.Value));
            }

            transaction.Commit();
            return id.ToString(CultureInfo.InvariantCulture);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public Task<Experiment> GetExperimentAsync(string experimentId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(experimentId);
        return Read(connection => ReadExperiments(connection, "WHERE e.experiment_id = $id", [("$id", ParseExperimentId(experimentId))]).FirstOrDefault()
            ?? throw ExperimentNotFound(experimentId));
    }

    /// <inheritdoc/>
    public Task<Experiment?> GetExperimentByNameAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Read(connection => ReadExperiments(connection, "WHERE e.name = $name", [("$name", name)]).FirstOrDefault());
    }

    /// <inheritdoc/>
    public Task<Page<Experiment>> SearchExperimentsAsync(ExperimentSearch search, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(search);
        ValidateMaxResults(search.MaxResults, TrackingLimits.MaxSearchResults);
        var clauses = FilterParser.Parse(search.Filter, SearchScope.Experiments);
        var order = FilterParser.ParseOrderBy(search.OrderBy, SearchScope.Experiments);
        var offset = PageToken.Decode(search.PageToken);
        return Read(connection =>
        {
            var sql = new SqlBuilder();
            var where = new List<string> { LifecycleCondition("e", search.ViewType) };
            foreach (var clause in clauses)
            {
                where.Add(SearchSql.ExperimentCondition(clause, sql));
            }

            var orderSql = new List<string>();
            foreach (var term in order.Count > 0 ? order : [new OrderTerm(FilterEntity.Attribute, "creation_time", false)])
            {
                orderSql.Add(term.Key switch
                {
                    "name" => "e.name",
                    "experiment_id" => "e.experiment_id",
                    "creation_time" => "e.creation_time",
                    _ => "e.last_update_time",
                } + (term.Ascending ? " ASC" : " DESC"));
            }

            orderSql.Add("e.experiment_id ASC");
            var limit = sql.Add(search.MaxResults + 1L);
            var skip = sql.Add(offset);
            var items = ReadExperiments(connection, $"WHERE {string.Join(" AND ", where)} ORDER BY {string.Join(", ", orderSql)} LIMIT {limit} OFFSET {skip}", sql.Parameters);
            return PageOf(items, search.MaxResults, offset);
        });
    }

    /// <inheritdoc/>
    public async Task SetExperimentTagAsync(string experimentId, string key, string value, CancellationToken cancellationToken = default)
    {
        Validation.TagKey(key);
        Validation.TagValue(key, value, TrackingLimits.MaxExperimentTagValueLength);
        var id = ParseExperimentId(experimentId);
        await WriteAsync(connection =>
        {
            using var transaction = connection.BeginTransaction(deferred: false);
            RequireActiveExperiment(connection, transaction, experimentId, id);
            NonQuery(connection, transaction, "INSERT OR REPLACE INTO experiment_tags(experiment_id, key, value) VALUES ($id, $key, $value)", ("$id", id), ("$key", key), ("$value", value));
            NonQuery(connection, transaction, "UPDATE experiments SET last_update_time = $now WHERE experiment_id = $id", ("$id", id), ("$now", Now()));
            transaction.Commit();
            return 0;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task DeleteExperimentAsync(string experimentId, CancellationToken cancellationToken = default)
    {
        var id = ParseExperimentId(experimentId);
        if (id == 0)
        {
            throw new InvalidTrackingValueException("experiment_id", experimentId, "Cannot delete the default experiment '0'. This is an internally reserved experiment; delete its runs instead.");
        }

        await SetExperimentStageAsync(experimentId, id, "deleted", cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public Task RestoreExperimentAsync(string experimentId, CancellationToken cancellationToken = default) =>
        SetExperimentStageAsync(experimentId, ParseExperimentId(experimentId), "active", cancellationToken);

    /// <inheritdoc/>
    public async Task<RunInfo> CreateRunAsync(string experimentId, string? runName, long startTime, IReadOnlyList<RunTag>? tags = null, CancellationToken cancellationToken = default)
    {
        var id = ParseExperimentId(experimentId);
        ValidateRunTags(tags, out var tagRunName, out var user);
        if (runName is not null && tagRunName is not null && !string.Equals(runName, tagRunName, StringComparison.Ordinal))
        {
            throw new InvalidTrackingValueException("run_name", runName,
                $"Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name='{runName}', mlflow.runName='{tagRunName}'). Give only one, or the same value.");
        }

        if (startTime < 0)
        {
            throw new InvalidTrackingValueException("start_time", startTime.ToString(CultureInfo.InvariantCulture), $"Invalid start_time {startTime}: use non-negative Unix milliseconds.");
        }

        var name = runName ?? tagRunName ?? GenerateRunName();
        var runId = Guid.NewGuid().ToString("N");
        return await WriteAsync(connection =>
        {
            using var transaction = connection.BeginTransaction(deferred: false);
            var location = RequireActiveExperiment(connection, transaction, experimentId, id);
            var artifactUri = $"{location.TrimEnd('/')}/{runId}/artifacts";
            var rowId = Convert.ToInt64(Scalar(connection, transaction,
                "INSERT INTO runs(run_uuid, experiment_id, name, user_id, status, start_time, artifact_uri) VALUES ($uuid, $exp, $name, $user, 'RUNNING', $start, $uri) RETURNING id",
                ("$uuid", runId), ("$exp", id), ("$name", name), ("$user", user), ("$start", startTime), ("$uri", artifactUri)), CultureInfo.InvariantCulture);
            foreach (var tag in tags ?? [])
            {
                UpsertTag(connection, transaction, rowId, tag.Key, tag.Value);
            }

            UpsertTag(connection, transaction, rowId, MlflowTags.RunName, name);
            transaction.Commit();
            return new RunInfo
            {
                RunId = runId, RunName = name, ExperimentId = experimentId, UserId = user, Status = RunStatus.Running,
                StartTime = startTime, ArtifactUri = artifactUri, LifecycleStage = LifecycleStage.Active,
            };
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<RunInfo> UpdateRunAsync(string runId, RunUpdate update, CancellationToken cancellationToken = default)
    {
        Validation.RunId(runId);
        ArgumentNullException.ThrowIfNull(update);
        if (update.EndTime is < 0)
        {
            throw new InvalidTrackingValueException("end_time", update.EndTime.Value.ToString(CultureInfo.InvariantCulture), $"Invalid end_time {update.EndTime}: use non-negative Unix milliseconds.");
        }

        if (update.RunName is not null)
        {
            Validation.TagValue(MlflowTags.RunName, update.RunName);
        }

        await WriteAsync(connection =>
        {
            using var transaction = connection.BeginTransaction(deferred: false);
            var rowId = RequireActiveRun(connection, transaction, runId);
            if (update.Status is { } status)
            {
                NonQuery(connection, transaction, "UPDATE runs SET status = $s WHERE id = $id", ("$s", StatusText(status)), ("$id", rowId));
            }

            if (update.EndTime is { } end)
            {
                NonQuery(connection, transaction, "UPDATE runs SET end_time = $e WHERE id = $id", ("$e", end), ("$id", rowId));
            }

            if (update.RunName is { } name)
            {
                UpsertTag(connection, transaction, rowId, MlflowTags.RunName, name);
            }

            transaction.Commit();
            return 0;
        }, cancellationToken).ConfigureAwait(false);
        return (await GetRunAsync(runId, cancellationToken).ConfigureAwait(false)).Info;
    }

    /// <inheritdoc/>
    public Task<Run> GetRunAsync(string runId, CancellationToken cancellationToken = default)
    {
        Validation.RunId(runId);
        return Read(connection => LoadRuns(connection, "WHERE r.run_uuid = $id", [("$id", runId)]).FirstOrDefault() ?? throw RunNotFound(runId));
    }

    /// <inheritdoc/>
    public Task DeleteRunAsync(string runId, CancellationToken cancellationToken = default) => SetRunStageAsync(runId, deleted: true, cancellationToken);

    /// <inheritdoc/>
    public Task RestoreRunAsync(string runId, CancellationToken cancellationToken = default) => SetRunStageAsync(runId, deleted: false, cancellationToken);

    /// <inheritdoc/>
    public Task LogBatchAsync(string runId, ReadOnlyMemory<Metric> metrics, IReadOnlyList<Param>? parameters = null, IReadOnlyList<RunTag>? tags = null, CancellationToken cancellationToken = default)
    {
        Validation.RunId(runId);
        Validation.Batch(metrics.Length, parameters?.Count ?? 0, tags?.Count ?? 0);
        ValidateBatch(metrics.Span, parameters, tags);
        return WriteBatchAsync(runId, metrics, parameters, tags, "log-batch", cancellationToken);
    }

    /// <inheritdoc/>
    public Task LogBulkAsync(string runId, ReadOnlyMemory<Metric> metrics, IReadOnlyList<Param>? parameters = null, IReadOnlyList<RunTag>? tags = null, CancellationToken cancellationToken = default)
    {
        Validation.RunId(runId);
        if (metrics.Length > IBulkTrackingStore.MaxMetricsPerCall)
        {
            throw new InvalidTrackingValueException("log-bulk", null, string.Create(CultureInfo.InvariantCulture,
                $"A bulk log call can contain at most {IBulkTrackingStore.MaxMetricsPerCall} metrics; got {metrics.Length}. Split it into smaller calls."));
        }

        ValidateBatch(metrics.Span, parameters, tags);
        return WriteBatchAsync(runId, metrics, parameters, tags, "log-bulk", cancellationToken);
    }

    private async Task WriteBatchAsync(string runId, ReadOnlyMemory<Metric> metrics, IReadOnlyList<Param>? parameters, IReadOnlyList<RunTag>? tags, string operation, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var transaction = _writer.BeginTransaction(deferred: false);
            var rowId = RequireActiveRun(_writer, transaction, runId);
            foreach (var param in parameters ?? [])
            {
                var existing = Scalar(_writer, transaction, "SELECT value FROM params WHERE run_id = $id AND key = $key", ("$id", rowId), ("$key", param.Key)) as string;
                if (existing is null)
                {
                    NonQuery(_writer, transaction, "INSERT INTO params(run_id, key, value) VALUES ($id, $key, $value)", ("$id", rowId), ("$key", param.Key), ("$value", param.Value));
                }
                else if (!string.Equals(existing, param.Value, StringComparison.Ordinal))
                {
                    throw new ParamValueChangedException(runId, param.Key, existing, param.Value);
                }
            }

            foreach (var tag in tags ?? [])
            {
                UpsertTag(_writer, transaction, rowId, tag.Key, tag.Value);
            }

            WriteMetrics(rowId, metrics.Span);
            transaction.Commit();
        }
        catch (SqliteException ex)
        {
            throw Wrap(ex, operation);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <inheritdoc/>
    public async Task DeleteTagAsync(string runId, string key, CancellationToken cancellationToken = default)
    {
        Validation.RunId(runId);
        ArgumentNullException.ThrowIfNull(key);
        await WriteAsync(connection =>
        {
            using var transaction = connection.BeginTransaction(deferred: false);
            var rowId = RequireActiveRun(connection, transaction, runId);
            if (NonQuery(connection, transaction, "DELETE FROM tags WHERE run_id = $id AND key = $key", ("$id", rowId), ("$key", key)) == 0)
            {
                throw new TrackingResourceNotFoundException("tag", key, $"No tag with name: '{key}' in run with id '{runId}'. List the run's tags with GetRunAsync.");
            }

            transaction.Commit();
            return 0;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task LogInputsAsync(string runId, IReadOnlyList<DatasetInput> inputs, CancellationToken cancellationToken = default)
    {
        Validation.RunId(runId);
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Count > TrackingLimits.MaxDatasetsPerBatch)
        {
            throw new InvalidTrackingValueException("datasets", null, string.Create(CultureInfo.InvariantCulture, $"A log-inputs request can contain at most {TrackingLimits.MaxDatasetsPerBatch} datasets; got {inputs.Count}. Split it."));
        }

        foreach (var input in inputs)
        {
            ValidateInput(input);
        }

        await WriteAsync(connection =>
        {
            using var transaction = connection.BeginTransaction(deferred: false);
            var rowId = RequireActiveRun(connection, transaction, runId);
            foreach (var input in inputs)
            {
                NonQuery(connection, transaction,
                    "INSERT OR IGNORE INTO inputs(run_id, name, digest, source_type, source, schema, profile, context, tags) VALUES ($id, $name, $digest, $type, $source, $schema, $profile, $context, $tags)",
                    ("$id", rowId), ("$name", input.Name), ("$digest", input.Digest), ("$type", input.SourceType), ("$source", input.Source),
                    ("$schema", input.Schema), ("$profile", input.Profile), ("$context", input.Context), ("$tags", JsonSerializer.Serialize(input.Tags, TrackingJson.Default.IReadOnlyDictionaryStringString)));
            }

            transaction.Commit();
            return 0;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public Task<Page<Metric>> GetMetricHistoryAsync(string runId, string key, int? maxResults = null, string? pageToken = null, CancellationToken cancellationToken = default)
    {
        Validation.RunId(runId);
        ArgumentNullException.ThrowIfNull(key);
        if (maxResults is { } max)
        {
            ValidateMaxResults(max, TrackingLimits.MaxMetricHistoryResults);
        }

        var offset = PageToken.Decode(pageToken);
        return Read(connection =>
        {
            var rowId = Scalar(connection, null, "SELECT id FROM runs WHERE run_uuid = $id", ("$id", runId)) ?? throw RunNotFound(runId);
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT step, timestamp, value, is_nan FROM metrics WHERE run_id = $id AND key = $key ORDER BY step, timestamp, is_nan, value LIMIT $limit OFFSET $offset";
            command.Parameters.AddWithValue("$id", rowId);
            command.Parameters.AddWithValue("$key", key);
            command.Parameters.AddWithValue("$limit", maxResults is { } m ? m + 1L : -1L);
            command.Parameters.AddWithValue("$offset", offset);
            var points = new List<Metric>();
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                points.Add(new Metric(key, reader.GetInt64(3) != 0 ? double.NaN : reader.GetDouble(2), reader.GetInt64(1), reader.GetInt64(0)));
            }

            return maxResults is { } size ? PageOf(points, size, offset) : new Page<Metric>(points, null);
        });
    }

    /// <inheritdoc/>
    public Task<Page<Run>> SearchRunsAsync(RunSearch search, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(search);
        ArgumentNullException.ThrowIfNull(search.ExperimentIds, nameof(search.ExperimentIds));
        ValidateMaxResults(search.MaxResults, TrackingLimits.MaxSearchResults);
        var clauses = FilterParser.Parse(search.Filter);
        var order = FilterParser.ParseOrderBy(search.OrderBy);
        var offset = PageToken.Decode(search.PageToken);
        var experiments = search.ExperimentIds.Select(ParseExperimentId).ToArray();
        return Read(connection =>
        {
            var sql = new SqlBuilder();
            var where = new List<string>
            {
                experiments.Length == 0 ? "0" : $"r.experiment_id IN ({string.Join(", ", experiments.Select(e => sql.Add(e)))})",
                LifecycleCondition("r", search.ViewType),
            };
            foreach (var clause in clauses)
            {
                where.Add(SearchSql.RunCondition(clause, sql));
            }

            var joins = new StringBuilder();
            var orderSql = new List<string>();
            for (var i = 0; i < order.Count; i++)
            {
                SearchSql.RunOrder(order[i], i, sql, joins, orderSql);
            }

            orderSql.Add("r.start_time DESC");
            orderSql.Add("r.run_uuid ASC");
            var limit = sql.Add(search.MaxResults + 1L);
            var skip = sql.Add(offset);
            var runs = LoadRuns(connection, $"{joins} WHERE {string.Join(" AND ", where)} ORDER BY {string.Join(", ", orderSql)} LIMIT {limit} OFFSET {skip}", sql.Parameters);
            return PageOf(runs, search.MaxResults, offset);
        });
    }

    /// <summary>Closes the write connection. Pending calls fail with <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        _writeLock.Wait();
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _ = raw.sqlite3_finalize(_insertMetric);
            _ = raw.sqlite3_finalize(_upsertLatest);
            _ = raw.sqlite3_finalize(_insertMetrics);
            _writer.Dispose();
        }
        finally
        {
            _writeLock.Release();
        }
    }

    internal static string StatusText(RunStatus status) => status switch
    {
        RunStatus.Running => "RUNNING",
        RunStatus.Scheduled => "SCHEDULED",
        RunStatus.Finished => "FINISHED",
        RunStatus.Failed => "FAILED",
        RunStatus.Killed => "KILLED",
        _ => throw new InvalidTrackingValueException("status", status.ToString(), $"Invalid run status '{status}'. Use RUNNING, SCHEDULED, FINISHED, FAILED or KILLED."),
    };

    private static RunStatus ParseStatus(string text) => text switch
    {
        "RUNNING" => RunStatus.Running,
        "SCHEDULED" => RunStatus.Scheduled,
        "FINISHED" => RunStatus.Finished,
        "FAILED" => RunStatus.Failed,
        _ => RunStatus.Killed,
    };

    private void WriteMetrics(long rowId, ReadOnlySpan<Metric> metrics)
    {
        if (metrics.IsEmpty)
        {
            return;
        }

        var i = 0;
        for (; i + RowsPerInsert <= metrics.Length; i += RowsPerInsert)
        {
            for (var r = 0; r < RowsPerInsert; r++)
            {
                BindMetric(_insertMetrics, r * 6, rowId, metrics[i + r]);
            }

            Step(_insertMetrics);
        }

        for (; i < metrics.Length; i++)
        {
            BindMetric(_insertMetric, 0, rowId, metrics[i]);
            Step(_insertMetric);
        }

        // The latest point per key in this batch; the upsert keeps whichever of it and the stored one is later.
        // The same key instance is usually the same key as the point before it but one or two: look up the last few by
        // reference before hashing.
        var latest = new Dictionary<string, int>(StringComparer.Ordinal);
        var points = new List<Metric>();
        var recentKeys = new string?[4];
        var recentSlots = new int[4];
        var nextRecent = 0;
        foreach (ref readonly var m in metrics)
        {
            var recent = IndexOfReference(recentKeys, m.Key);
            var slot = recent < 0 ? -1 : recentSlots[recent];
            if (slot < 0)
            {
                ref var found = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(latest, m.Key, out var exists);
                if (!exists)
                {
                    found = points.Count;
                    points.Add(m);
                }

                slot = found;
                recentKeys[nextRecent] = m.Key;
                recentSlots[nextRecent] = slot;
                nextRecent = (nextRecent + 1) & 3;
            }

            if (m.IsLaterThan(points[slot]))
            {
                points[slot] = m;
            }
        }

        foreach (var m in points)
        {
            BindMetric(_upsertLatest, 0, rowId, m);
            Step(_upsertLatest);
        }
    }

    /// <summary>The index of <paramref name="key"/>'s very instance among a few recently seen keys, or -1.</summary>
    private static int IndexOfReference(string?[] keys, string key)
    {
        for (var i = 0; i < keys.Length; i++)
        {
            if (ReferenceEquals(keys[i], key))
            {
                return i;
            }
        }

        return -1;
    }

    private static void BindMetric(sqlite3_stmt statement, int offset, long rowId, in Metric m)
    {
        var nan = double.IsNaN(m.Value);
        _ = raw.sqlite3_bind_int64(statement, offset + 1, rowId);
        _ = raw.sqlite3_bind_text16(statement, offset + 2, m.Key.AsSpan());
        _ = raw.sqlite3_bind_int64(statement, offset + 3, m.Step);
        _ = raw.sqlite3_bind_int64(statement, offset + 4, m.Timestamp);
        _ = raw.sqlite3_bind_double(statement, offset + 5, nan ? 0 : m.Value);
        _ = raw.sqlite3_bind_int(statement, offset + 6, nan ? 1 : 0);
    }

    /// <summary>An <c>INSERT OR IGNORE</c> of <paramref name="rows"/> metric rows, 6 numbered parameters each.</summary>
    internal static string MultiRowInsertSql(int rows)
    {
        var sql = new StringBuilder("INSERT OR IGNORE INTO metrics(run_id, key, step, timestamp, value, is_nan) VALUES ");
        for (var r = 0; r < rows; r++)
        {
            var b = r * 6;
            sql.Append(CultureInfo.InvariantCulture, $"{(r == 0 ? "" : ",")}(?{b + 1},?{b + 2},?{b + 3},?{b + 4},?{b + 5},?{b + 6})");
        }

        return sql.ToString();
    }

    private void Step(sqlite3_stmt statement)
    {
        var rc = raw.sqlite3_step(statement);
        _ = raw.sqlite3_reset(statement);
        if (rc != raw.SQLITE_DONE)
        {
            SqliteException.ThrowExceptionForRC(rc, _writer.Handle);
        }
    }

    private sqlite3_stmt Prepare(string sql)
    {
        var rc = raw.sqlite3_prepare_v2(_writer.Handle, sql, out var statement);
        SqliteException.ThrowExceptionForRC(rc, _writer.Handle);
        return statement;
    }

    private static void ValidateBatch(ReadOnlySpan<Metric> metrics, IReadOnlyList<Param>? parameters, IReadOnlyList<RunTag>? tags)
    {
        // Keys repeat (a few keys logged in turn, the same string instances): remember the last few validated ones by reference.
        var validated = new string?[8];
        var next = 0;
        foreach (ref readonly var m in metrics)
        {
            if (IndexOfReference(validated, m.Key) < 0)
            {
                Validation.MetricKey(m.Key);
                validated[next] = m.Key;
                next = (next + 1) & 7;
            }

            Validation.Timestamp(m.Key, m.Timestamp);
        }

        if (parameters is not null)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var duplicates = new List<string>();
            foreach (var p in parameters)
            {
                ArgumentNullException.ThrowIfNull(p, nameof(parameters));
                Validation.ParamKey(p.Key);
                Validation.ParamValue(p.Key, p.Value);
                if (!seen.Add(p.Key))
                {
                    duplicates.Add(p.Key);
                }
            }

            if (duplicates.Count > 0)
            {
                throw new InvalidTrackingValueException("params", duplicates[0],
                    $"Duplicate parameter keys have been submitted: ['{string.Join("', '", duplicates)}']. Please ensure the request contains only one param value per param key.");
            }
        }

        foreach (var t in tags ?? [])
        {
            ArgumentNullException.ThrowIfNull(t, nameof(tags));
            Validation.TagKey(t.Key);
            Validation.TagValue(t.Key, t.Value);
        }
    }

    private static void ValidateRunTags(IReadOnlyList<RunTag>? tags, out string? runName, out string? user)
    {
        runName = null;
        user = null;
        foreach (var t in tags ?? [])
        {
            ArgumentNullException.ThrowIfNull(t, nameof(tags));
            Validation.TagKey(t.Key);
            Validation.TagValue(t.Key, t.Value);
            if (t.Key == MlflowTags.RunName)
            {
                runName = t.Value;
            }
            else if (t.Key == MlflowTags.User)
            {
                user = t.Value;
            }
        }
    }

    private static void ValidateExperimentTags(IReadOnlyList<RunTag>? tags)
    {
        foreach (var t in tags ?? [])
        {
            ArgumentNullException.ThrowIfNull(t, nameof(tags));
            Validation.TagKey(t.Key);
            Validation.TagValue(t.Key, t.Value, TrackingLimits.MaxExperimentTagValueLength);
        }
    }

    private static void ValidateInput(DatasetInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        Validation.Required("dataset name", input.Name);
        Validation.Required("dataset digest", input.Digest);
        Validation.Required("dataset source_type", input.SourceType);
        Validation.Required("dataset source", input.Source);
        Validation.Length("Dataset name", input.Name, TrackingLimits.MaxDatasetNameLength);
        Validation.Length("Dataset digest", input.Digest, TrackingLimits.MaxDatasetDigestLength);
        Validation.Length("Dataset source", input.Source, TrackingLimits.MaxDatasetSourceLength);
        Validation.Length("Dataset schema", input.Schema, TrackingLimits.MaxDatasetSchemaLength);
        Validation.Length("Dataset profile", input.Profile, TrackingLimits.MaxDatasetProfileLength);
        foreach (var (key, value) in input.Tags)
        {
            Validation.Required("input tag key", key);
            Validation.Length("Input tag key", key, TrackingLimits.MaxInputTagKeyLength);
            Validation.Length("Input tag value", value, TrackingLimits.MaxInputTagValueLength);
        }
    }

    private static void ValidateMaxResults(int maxResults, int limit)
    {
        if (maxResults < 1 || maxResults > limit)
        {
            throw new InvalidTrackingValueException("max_results", maxResults.ToString(CultureInfo.InvariantCulture), string.Create(CultureInfo.InvariantCulture,
                $"Invalid value {maxResults} for parameter 'max_results' supplied. It must be between 1 and {limit}; page through larger results with the page token."));
        }
    }

    private static long ParseExperimentId(string experimentId)
    {
        ArgumentNullException.ThrowIfNull(experimentId);
        if (!long.TryParse(experimentId, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
        {
            throw new InvalidTrackingValueException("experiment_id", experimentId, $"Invalid experiment id '{Validation.Quote(experimentId)}': the embedded store's ids are whole numbers such as '0' or '12'. Look the id up by name with GetExperimentByNameAsync.");
        }

        return id;
    }

    private static string LifecycleCondition(string alias, ViewType viewType) => viewType switch
    {
        ViewType.ActiveOnly => $"{alias}.lifecycle_stage = 'active'",
        ViewType.DeletedOnly => $"{alias}.lifecycle_stage = 'deleted'",
        _ => "1",
    };

    private static Page<T> PageOf<T>(List<T> items, int maxResults, long offset)
    {
        if (items.Count <= maxResults)
        {
            return new Page<T>(items, null);
        }

        items.RemoveAt(items.Count - 1);
        return new Page<T>(items, PageToken.Encode(offset + maxResults));
    }

    private async Task SetExperimentStageAsync(string experimentId, long id, string stage, CancellationToken cancellationToken)
    {
        await WriteAsync(connection =>
        {
            using var transaction = connection.BeginTransaction(deferred: false);
            if (Scalar(connection, transaction, "SELECT 1 FROM experiments WHERE experiment_id = $id", ("$id", id)) is null)
            {
                throw ExperimentNotFound(experimentId);
            }

            var now = Now();
            NonQuery(connection, transaction, "UPDATE experiments SET lifecycle_stage = $s, last_update_time = $now WHERE experiment_id = $id", ("$s", stage), ("$now", now), ("$id", id));
            // MLflow cascades the stage to the experiment's runs.
            NonQuery(connection, transaction, stage == "deleted"
                ? "UPDATE runs SET lifecycle_stage = 'deleted', deleted_time = $now WHERE experiment_id = $id AND lifecycle_stage = 'active'"
                : "UPDATE runs SET lifecycle_stage = 'active', deleted_time = NULL WHERE experiment_id = $id AND lifecycle_stage = 'deleted'", ("$now", now), ("$id", id));
            transaction.Commit();
            return 0;
        }, cancellationToken).ConfigureAwait(false);
    }

    private async Task SetRunStageAsync(string runId, bool deleted, CancellationToken cancellationToken)
    {
        Validation.RunId(runId);
        await WriteAsync(connection =>
        {
            using var transaction = connection.BeginTransaction(deferred: false);
            var n = NonQuery(connection, transaction, deleted
                ? "UPDATE runs SET lifecycle_stage = 'deleted', deleted_time = $now WHERE run_uuid = $id"
                : "UPDATE runs SET lifecycle_stage = 'active', deleted_time = NULL WHERE run_uuid = $id", ("$now", Now()), ("$id", runId));
            if (n == 0)
            {
                throw RunNotFound(runId);
            }

            transaction.Commit();
            return 0;
        }, cancellationToken).ConfigureAwait(false);
    }

    private static string RequireActiveExperiment(SqliteConnection connection, SqliteTransaction transaction, string experimentId, long id)
    {
        using var command = Command(connection, transaction, "SELECT artifact_location, lifecycle_stage FROM experiments WHERE experiment_id = $id", ("$id", id));
        using var reader = command.ExecuteReader();
        if (!reader.Read())
        {
            throw ExperimentNotFound(experimentId);
        }

        if (reader.GetString(1) != "active")
        {
            throw new InvalidRunStateException(MlflowErrorCode.InvalidState, experimentId, $"The experiment {experimentId} must be in the 'active' state. Current state is {reader.GetString(1)}. Restore it (RestoreExperimentAsync) or use another experiment.");
        }

        return reader.GetString(0);
    }

    private static long RequireActiveRun(SqliteConnection connection, SqliteTransaction transaction, string runId)
    {
        using var command = Command(connection, transaction, "SELECT id, lifecycle_stage FROM runs WHERE run_uuid = $id", ("$id", runId));
        using var reader = command.ExecuteReader();
        if (!reader.Read())
        {
            throw RunNotFound(runId);
        }

        if (reader.GetString(1) != "active")
        {
            throw new InvalidRunStateException(MlflowErrorCode.InvalidParameterValue, runId, $"The run {runId} must be in the 'active' state. Current state is {reader.GetString(1)}. Restore it with RestoreRunAsync first.");
        }

        return reader.GetInt64(0);
    }

    private static void UpsertTag(SqliteConnection connection, SqliteTransaction transaction, long rowId, string key, string value)
    {
        NonQuery(connection, transaction, "INSERT INTO tags(run_id, key, value) VALUES ($id, $key, $value) ON CONFLICT(run_id, key) DO UPDATE SET value = excluded.value", ("$id", rowId), ("$key", key), ("$value", value));
        if (key == MlflowTags.RunName)
        {
            NonQuery(connection, transaction, "UPDATE runs SET name = $value WHERE id = $id", ("$id", rowId), ("$value", value));
        }
    }

    private static List<Experiment> ReadExperiments(SqliteConnection connection, string whereOrderLimit, IEnumerable<(string Name, object? Value)> parameters)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT e.experiment_id, e.name, e.artifact_location, e.lifecycle_stage, e.creation_time, e.last_update_time FROM experiments e {whereOrderLimit}";
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        var rows = new List<(long Id, Experiment Experiment, Dictionary<string, string> Tags)>();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                var tags = new Dictionary<string, string>(StringComparer.Ordinal);
                rows.Add((reader.GetInt64(0), new Experiment
                {
                    ExperimentId = reader.GetInt64(0).ToString(CultureInfo.InvariantCulture),
                    Name = reader.GetString(1),
                    ArtifactLocation = reader.GetString(2),
                    LifecycleStage = reader.GetString(3) == "active" ? LifecycleStage.Active : LifecycleStage.Deleted,
                    CreationTime = reader.GetInt64(4),
                    LastUpdateTime = reader.GetInt64(5),
                    Tags = tags,
                }, tags));
            }
        }

        if (rows.Count > 0)
        {
            var byId = rows.ToDictionary(r => r.Id, r => r.Tags);
            using var tagCommand = connection.CreateCommand();
            tagCommand.CommandText = "SELECT experiment_id, key, value FROM experiment_tags WHERE experiment_id IN (SELECT value FROM json_each($ids))";
            tagCommand.Parameters.AddWithValue("$ids", JsonSerializer.Serialize(byId.Keys.ToArray(), TrackingJson.Default.Int64Array));
            using var reader = tagCommand.ExecuteReader();
            while (reader.Read())
            {
                byId[reader.GetInt64(0)][reader.GetString(1)] = reader.GetString(2);
            }
        }

        return rows.Select(r => r.Experiment).ToList();
    }

    private static List<Run> LoadRuns(SqliteConnection connection, string fromWhere, IEnumerable<(string Name, object? Value)> parameters)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT r.id, r.run_uuid, r.experiment_id, r.name, r.user_id, r.status, r.start_time, r.end_time, r.lifecycle_stage, r.artifact_uri FROM runs r {fromWhere}";
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        var infos = new List<(long Id, RunInfo Info)>();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                infos.Add((reader.GetInt64(0), new RunInfo
                {
                    RunId = reader.GetString(1),
                    ExperimentId = reader.GetInt64(2).ToString(CultureInfo.InvariantCulture),
                    RunName = reader.GetString(3),
                    UserId = reader.IsDBNull(4) ? null : reader.GetString(4),
                    Status = ParseStatus(reader.GetString(5)),
                    StartTime = reader.GetInt64(6),
                    EndTime = reader.IsDBNull(7) ? null : reader.GetInt64(7),
                    LifecycleStage = reader.GetString(8) == "active" ? LifecycleStage.Active : LifecycleStage.Deleted,
                    ArtifactUri = reader.GetString(9),
                }));
            }
        }

        if (infos.Count == 0)
        {
            return [];
        }

        var data = new Dictionary<long, (Dictionary<string, Metric> Metrics, Dictionary<string, string> Params, Dictionary<string, string> Tags, List<DatasetInput> Inputs)>(infos.Count);
        foreach (var (id, _) in infos)
        {
            data[id] = (new(StringComparer.Ordinal), new(StringComparer.Ordinal), new(StringComparer.Ordinal), []);
        }

        var ids = JsonSerializer.Serialize(data.Keys.ToArray(), TrackingJson.Default.Int64Array);
        ForEachRow(connection, "SELECT run_id, key, value FROM params WHERE run_id IN (SELECT value FROM json_each($ids))", ids, r => data[r.GetInt64(0)].Params[r.GetString(1)] = r.GetString(2));
        ForEachRow(connection, "SELECT run_id, key, value FROM tags WHERE run_id IN (SELECT value FROM json_each($ids))", ids, r => data[r.GetInt64(0)].Tags[r.GetString(1)] = r.GetString(2));
        ForEachRow(connection, "SELECT run_id, key, step, timestamp, value, is_nan FROM latest_metrics WHERE run_id IN (SELECT value FROM json_each($ids))", ids, r =>
        {
            var key = r.GetString(1);
            data[r.GetInt64(0)].Metrics[key] = new Metric(key, r.GetInt64(5) != 0 ? double.NaN : r.GetDouble(4), r.GetInt64(3), r.GetInt64(2));
        });
        ForEachRow(connection, "SELECT run_id, name, digest, source_type, source, schema, profile, tags FROM inputs WHERE run_id IN (SELECT value FROM json_each($ids)) ORDER BY run_id, name, digest", ids, r =>
            data[r.GetInt64(0)].Inputs.Add(new DatasetInput
            {
                Name = r.GetString(1),
                Digest = r.GetString(2),
                SourceType = r.GetString(3),
                Source = r.GetString(4),
                Schema = r.IsDBNull(5) ? null : r.GetString(5),
                Profile = r.IsDBNull(6) ? null : r.GetString(6),
                Tags = JsonSerializer.Deserialize(r.GetString(7), TrackingJson.Default.DictionaryStringString) ?? [],
            }));

        var runs = new List<Run>(infos.Count);
        foreach (var (id, info) in infos)
        {
            var d = data[id];
            runs.Add(new Run { Info = info, Metrics = d.Metrics, Params = d.Params, Tags = d.Tags, Inputs = d.Inputs });
        }

        return runs;
    }

    private static void ForEachRow(SqliteConnection connection, string sql, string ids, Action<SqliteDataReader> row)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$ids", ids);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            row(reader);
        }
    }

    private async Task<T> WriteAsync<T>(Func<SqliteConnection, T> write, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return write(_writer);
        }
        catch (SqliteException ex)
        {
            throw Wrap(ex, "write");
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private Task<T> Read<T>(Func<SqliteConnection, T> read)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        try
        {
            using var connection = new SqliteConnection(_connectionString);
            connection.Open();
            return Task.FromResult(read(connection));
        }
        catch (SqliteException ex)
        {
            throw Wrap(ex, "read");
        }
    }

    private TrackingStoreException Wrap(SqliteException ex, string operation)
    {
        var busy = ex.SqliteErrorCode is raw.SQLITE_BUSY or raw.SQLITE_LOCKED;
        return busy
            ? new TrackingStoreException(MlflowErrorCode.TemporarilyUnavailable, DatabasePath, string.Create(CultureInfo.InvariantCulture,
                $"The tracking database '{DatabasePath}' stayed locked by another connection or process for longer than the busy timeout ({_busyTimeoutMs} ms) during {operation}. Retry, or raise SqliteTrackingStoreOptions.BusyTimeout."), isTransient: true, ex)
            : new TrackingStoreException(MlflowErrorCode.InternalError, DatabasePath, string.Create(CultureInfo.InvariantCulture,
                $"The tracking database '{DatabasePath}' failed during {operation}: SQLite error {ex.SqliteErrorCode} ({ex.Message}). Check the file is a tracking database on a writable local disk."), isTransient: false, ex);
    }

    private long Now() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private static string GenerateRunName() =>
        $"{Adjectives[Random.Shared.Next(Adjectives.Length)]}-{Nouns[Random.Shared.Next(Nouns.Length)]}-{Random.Shared.Next(1000).ToString(CultureInfo.InvariantCulture)}";

    private static TrackingResourceNotFoundException RunNotFound(string runId) =>
        new("run", runId, $"Run with id={runId} not found. Check the id (32 hex digits), or search runs with SearchRunsAsync.");

    private static TrackingResourceNotFoundException ExperimentNotFound(string experimentId) =>
        new("experiment", experimentId, $"No Experiment with id={experimentId} exists. Create it with CreateExperimentAsync, or look it up by name.");

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
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

    private static object? Scalar(SqliteConnection connection, SqliteTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(connection, transaction, sql, parameters);
        return command.ExecuteScalar();
    }

    private static int NonQuery(SqliteConnection connection, SqliteTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(connection, transaction, sql, parameters);
        return command.ExecuteNonQuery();
    }
}
