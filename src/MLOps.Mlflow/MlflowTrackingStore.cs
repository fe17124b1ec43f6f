using MLOps.Tracking;

namespace MLOps.Mlflow;

/// <summary>
/// An <see cref="ITrackingStore"/> backed by an MLflow tracking server, so <see cref="Tracker"/> and
/// <see cref="TrackedRun"/> work against MLflow unchanged.
/// </summary>
/// <remarks>
/// <para>
/// Thread-safe. MLflow's errors become the suite's tracking exceptions: <c>RESOURCE_DOES_NOT_EXIST</c> →
/// <see cref="TrackingResourceNotFoundException"/>, <c>RESOURCE_ALREADY_EXISTS</c> (HTTP 400) on create →
/// <see cref="ExperimentAlreadyExistsException"/>, <c>INVALID_PARAMETER_VALUE</c> →
/// <see cref="InvalidTrackingValueException"/>, <c>INVALID_STATE</c> → <see cref="InvalidRunStateException"/>, everything
/// else → <see cref="TrackingException"/> with MLflow's code and <see cref="MLOpsException.IsTransient"/> (408, 429,
/// 5xx, network), the original <see cref="MlflowException"/> as the inner exception.
/// </para>
/// <para>
/// Differences from the embedded store: <see cref="LogBatchAsync"/> is split into requests within MLflow's limits
/// and is atomic only per request (MLflow's own <c>log-batch</c> may also write partially on error); filter errors
/// carry the server's message, not a position (<see cref="InvalidTrackingValueException"/>, not
/// <see cref="FilterSyntaxException"/>). A retried <c>log-batch</c> cannot duplicate points: MLflow's SQL store keys
/// metrics by <c>(key, timestamp, step, run, value)</c>, so re-sending the same points stores them once.
/// </para>
/// </remarks>
public sealed class MlflowTrackingStore : ITrackingStore
{
    private readonly MlflowClient _client;

    /// <summary>Initializes a new instance of the <see cref="MlflowTrackingStore"/> class.</summary>
    /// <param name="client">The REST client.</param>
    public MlflowTrackingStore(MlflowClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
    }

    /// <summary>Gets the REST client, for endpoints outside <see cref="ITrackingStore"/>.</summary>
    public MlflowClient Client => _client;

    /// <inheritdoc/>
    public async Task<string> CreateExperimentAsync(string name, string? artifactLocation = null, IReadOnlyList<RunTag>? tags = null, CancellationToken cancellationToken = default)
    {
        try
        {
            return await _client.CreateExperimentAsync(name, artifactLocation, tags, cancellationToken).ConfigureAwait(false);
        }
        catch (MlflowException ex) when (ex.ErrorCode == MlflowErrorCode.ResourceAlreadyExists)
        {
            throw new ExperimentAlreadyExistsException(name);
        }
        catch (MlflowException ex)
        {
            throw Map(ex, "experiment", name);
        }
    }

    /// <inheritdoc/>
    public Task<Experiment> GetExperimentAsync(string experimentId, CancellationToken cancellationToken = default) =>
        Call(static (c, s, ct) => c.GetExperimentAsync(s, ct), experimentId, "experiment", experimentId, cancellationToken);

    /// <inheritdoc/>
    public Task<Experiment?> GetExperimentByNameAsync(string name, CancellationToken cancellationToken = default) =>
        Call(static (c, s, ct) => c.GetExperimentByNameAsync(s, ct), name, "experiment", name, cancellationToken);

    /// <inheritdoc/>
    public Task<Page<Experiment>> SearchExperimentsAsync(ExperimentSearch search, CancellationToken cancellationToken = default) =>
        Call(static (c, s, ct) => c.SearchExperimentsAsync(s, ct), search, "filter", search?.Filter ?? string.Empty, cancellationToken);

    /// <inheritdoc/>
    public Task SetExperimentTagAsync(string experimentId, string key, string value, CancellationToken cancellationToken = default) =>
        Call(static async (c, s, ct) => { await c.SetExperimentTagAsync(s.experimentId, s.key, s.value, ct).ConfigureAwait(false); return true; }, (experimentId, key, value), "experiment", experimentId, cancellationToken);

    /// <inheritdoc/>
    public Task DeleteExperimentAsync(string experimentId, CancellationToken cancellationToken = default) =>
        Call(static async (c, s, ct) => { await c.DeleteExperimentAsync(s, ct).ConfigureAwait(false); return true; }, experimentId, "experiment", experimentId, cancellationToken);

    /// <inheritdoc/>
    public Task RestoreExperimentAsync(string experimentId, CancellationToken cancellationToken = default) =>
        Call(static async (c, s, ct) => { await c.RestoreExperimentAsync(s, ct).ConfigureAwait(false); return true; }, experimentId, "experiment", experimentId, cancellationToken);

