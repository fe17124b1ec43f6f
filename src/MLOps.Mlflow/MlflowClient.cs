using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MLOps.Tracking;

namespace MLOps.Mlflow;

/// <summary>
/// A client for MLflow's REST API 2.0 (tracking, model registry and the mlflow-artifacts proxy) with MLflow's exact
/// wire conventions: GET fields in the query string (repeated keys for lists), JSON bodies for POST, PATCH and DELETE,
/// snake_case names, int64 as numbers, NaN and ±Infinity as strings.
/// </summary>
/// <remarks>
/// <para>
/// Thread-safe. Retries, backoff (honouring <c>Retry-After</c>), timeouts and the circuit breaker come from the
/// <see cref="HttpClient"/>'s handlers: <c>AddMlflow</c> registers a typed client with the standard resilience handler,
/// which re-sends a GET after any transient outcome and any other request only when MLflow certainly did not apply it
/// (408, 429, 503, refused connection). A client built directly on a bare <see cref="HttpClient"/> makes one attempt per call.
/// </para>
/// <para>
/// Every failure is an <see cref="MlflowException"/> carrying MLflow's <c>error_code</c>, the HTTP status and
/// <see cref="MLOpsException.IsTransient"/>; transient ones are <see cref="MlflowTransientException"/>. Credentials are sent as an <c>Authorization</c> header and never logged
/// or quoted in a message.
/// </para>
/// </remarks>
public sealed partial class MlflowClient
{
    /// <summary>MLflow's per-request limit on metrics in <c>log-batch</c>.</summary>
    public const int MaxMetricsPerBatch = 1000;

    /// <summary>MLflow's per-request limit on params (and on tags) in <c>log-batch</c>.</summary>
    public const int MaxParamsTagsPerBatch = 100;

    /// <summary>MLflow's per-request limit on metrics, params and tags together in <c>log-batch</c>.</summary>
    public const int MaxEntitiesPerBatch = 1000;

    /// <summary>MLflow's limit on the size of a <c>log-batch</c> request body, in bytes (<c>int(1e6)</c>).</summary>
    public const int MaxBatchRequestBytes = 1_000_000;

    private const int MaxErrorBodyBytes = 64 * 1024;

    /// <summary>The resilience-context property telling the retry rule that a request is safe to re-send (GET or HEAD).</summary>
    internal static readonly Polly.ResiliencePropertyKey<bool> SafeToResendKey = new("MLOps.Mlflow.SafeToResend");

    private readonly HttpClient _http;
    private readonly MlflowOptions _options;
    private readonly string _apiBase;
    private readonly string _artifactsBase;
    private readonly AuthenticationHeaderValue? _auth;
    private readonly Dictionary<string, string> _secrets;
    private readonly ILogger _logger;

