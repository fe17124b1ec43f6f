namespace MLOps.Tracking;

/// <summary>
/// A tracking backend with MLflow's data model and semantics: the embedded <see cref="Sqlite.SqliteTrackingStore"/>,
/// or (in a later package) an MLflow tracking server. Every method validates with MLflow's rules and throws a
/// <see cref="TrackingException"/> whose <see cref="TrackingException.ErrorCode"/> is the code MLflow would return.
/// </summary>
/// <remarks>Implementations are thread-safe.</remarks>
public interface ITrackingStore
{
    /// <summary>Creates an experiment.</summary>
    /// <param name="name">A unique name (at most 500 characters).</param>
    /// <param name="artifactLocation">The logical artifact folder; <see langword="null"/> for <c>experiments/&lt;id&gt;</c>.</param>
    /// <param name="tags">Experiment tags, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The new experiment id.</returns>
    /// <exception cref="ExperimentAlreadyExistsException">The name is taken, by an active or a deleted experiment.</exception>
    /// <exception cref="InvalidTrackingValueException">The name or a tag is invalid.</exception>
    Task<string> CreateExperimentAsync(string name, string? artifactLocation = null, IReadOnlyList<RunTag>? tags = null, CancellationToken cancellationToken = default);

    /// <summary>Gets an experiment by id, deleted or not.</summary>
    /// <param name="experimentId">The id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The experiment.</returns>
    /// <exception cref="TrackingResourceNotFoundException">No such experiment.</exception>
    Task<Experiment> GetExperimentAsync(string experimentId, CancellationToken cancellationToken = default);

    /// <summary>Gets an experiment by name (an active one before a deleted one), or <see langword="null"/>.</summary>
    /// <param name="name">The name.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The experiment or <see langword="null"/>.</returns>
    Task<Experiment?> GetExperimentByNameAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Searches experiments.</summary>
    /// <param name="search">Filter, order, paging.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>One page.</returns>
    /// <exception cref="FilterSyntaxException">The filter or order is invalid.</exception>
    Task<Page<Experiment>> SearchExperimentsAsync(ExperimentSearch search, CancellationToken cancellationToken = default);

    /// <summary>Sets (or overwrites) an experiment tag. The experiment must be active.</summary>
    /// <param name="experimentId">The experiment.</param>
    /// <param name="key">The key.</param>
    /// <param name="value">The value (at most 5000 characters).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when stored.</returns>
    Task SetExperimentTagAsync(string experimentId, string key, string value, CancellationToken cancellationToken = default);

    /// <summary>Soft-deletes an experiment and its runs. The default experiment <c>0</c> cannot be deleted.</summary>
    /// <param name="experimentId">The experiment.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when stored.</returns>
    Task DeleteExperimentAsync(string experimentId, CancellationToken cancellationToken = default);

    /// <summary>Restores a deleted experiment and the runs its deletion hid.</summary>
    /// <param name="experimentId">The experiment.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when stored.</returns>
    Task RestoreExperimentAsync(string experimentId, CancellationToken cancellationToken = default);

    /// <summary>Creates a run with status <see cref="RunStatus.Running"/>. The experiment must be active.</summary>
    /// <param name="experimentId">The experiment.</param>
    /// <param name="runName">The name; when <see langword="null"/>, the <c>mlflow.runName</c> tag's, or a generated one.</param>
    /// <param name="startTime">The start time, Unix milliseconds.</param>
    /// <param name="tags">Initial tags, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The new run's metadata.</returns>
    /// <exception cref="InvalidTrackingValueException">The name and the <c>mlflow.runName</c> tag differ, or a tag is invalid.</exception>
    /// <exception cref="InvalidRunStateException">The experiment is deleted.</exception>
    Task<RunInfo> CreateRunAsync(string experimentId, string? runName, long startTime, IReadOnlyList<RunTag>? tags = null, CancellationToken cancellationToken = default);

    /// <summary>Changes a run's status, end time or name. The run must be active.</summary>
    /// <param name="runId">The run.</param>
    /// <param name="update">The fields to change.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The updated metadata.</returns>
    Task<RunInfo> UpdateRunAsync(string runId, RunUpdate update, CancellationToken cancellationToken = default);

    /// <summary>Gets a run with its latest metrics, params, tags and inputs; deleted runs too.</summary>
    /// <param name="runId">The run.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The run.</returns>
    /// <exception cref="TrackingResourceNotFoundException">No such run.</exception>
    Task<Run> GetRunAsync(string runId, CancellationToken cancellationToken = default);

    /// <summary>Soft-deletes a run.</summary>
    /// <param name="runId">The run.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when stored.</returns>
    Task DeleteRunAsync(string runId, CancellationToken cancellationToken = default);

    /// <summary>Restores a deleted run.</summary>
    /// <param name="runId">The run.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when stored.</returns>
    Task RestoreRunAsync(string runId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Logs metrics, params and tags to an active run, atomically: validated first against MLflow's rules
    /// (at most 1000 metrics, 100 params, 100 tags, 1000 in all), and when any item is rejected nothing is written.
    /// Identical metric points are stored once; params are immutable; tags are last-wins.
    /// </summary>
    /// <param name="runId">The run.</param>
    /// <param name="metrics">Metric points.</param>
    /// <param name="parameters">Params, or <see langword="null"/>.</param>
    /// <param name="tags">Tags, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when stored.</returns>
    /// <exception cref="InvalidTrackingValueException">A rule was broken (<see cref="ParamValueChangedException"/> for a changed param).</exception>
    Task LogBatchAsync(string runId, ReadOnlyMemory<Metric> metrics, IReadOnlyList<Param>? parameters = null, IReadOnlyList<RunTag>? tags = null, CancellationToken cancellationToken = default);

    /// <summary>Deletes a run tag.</summary>
    /// <param name="runId">The run.</param>
    /// <param name="key">The key.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when stored.</returns>
    /// <exception cref="TrackingResourceNotFoundException">The run has no such tag.</exception>
    Task DeleteTagAsync(string runId, string key, CancellationToken cancellationToken = default);

    /// <summary>Records dataset inputs of a run (the same dataset name and digest twice is stored once).</summary>
    /// <param name="runId">The run.</param>
    /// <param name="inputs">The datasets (at most 1000).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when stored.</returns>
    Task LogInputsAsync(string runId, IReadOnlyList<DatasetInput> inputs, CancellationToken cancellationToken = default);

    /// <summary>Reads the full history of one metric of a run, ordered by step, then timestamp, then value.</summary>
    /// <param name="runId">The run.</param>
    /// <param name="key">The metric key.</param>
    /// <param name="maxResults">Page size, at most 25,000; <see langword="null"/> for every point in one page.</param>
    /// <param name="pageToken">A token from a previous page, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>One page of points.</returns>
    Task<Page<Metric>> GetMetricHistoryAsync(string runId, string key, int? maxResults = null, string? pageToken = null, CancellationToken cancellationToken = default);

    /// <summary>Searches runs with MLflow's filter DSL, <c>order_by</c> and paging.</summary>
    /// <param name="search">Experiments, filter, order, paging, view type.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>One page of runs with their data.</returns>
    /// <exception cref="FilterSyntaxException">The filter or order is invalid (with the position of the problem).</exception>
    Task<Page<Run>> SearchRunsAsync(RunSearch search, CancellationToken cancellationToken = default);
}