    /// <inheritdoc/>
    public Task<RunInfo> CreateRunAsync(string experimentId, string? runName, long startTime, IReadOnlyList<RunTag>? tags = null, CancellationToken cancellationToken = default) =>
        Call(static (c, s, ct) => c.CreateRunAsync(s.experimentId, s.runName, s.startTime, s.tags, ct), (experimentId, runName, startTime, tags), "experiment", experimentId, cancellationToken);

    /// <inheritdoc/>
    public Task<RunInfo> UpdateRunAsync(string runId, RunUpdate update, CancellationToken cancellationToken = default) =>
        Call(static (c, s, ct) => c.UpdateRunAsync(s.runId, s.update, ct), (runId, update), "run", runId, cancellationToken);

    /// <inheritdoc/>
    public Task<Run> GetRunAsync(string runId, CancellationToken cancellationToken = default) =>
        Call(static (c, s, ct) => c.GetRunAsync(s, ct), runId, "run", runId, cancellationToken);

    /// <inheritdoc/>
    public Task DeleteRunAsync(string runId, CancellationToken cancellationToken = default) =>
        Call(static async (c, s, ct) => { await c.DeleteRunAsync(s, ct).ConfigureAwait(false); return true; }, runId, "run", runId, cancellationToken);

    /// <inheritdoc/>
    public Task RestoreRunAsync(string runId, CancellationToken cancellationToken = default) =>
        Call(static async (c, s, ct) => { await c.RestoreRunAsync(s, ct).ConfigureAwait(false); return true; }, runId, "run", runId, cancellationToken);

    /// <inheritdoc/>
    public Task LogBatchAsync(string runId, ReadOnlyMemory<Metric> metrics, IReadOnlyList<Param>? parameters = null, IReadOnlyList<RunTag>? tags = null, CancellationToken cancellationToken = default) =>
        Call(static (c, s, ct) => c.LogBatchAsync(s.runId, s.metrics, s.parameters, s.tags, ct), (runId, metrics, parameters, tags), "run", runId, cancellationToken);

    /// <inheritdoc/>
    public Task DeleteTagAsync(string runId, string key, CancellationToken cancellationToken = default) =>
        Call(static async (c, s, ct) => { await c.DeleteTagAsync(s.runId, s.key, ct).ConfigureAwait(false); return true; }, (runId, key), "tag", key, cancellationToken);

    /// <inheritdoc/>
    public Task LogInputsAsync(string runId, IReadOnlyList<DatasetInput> inputs, CancellationToken cancellationToken = default) =>
        Call(static async (c, s, ct) => { await c.LogInputsAsync(s.runId, s.inputs, ct).ConfigureAwait(false); return true; }, (runId, inputs), "run", runId, cancellationToken);

    /// <inheritdoc/>
    public Task<Page<Metric>> GetMetricHistoryAsync(string runId, string key, int? maxResults = null, string? pageToken = null, CancellationToken cancellationToken = default) =>
        Call(static (c, s, ct) => c.GetMetricHistoryAsync(s.runId, s.key, s.maxResults, s.pageToken, ct), (runId, key, maxResults, pageToken), "run", runId, cancellationToken);

    /// <inheritdoc/>
    public Task<Page<Run>> SearchRunsAsync(RunSearch search, CancellationToken cancellationToken = default) =>
        Call(static (c, s, ct) => c.SearchRunsAsync(s, ct), search, "filter", search?.Filter ?? string.Empty, cancellationToken);

    private async Task<TResult> Call<TState, TResult>(Func<MlflowClient, TState, CancellationToken, Task<TResult>> call, TState state, string resource, string id, CancellationToken cancellationToken)
    {
        try
        {
            return await call(_client, state, cancellationToken).ConfigureAwait(false);
        }
        catch (MlflowException ex)
        {
            throw Map(ex, resource, id);
        }
    }

    /// <summary>Maps an MLflow error to the tracking exception the embedded store would throw.</summary>
    internal static TrackingException Map(MlflowException ex, string resource, string id) => ex.ErrorCode switch
    {
        MlflowErrorCode.ResourceDoesNotExist => new TrackingResourceNotFoundException(resource, id, ex.Message),

        // MLflow's _check_run_is_active / _check_experiment_is_active answer INVALID_PARAMETER_VALUE ("must be in the
        // 'active' state"); the embedded store calls the same condition InvalidRunStateException.
        MlflowErrorCode.InvalidParameterValue when ex.Message.Contains("must be in the 'active' state", StringComparison.Ordinal) => new InvalidRunStateException(ex.ErrorCode, id, ex.Message),
        MlflowErrorCode.InvalidParameterValue => new InvalidTrackingValueException(resource, id, ex.Message),
        MlflowErrorCode.InvalidState => new InvalidRunStateException(ex.ErrorCode, id, ex.Message),
        _ => new TrackingException(ex.ErrorCode, ex.Message, ex.IsTransient, ex),
    };
}