    /// <summary>Initializes a new instance of the <see cref="MlflowClient"/> class.</summary>
    /// <param name="httpClient">The HTTP client (its handlers provide resilience); not disposed by this client.</param>
    /// <param name="options">The server and credentials; <see cref="MlflowOptions.TrackingUri"/> is required.</param>
    /// <param name="logger">A logger, or <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">The tracking URI is missing or not http(s).</exception>
    public MlflowClient(HttpClient httpClient, MlflowOptions options, ILogger<MlflowClient>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(options);
        var problem = options.Validate().FirstOrDefault();
        if (problem is not null)
        {
            throw new ArgumentException(problem, nameof(options));
        }

        _http = httpClient;
        _options = options;
        var root = options.TrackingUri!.GetLeftPart(UriPartial.Path).TrimEnd('/');
        _apiBase = root + "/api/2.0/mlflow/";
        _artifactsBase = root + "/api/2.0/mlflow-artifacts/artifacts";
        _secrets = options.Secrets();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        if (!string.IsNullOrEmpty(options.Token))
        {
            _auth = new AuthenticationHeaderValue("Bearer", options.Token);
        }
        else if (!string.IsNullOrEmpty(options.Username))
        {
            _auth = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(options.Username + ":" + options.Password)));
        }
    }

    /// <summary>Gets the options this client was created with.</summary>
    internal MlflowOptions Options => _options;

    /// <summary>Gets the number of HTTP requests this client has sent (first attempts; retries inside the handler are not counted).</summary>
    public long RequestCount => Interlocked.Read(ref _requestCount);

    private long _requestCount;

    // ---------------------------------------------------------------- experiments

    /// <summary>Creates an experiment (<c>POST experiments/create</c>).</summary>
    /// <param name="name">The unique name.</param>
    /// <param name="artifactLocation">The artifact location, or <see langword="null"/> for the server's default.</param>
    /// <param name="tags">Tags, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The new experiment id.</returns>
    /// <exception cref="MlflowException"><c>RESOURCE_ALREADY_EXISTS</c> (HTTP 400) when the name is taken.</exception>
    public async Task<string> CreateExperimentAsync(string name, string? artifactLocation = null, IReadOnlyList<RunTag>? tags = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        var body = MlflowJson.Write((name, artifactLocation, tags), static (w, s) =>
        {
            w.WriteString("name", s.name);
            if (s.artifactLocation is not null)
            {
                w.WriteString("artifact_location", s.artifactLocation);
            }

            WriteRunTags(w, s.tags);
        });
        using var doc = await PostAsync("experiments/create", body, cancellationToken).ConfigureAwait(false);
        return MlflowJson.Str(doc.RootElement, "experiment_id") ?? throw Malformed("experiments/create", "experiment_id");
    }

    /// <summary>Gets an experiment by id (<c>GET experiments/get</c>), deleted ones too.</summary>
    /// <param name="experimentId">The id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The experiment.</returns>
    /// <exception cref="MlflowException"><c>RESOURCE_DOES_NOT_EXIST</c> when there is none.</exception>
    public async Task<Experiment> GetExperimentAsync(string experimentId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(experimentId);
        using var doc = await GetAsync("experiments/get", [new("experiment_id", experimentId)], cancellationToken).ConfigureAwait(false);
        return MlflowJson.ReadExperiment(Required(doc.RootElement, "experiment"));
    }

    /// <summary>Gets an experiment by name (<c>GET experiments/get-by-name</c>), or <see langword="null"/> when there is none.</summary>
    /// <param name="name">The name.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The experiment or <see langword="null"/>.</returns>
    public async Task<Experiment?> GetExperimentByNameAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        try
        {
            using var doc = await GetAsync("experiments/get-by-name", [new("experiment_name", name)], cancellationToken).ConfigureAwait(false);
            return MlflowJson.ReadExperiment(Required(doc.RootElement, "experiment"));
        }
        catch (MlflowException ex) when (ex.ErrorCode == MlflowErrorCode.ResourceDoesNotExist)
        {
            return null;
        }
    }

    /// <summary>Searches experiments (<c>POST experiments/search</c>).</summary>
    /// <param name="search">Filter, order, page size and token, view type.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>One page.</returns>
    public async Task<Page<Experiment>> SearchExperimentsAsync(ExperimentSearch search, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(search);
        var body = MlflowJson.Write(search, static (w, s) =>
        {
            w.WriteNumber("max_results", s.MaxResults);
            WriteIfSet(w, "page_token", s.PageToken);
            WriteIfSet(w, "filter", s.Filter);
            MlflowJson.WriteStrings(w, "order_by", s.OrderBy);
            w.WriteString("view_type", MlflowJson.ViewTypeName(s.ViewType));
        });
        using var doc = await PostAsync("experiments/search", body, cancellationToken).ConfigureAwait(false);
        var items = MlflowJson.Array(doc.RootElement, "experiments").Select(MlflowJson.ReadExperiment).ToList();
        return new Page<Experiment>(items, NextToken(doc.RootElement));
    }

    /// <summary>Renames an experiment (<c>POST experiments/update</c>).</summary>
    /// <param name="experimentId">The id.</param>
    /// <param name="newName">The new unique name.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when done.</returns>
    public Task UpdateExperimentAsync(string experimentId, string newName, CancellationToken cancellationToken = default) =>
        PostEmptyAsync("experiments/update", MlflowJson.Write((experimentId, newName), static (w, s) =>
        {
            w.WriteString("experiment_id", s.experimentId);
            w.WriteString("new_name", s.newName);
        }), cancellationToken);

    /// <summary>Soft-deletes an experiment (<c>POST experiments/delete</c>).</summary>
    /// <param name="experimentId">The id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when done.</returns>
    public Task DeleteExperimentAsync(string experimentId, CancellationToken cancellationToken = default) =>
        PostEmptyAsync("experiments/delete", One("experiment_id", experimentId), cancellationToken);

    /// <summary>Restores a deleted experiment (<c>POST experiments/restore</c>).</summary>
    /// <param name="experimentId">The id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when done.</returns>
    public Task RestoreExperimentAsync(string experimentId, CancellationToken cancellationToken = default) =>
        PostEmptyAsync("experiments/restore", One("experiment_id", experimentId), cancellationToken);

    /// <summary>Sets an experiment tag (<c>POST experiments/set-experiment-tag</c>).</summary>
    /// <param name="experimentId">The id.</param>
    /// <param name="key">The key.</param>
    /// <param name="value">The value.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when done.</returns>
    public Task SetExperimentTagAsync(string experimentId, string key, string value, CancellationToken cancellationToken = default) =>
        PostEmptyAsync("experiments/set-experiment-tag", MlflowJson.Write((experimentId, key, value), static (w, s) =>
        {
            w.WriteString("experiment_id", s.experimentId);
            w.WriteString("key", s.key);
            w.WriteString("value", s.value);
        }), cancellationToken);

    /// <summary>Deletes an experiment tag (<c>POST experiments/delete-experiment-tag</c>).</summary>
    /// <param name="experimentId">The id.</param>
    /// <param name="key">The key.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when done.</returns>
    public Task DeleteExperimentTagAsync(string experimentId, string key, CancellationToken cancellationToken = default) =>
        PostEmptyAsync("experiments/delete-experiment-tag", MlflowJson.Write((experimentId, key), static (w, s) =>
        {
            w.WriteString("experiment_id", s.experimentId);
            w.WriteString("key", s.key);
        }), cancellationToken);

    // ---------------------------------------------------------------- runs

    /// <summary>Creates a run (<c>POST runs/create</c>); it starts <c>RUNNING</c>.</summary>
    /// <param name="experimentId">The experiment.</param>
    /// <param name="runName">The name, or <see langword="null"/> to let the server choose (or use the <c>mlflow.runName</c> tag).</param>
    /// <param name="startTime">The start time, Unix milliseconds.</param>
    /// <param name="tags">Tags, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The run's metadata.</returns>
    public async Task<RunInfo> CreateRunAsync(string experimentId, string? runName, long startTime, IReadOnlyList<RunTag>? tags = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(experimentId);
        var body = MlflowJson.Write((experimentId, runName, startTime, tags), static (w, s) =>
        {
            w.WriteString("experiment_id", s.experimentId);
            WriteIfSet(w, "run_name", s.runName);
            w.WriteNumber("start_time", s.startTime);
            WriteRunTags(w, s.tags);
        });
        using var doc = await PostAsync("runs/create", body, cancellationToken).ConfigureAwait(false);
        return MlflowJson.ReadRunInfo(Required(doc.RootElement, "run").GetProperty("info"));
    }

    /// <summary>Updates a run's status, end time or name (<c>POST runs/update</c>); only set fields are sent.</summary>
    /// <param name="runId">The run.</param>
    /// <param name="update">The fields to change.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The updated metadata.</returns>
    public async Task<RunInfo> UpdateRunAsync(string runId, RunUpdate update, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runId);
        ArgumentNullException.ThrowIfNull(update);
        var body = MlflowJson.Write((runId, update), static (w, s) =>
        {
            w.WriteString("run_id", s.runId);
            if (s.update.Status is { } status)
            {
                w.WriteString("status", MlflowJson.StatusName(status));
            }

            if (s.update.EndTime is { } end)
            {
                w.WriteNumber("end_time", end);
            }

            WriteIfSet(w, "run_name", s.update.RunName);
        });
        using var doc = await PostAsync("runs/update", body, cancellationToken).ConfigureAwait(false);
        return MlflowJson.ReadRunInfo(Required(doc.RootElement, "run_info"));
    }

    /// <summary>Soft-deletes a run (<c>POST runs/delete</c>).</summary>
    /// <param name="runId">The run.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when done.</returns>
    public Task DeleteRunAsync(string runId, CancellationToken cancellationToken = default) =>
        PostEmptyAsync("runs/delete", One("run_id", runId), cancellationToken);

    /// <summary>Restores a deleted run (<c>POST runs/restore</c>).</summary>
    /// <param name="runId">The run.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when done.</returns>
    public Task RestoreRunAsync(string runId, CancellationToken cancellationToken = default) =>
        PostEmptyAsync("runs/restore", One("run_id", runId), cancellationToken);

    /// <summary>Gets a run with its data and inputs (<c>GET runs/get</c>).</summary>
    /// <param name="runId">The run.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The run.</returns>
    public async Task<Run> GetRunAsync(string runId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runId);
        using var doc = await GetAsync("runs/get", [new("run_id", runId)], cancellationToken).ConfigureAwait(false);
        return MlflowJson.ReadRun(Required(doc.RootElement, "run"));
    }

    /// <summary>Searches runs (<c>POST runs/search</c>) with MLflow's filter DSL, <c>order_by</c> and page tokens.</summary>
    /// <param name="search">Experiments, filter, order, page size and token, view type.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>One page.</returns>
    public async Task<Page<Run>> SearchRunsAsync(RunSearch search, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(search);
        var body = MlflowJson.Write(search, static (w, s) =>
        {
            MlflowJson.WriteStrings(w, "experiment_ids", s.ExperimentIds);
            WriteIfSet(w, "filter", s.Filter);
            w.WriteString("run_view_type", MlflowJson.ViewTypeName(s.ViewType));
            w.WriteNumber("max_results", s.MaxResults);
            MlflowJson.WriteStrings(w, "order_by", s.OrderBy);
            WriteIfSet(w, "page_token", s.PageToken);
        });
        using var doc = await PostAsync("runs/search", body, cancellationToken).ConfigureAwait(false);
        var items = MlflowJson.Array(doc.RootElement, "runs").Select(MlflowJson.ReadRun).ToList();
        return new Page<Run>(items, NextToken(doc.RootElement));
    }

    /// <summary>Logs one metric point (<c>POST runs/log-metric</c>). Prefer <see cref="LogBatchAsync"/> for many.</summary>
    /// <param name="runId">The run.</param>
    /// <param name="metric">The point.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when done.</returns>
    public Task LogMetricAsync(string runId, Metric metric, CancellationToken cancellationToken = default) =>
        PostEmptyAsync("runs/log-metric", MlflowJson.Write((runId, metric), static (w, s) =>
        {
            w.WriteString("run_id", s.runId);
            w.WriteString("key", s.metric.Key);
            MlflowJson.WriteDouble(w, "value", s.metric.Value);
            w.WriteNumber("timestamp", s.metric.Timestamp);
            w.WriteNumber("step", s.metric.Step);
        }), cancellationToken);

    /// <summary>Logs one param (<c>POST runs/log-parameter</c>).</summary>
    /// <param name="runId">The run.</param>
    /// <param name="key">The key.</param>
    /// <param name="value">The value.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when done.</returns>
    public Task LogParamAsync(string runId, string key, string value, CancellationToken cancellationToken = default) =>
        PostEmptyAsync("runs/log-parameter", RunKeyValue(runId, key, value), cancellationToken);

    /// <summary>Sets a run tag (<c>POST runs/set-tag</c>).</summary>
    /// <param name="runId">The run.</param>
    /// <param name="key">The key.</param>
    /// <param name="value">The value.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when done.</returns>
    public Task SetTagAsync(string runId, string key, string value, CancellationToken cancellationToken = default) =>
        PostEmptyAsync("runs/set-tag", RunKeyValue(runId, key, value), cancellationToken);

    /// <summary>Deletes a run tag (<c>POST runs/delete-tag</c>).</summary>
    /// <param name="runId">The run.</param>
    /// <param name="key">The key.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when done.</returns>
    public Task DeleteTagAsync(string runId, string key, CancellationToken cancellationToken = default) =>
        PostEmptyAsync("runs/delete-tag", MlflowJson.Write((runId, key), static (w, s) =>
        {
            w.WriteString("run_id", s.runId);
            w.WriteString("key", s.key);
        }), cancellationToken);

    /// <summary>
    /// Logs metrics, params and tags with as few <c>POST runs/log-batch</c> requests as MLflow's limits allow: at most
    /// 1000 metrics, 100 params, 100 tags and 1000 entities in all per request, and a body under 1 MB. Params go first,
    /// then tags, then metrics, each in the order given; requests are sent one after another.
    /// </summary>
    /// <param name="runId">The run.</param>
    /// <param name="metrics">Metric points.</param>
    /// <param name="parameters">Params, or <see langword="null"/>.</param>
    /// <param name="tags">Tags, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The number of requests sent.</returns>
    /// <exception cref="MlflowException">A request failed; the requests before it were applied, the ones after were not sent.</exception>
    public async Task<int> LogBatchAsync(string runId, ReadOnlyMemory<Metric> metrics, IReadOnlyList<Param>? parameters = null, IReadOnlyList<RunTag>? tags = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runId);
        var requests = 0;
        foreach (var body in SplitBatch(runId, metrics, parameters, tags))
        {
            await PostEmptyAsync("runs/log-batch", body, cancellationToken).ConfigureAwait(false);
            requests++;
        }

        return requests;
    }

    /// <summary>Records dataset inputs (<c>POST runs/log-inputs</c>).</summary>
    /// <param name="runId">The run.</param>
    /// <param name="inputs">The datasets.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when done.</returns>
    public Task LogInputsAsync(string runId, IReadOnlyList<DatasetInput> inputs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runId);
        ArgumentNullException.ThrowIfNull(inputs);
        return PostEmptyAsync("runs/log-inputs", MlflowJson.Write((runId, inputs), static (w, s) =>
        {
            w.WriteString("run_id", s.runId);
            w.WriteStartArray("datasets");
            foreach (var d in s.inputs)
            {
                w.WriteStartObject();
                MlflowJson.WriteTags(w, "tags", d.Tags);
                w.WriteStartObject("dataset");
                w.WriteString("name", d.Name);
                w.WriteString("digest", d.Digest);
                w.WriteString("source_type", d.SourceType);
                w.WriteString("source", d.Source);
                WriteIfSet(w, "schema", d.Schema);
                WriteIfSet(w, "profile", d.Profile);
                w.WriteEndObject();
                w.WriteEndObject();
            }

            w.WriteEndArray();
        }), cancellationToken);
    }

    /// <summary>Reads a metric's history (<c>GET metrics/get-history</c>).</summary>
    /// <param name="runId">The run.</param>
    /// <param name="key">The metric key.</param>
    /// <param name="maxResults">Page size, or <see langword="null"/> for every point.</param>
    /// <param name="pageToken">A token from a previous page, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>One page of points.</returns>
    public async Task<Page<Metric>> GetMetricHistoryAsync(string runId, string key, int? maxResults = null, string? pageToken = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runId);
        ArgumentNullException.ThrowIfNull(key);
        var query = new List<KeyValuePair<string, string>> { new("run_id", runId), new("metric_key", key) };
        if (pageToken is not null)
        {
            query.Add(new("page_token", pageToken));
        }

        if (maxResults is { } max)
        {
            query.Add(new("max_results", max.ToString(CultureInfo.InvariantCulture)));
        }

        using var doc = await GetAsync("metrics/get-history", query, cancellationToken).ConfigureAwait(false);
        var items = MlflowJson.Array(doc.RootElement, "metrics").Select(MlflowJson.ReadMetric).ToList();
        return new Page<Metric>(items, NextToken(doc.RootElement));
    }

    /// <summary>Reads a down-sampled history of one metric over several runs (<c>GET metrics/get-history-bulk-interval</c>, MLflow 2.11+).</summary>
    /// <param name="runIds">The runs (at most 100).</param>
    /// <param name="key">The metric key.</param>
    /// <param name="startStep">The first step, or <see langword="null"/> (give both steps or neither).</param>
    /// <param name="endStep">The last step, or <see langword="null"/>.</param>
    /// <param name="maxResults">Points per run (1 to 2500), or <see langword="null"/> for the server's default.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The points, each with its run id.</returns>
    public async Task<IReadOnlyList<(string RunId, Metric Metric)>> GetMetricHistoryBulkIntervalAsync(IReadOnlyList<string> runIds, string key, long? startStep = null, long? endStep = null, int? maxResults = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runIds);
        ArgumentNullException.ThrowIfNull(key);
        var query = runIds.Select(r => new KeyValuePair<string, string>("run_ids", r)).ToList();
        query.Add(new("metric_key", key));
        if (startStep is { } s)
        {
            query.Add(new("start_step", s.ToString(CultureInfo.InvariantCulture)));
        }

        if (endStep is { } e)
        {
            query.Add(new("end_step", e.ToString(CultureInfo.InvariantCulture)));
        }

        if (maxResults is { } m)
        {
            query.Add(new("max_results", m.ToString(CultureInfo.InvariantCulture)));
        }

        using var doc = await GetAsync("metrics/get-history-bulk-interval", query, cancellationToken).ConfigureAwait(false);
        return MlflowJson.Array(doc.RootElement, "metrics").Select(x => (MlflowJson.Str(x, "run_id") ?? string.Empty, MlflowJson.ReadMetric(x))).ToList();
    }

    // ---------------------------------------------------------------- batching

    /// <summary>
    /// Splits a batch into request bodies within MLflow's limits, as MLflow's Python client does: each request takes up to
    /// 100 params, then up to 100 tags, then fills up with metrics (at most 1000, and 1000 entities in all), and also stays
    /// under 1 MB. Order within each kind is kept. Each item is serialized exactly once.
    /// </summary>
    internal static IEnumerable<byte[]> SplitBatch(string runId, ReadOnlyMemory<Metric> metrics, IReadOnlyList<Param>? parameters, IReadOnlyList<RunTag>? tags)
    {
        var scratch = new ArrayBufferWriter<byte>(256);
        parameters ??= [];
        tags ??= [];
        var ps = new List<byte[]>();
        var ts = new List<byte[]>();
        var ms = new List<byte[]>();
        int pi = 0, ti = 0, mi = 0;
        var runIdBytes = Serialize(scratch, runId, static (w, s) => w.WriteStringValue(s)).Length;

        // {"run_id":<id>,"metrics":[...],"params":[...],"tags":[...]}: fixed overhead plus one comma per item.
        const int Fixed = 12 + 13 + 12 + 10;
        while (pi < parameters.Count || ti < tags.Count || mi < metrics.Length)
        {
            var size = Fixed + runIdBytes;
            var count = 0;

            bool Fits(int itemBytes) => count == 0 || (count < MaxEntitiesPerBatch && size + itemBytes + 1 <= MaxBatchRequestBytes);

            while (pi < parameters.Count && ps.Count < MaxParamsTagsPerBatch)
            {
                var item = Serialize(scratch, parameters[pi], static (w, s) => MlflowJson.WriteKeyValue(w, s.Key, s.Value));
                if (!Fits(item.Length))
                {
                    break;
                }

                ps.Add(item);
                size += item.Length + 1;
                count++;
                pi++;
            }

            while (ti < tags.Count && ts.Count < MaxParamsTagsPerBatch)
            {
                var item = Serialize(scratch, tags[ti], static (w, s) => MlflowJson.WriteKeyValue(w, s.Key, s.Value));
                if (!Fits(item.Length))
                {
                    break;
                }

                ts.Add(item);
                size += item.Length + 1;
                count++;
                ti++;
            }

            while (mi < metrics.Length && ms.Count < MaxMetricsPerBatch)
            {
                var item = Serialize(scratch, metrics.Span[mi], static (w, s) => MlflowJson.WriteMetric(w, s));
                if (!Fits(item.Length))
                {
                    break;
                }

                ms.Add(item);
                size += item.Length + 1;
                count++;
                mi++;
            }

            yield return ComposeBatch(runId, ms, ps, ts);
            ps.Clear();
            ts.Clear();
            ms.Clear();
        }
    }

    private static byte[] ComposeBatch(string runId, List<byte[]> metrics, List<byte[]> parameters, List<byte[]> tags) =>
        MlflowJson.Write((runId, metrics, parameters, tags), static (w, s) =>
        {
            w.WriteString("run_id", s.runId);
            WriteRaw(w, "metrics", s.metrics);
            WriteRaw(w, "params", s.parameters);
            WriteRaw(w, "tags", s.tags);
        });

    private static void WriteRaw(Utf8JsonWriter writer, string name, List<byte[]> items)
    {
        if (items.Count == 0)
        {
            return;
        }

        writer.WriteStartArray(name);
        foreach (var item in items)
        {
            writer.WriteRawValue(item, skipInputValidation: true);
        }

        writer.WriteEndArray();
    }

    private static byte[] Serialize<T>(ArrayBufferWriter<byte> scratch, T state, Action<Utf8JsonWriter, T> write)
    {
        scratch.ResetWrittenCount();
        using (var writer = new Utf8JsonWriter(scratch, MlflowJson.WriterOptions))
        {
            write(writer, state);
        }

        return scratch.WrittenSpan.ToArray();
    }

    // ---------------------------------------------------------------- transport

    internal Task<JsonDocument> PostAsync(string endpoint, byte[] body, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, endpoint, null, body, cancellationToken);

    internal Task<JsonDocument> GetAsync(string endpoint, IReadOnlyList<KeyValuePair<string, string>> query, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, endpoint, query, null, cancellationToken);

    private async Task PostEmptyAsync(string endpoint, byte[] body, CancellationToken cancellationToken)
    {
        using var doc = await SendAsync(HttpMethod.Post, endpoint, null, body, cancellationToken).ConfigureAwait(false);
    }

    internal async Task<JsonDocument> SendAsync(HttpMethod method, string endpoint, IReadOnlyList<KeyValuePair<string, string>>? query, byte[]? body, CancellationToken cancellationToken)
    {
        var address = _apiBase + endpoint + BuildQuery(query);
        using var request = new HttpRequestMessage(method, address);
        if (body is not null)
        {
            var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            request.Content = content;
        }

        using var response = await SendRawAsync(request, endpoint, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            if (response.Content.Headers.ContentLength == 0)
            {
                return JsonDocument.Parse("{}");
            }

            try
            {
                return await JsonDocument.ParseAsync(stream, default, cancellationToken).ConfigureAwait(false);
            }
            catch (JsonException ex)
            {
                throw new MlflowException("BAD_RESPONSE", $"MLflow {method} {endpoint} returned a body that is not JSON; check that the tracking URI points at an MLflow server.", response.StatusCode, false, ex);
            }
        }
    }

    /// <summary>Sends a request with auth; returns a successful response or throws a mapped <see cref="MlflowException"/>.</summary>
    internal async Task<HttpResponseMessage> SendRawAsync(HttpRequestMessage request, string label, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        if (_auth is not null)
        {
            request.Headers.Authorization = _auth;
        }

        Interlocked.Increment(ref _requestCount);

        // Tells the resilience handler's retry rule (AddMlflow) whether this request may be re-sent after an unknown outcome.
        var context = Polly.ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(SafeToResendKey, request.Method == HttpMethod.Get || request.Method == HttpMethod.Head);
        request.SetResilienceContext(context);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, completion, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutException or OperationCanceledException or Polly.ExecutionRejectedException)
        {
            // Network failure or an open circuit: the server is unavailable; a timeout (attempt or total): deadline.
            var code = ex is HttpRequestException or Polly.CircuitBreaker.BrokenCircuitException ? MlflowErrorCode.TemporarilyUnavailable : "DEADLINE_EXCEEDED";
            Log.RequestFailed(_logger, request.Method.Method, label, 0, code);
            throw new MlflowTransientException(code, MlflowException.Describe(request.Method.Method, label, null, code, Scrub(ex.Message)), null);
        }
        finally
        {
            Polly.ResilienceContextPool.Shared.Return(context);
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            var (code, message) = await ReadErrorAsync(response, cancellationToken).ConfigureAwait(false);
            Log.RequestFailed(_logger, request.Method.Method, label, (int)response.StatusCode, code);
            var text = MlflowException.Describe(request.Method.Method, label, response.StatusCode, code, message);
            if (MlflowException.IsTransientResponse(response.StatusCode, code))
            {
                throw new MlflowTransientException(code, text, response.StatusCode, response.Headers.RetryAfter?.Delta);
            }

            throw new MlflowException(code, text, response.StatusCode, false);
        }
    }

    internal string ArtifactAddress(string path) =>
        path.Length == 0 ? _artifactsBase : _artifactsBase + "/" + string.Join('/', path.Split('/').Select(Uri.EscapeDataString));

    internal string ArtifactListAddress(string path) => _artifactsBase + (path.Length == 0 ? string.Empty : "?path=" + Uri.EscapeDataString(path));

    private async Task<(string Code, string Message)> ReadErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        string text;
        try
        {
            var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                var buffer = new byte[MaxErrorBodyBytes];
                var total = 0;
                int read;
                while (total < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(total), cancellationToken).ConfigureAwait(false)) > 0)
                {
                    total += read;
                }

                text = Encoding.UTF8.GetString(buffer, 0, total);
            }
        }
        catch (HttpRequestException)
        {
            text = string.Empty;
        }

        string? code = null;
        string? message = null;
        try
        {
            using var doc = JsonDocument.Parse(text);
            if (doc.RootElement.ValueKind == JsonValueKind.Object)
            {
                if (doc.RootElement.TryGetProperty("error_code", out var c))
                {
                    code = c.ValueKind == JsonValueKind.Number ? CodeForStatus((HttpStatusCode)c.GetInt32()) : c.GetString();
                }

                message = MlflowJson.Str(doc.RootElement, "message");
            }
        }
        catch (JsonException)
        {
            message = text.Length > 500 ? text[..500] : text;
        }

        // MLflow's client: a JSON body without error_code means INTERNAL_ERROR; a body that is not MLflow's (a proxy,
        // an auth layer) is mapped from the status (HTTP_STATUS_TO_ERROR_CODE).
        code ??= message is not null || text.TrimStart().StartsWith('{') ? MlflowErrorCode.InternalError : CodeForStatus(response.StatusCode);
        return (code, Scrub(message ?? response.ReasonPhrase ?? string.Empty));
    }

    /// <summary>MLflow's <c>HTTP_STATUS_TO_ERROR_CODE</c> for responses without an MLflow body (a proxy or an auth layer).</summary>
    internal static string CodeForStatus(HttpStatusCode status) => (int)status switch
    {
        400 => "BAD_REQUEST",
        401 => "UNAUTHENTICATED",
        403 => "PERMISSION_DENIED",
        404 => "ENDPOINT_NOT_FOUND",
        429 => "REQUEST_LIMIT_EXCEEDED",
        501 => "NOT_IMPLEMENTED",
        503 => MlflowErrorCode.TemporarilyUnavailable,
        504 => "DEADLINE_EXCEEDED",
        _ => MlflowErrorCode.InternalError,
    };

    private string Scrub(string text)
    {
        foreach (var secret in _secrets.Keys)
        {
            text = text.Replace(secret, "***", StringComparison.Ordinal);
        }

        return text;
    }

    private static string BuildQuery(IReadOnlyList<KeyValuePair<string, string>>? query)
    {
        if (query is null || query.Count == 0)
        {
            return string.Empty;
        }

        var sb = new StringBuilder("?");
        for (var i = 0; i < query.Count; i++)
        {
            if (i > 0)
            {
                sb.Append('&');
            }

            sb.Append(Uri.EscapeDataString(query[i].Key)).Append('=').Append(Uri.EscapeDataString(query[i].Value));
        }

        return sb.ToString();
    }

    private static string? NextToken(JsonElement root) => MlflowJson.Str(root, "next_page_token") is { Length: > 0 } t ? t : null;

    private static JsonElement Required(JsonElement root, string field) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.Object
            ? value
            : throw Malformed("response", field);

    private static MlflowException Malformed(string endpoint, string field) =>
        new("BAD_RESPONSE", $"MLflow {endpoint} returned no '{field}'; check that the tracking URI points at an MLflow server.", HttpStatusCode.OK, false);

    private static void WriteIfSet(Utf8JsonWriter w, string name, string? value)
    {
        if (value is not null)
        {
            w.WriteString(name, value);
        }
    }

    private static void WriteRunTags(Utf8JsonWriter w, IReadOnlyList<RunTag>? tags)
    {
        if (tags is null || tags.Count == 0)
        {
            return;
        }

        w.WriteStartArray("tags");
        foreach (var t in tags)
        {
            MlflowJson.WriteKeyValue(w, t.Key, t.Value);
        }

        w.WriteEndArray();
    }

    private static byte[] One(string name, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return MlflowJson.Write((name, value), static (w, s) => w.WriteString(s.name, s.value));
    }

    private static byte[] RunKeyValue(string runId, string key, string value)
    {
        ArgumentNullException.ThrowIfNull(runId);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        return MlflowJson.Write((runId, key, value), static (w, s) =>
        {
            w.WriteString("run_id", s.runId);
            w.WriteString("key", s.key);
            w.WriteString("value", s.value);
        });
    }
}

internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "MLflow {Method} {Endpoint} failed: HTTP {Status} {ErrorCode}")]
    public static partial void RequestFailed(ILogger logger, string method, string endpoint, int status, string errorCode);
}
