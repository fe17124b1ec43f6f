namespace MLOps.Tracking;

/// <summary>A run's status, with MLflow's numeric values.</summary>
public enum RunStatus
{
    /// <summary>The run is in progress.</summary>
    Running = 1,

    /// <summary>The run is scheduled but not started.</summary>
    Scheduled = 2,

    /// <summary>The run ended successfully.</summary>
    Finished = 3,

    /// <summary>The run ended with an error.</summary>
    Failed = 4,

    /// <summary>The run was interrupted (or disposed without being completed).</summary>
    Killed = 5,
}

/// <summary>Whether an experiment or run is active or soft-deleted (MLflow's <c>lifecycle_stage</c>).</summary>
public enum LifecycleStage
{
    /// <summary><c>active</c>.</summary>
    Active,

    /// <summary><c>deleted</c>: hidden from searches by default, can be restored.</summary>
    Deleted,
}

/// <summary>Which lifecycle stages a search returns (MLflow's <c>ViewType</c>).</summary>
public enum ViewType
{
    /// <summary>Active only (the default).</summary>
    ActiveOnly = 1,

    /// <summary>Deleted only.</summary>
    DeletedOnly = 2,

    /// <summary>Both.</summary>
    All = 3,
}

/// <summary>One metric point: key, value (NaN and ±∞ allowed), timestamp in Unix milliseconds, step.</summary>
/// <param name="Key">The metric key.</param>
/// <param name="Value">The value.</param>
/// <param name="Timestamp">When it was measured, Unix epoch milliseconds (non-negative).</param>
/// <param name="Step">The step (an epoch or batch index; may be negative).</param>
public readonly record struct Metric(string Key, double Value, long Timestamp, long Step)
{
    /// <summary>
    /// Tells whether this point is "later" than another under MLflow's rule for the latest value of a key:
    /// the larger <c>(Step, Timestamp, Value)</c> tuple wins. A NaN value ranks below every number.
    /// </summary>
    /// <param name="other">The point to compare with.</param>
    /// <returns><see langword="true"/> when this point replaces <paramref name="other"/> as the latest.</returns>
    public bool IsLaterThan(in Metric other)
    {
        if (Step != other.Step)
        {
            return Step > other.Step;
        }

        if (Timestamp != other.Timestamp)
        {
            return Timestamp > other.Timestamp;
        }

        if (double.IsNaN(Value))
        {
            return false;
        }

        return double.IsNaN(other.Value) || Value > other.Value;
    }
}

/// <summary>A param: an immutable key/value pair of a run.</summary>
/// <param name="Key">The key.</param>
/// <param name="Value">The value (up to 6000 characters).</param>
public sealed record Param(string Key, string Value);

/// <summary>A tag of a run or experiment: a mutable key/value pair.</summary>
/// <param name="Key">The key.</param>
/// <param name="Value">The value (up to 8000 characters for runs, 5000 for experiments).</param>
public sealed record RunTag(string Key, string Value);

/// <summary>An experiment: a named group of runs.</summary>
public sealed record Experiment
{
    /// <summary>Gets the id (a decimal integer string; the default experiment is <c>0</c>).</summary>
    public required string ExperimentId { get; init; }

    /// <summary>Gets the unique name.</summary>
    public required string Name { get; init; }

    /// <summary>Gets the artifact location: the logical folder, in the artifact store, under which runs keep their artifacts.</summary>
    public required string ArtifactLocation { get; init; }

    /// <summary>Gets whether the experiment is active or deleted.</summary>
    public required LifecycleStage LifecycleStage { get; init; }

    /// <summary>Gets when it was created, Unix milliseconds.</summary>
    public required long CreationTime { get; init; }

    /// <summary>Gets when it was last changed, Unix milliseconds.</summary>
    public required long LastUpdateTime { get; init; }

    /// <summary>Gets the experiment tags.</summary>
    public required IReadOnlyDictionary<string, string> Tags { get; init; }
}

/// <summary>A run's metadata (MLflow's <c>RunInfo</c>).</summary>
public sealed record RunInfo
{
    /// <summary>Gets the run id: 32 lowercase hex digits.</summary>
    public required string RunId { get; init; }

    /// <summary>Gets the run name.</summary>
    public required string RunName { get; init; }

    /// <summary>Gets the experiment id.</summary>
    public required string ExperimentId { get; init; }

    /// <summary>Gets the user id (MLflow keeps it also as the <c>mlflow.user</c> tag), or <see langword="null"/>.</summary>
    public string? UserId { get; init; }

    /// <summary>Gets the status.</summary>
    public required RunStatus Status { get; init; }

    /// <summary>Gets the start time, Unix milliseconds.</summary>
    public required long StartTime { get; init; }

    /// <summary>Gets the end time, Unix milliseconds, or <see langword="null"/> while the run has not ended.</summary>
    public long? EndTime { get; init; }

    /// <summary>Gets the artifact root of the run: a logical folder in the artifact store (<c>&lt;experiment artifact location&gt;/&lt;run id&gt;/artifacts</c>).</summary>
    public required string ArtifactUri { get; init; }

    /// <summary>Gets whether the run is active or deleted.</summary>
    public required LifecycleStage LifecycleStage { get; init; }
}

/// <summary>A dataset a run used, as MLflow records it (<c>DatasetInput</c>), with its input tags.</summary>
public sealed record DatasetInput
{
    /// <summary>Gets the dataset name.</summary>
    public required string Name { get; init; }

    /// <summary>Gets the digest (up to 36 characters; for a Core fingerprint, the first 36 hex digits of its SHA-256).</summary>
    public required string Digest { get; init; }

    /// <summary>Gets the source type, for example <c>local</c>.</summary>
    public required string SourceType { get; init; }

    /// <summary>Gets the source (JSON, for example <c>{"uri":"/data/train.parquet"}</c>).</summary>
    public required string Source { get; init; }

    /// <summary>Gets the schema (JSON), or <see langword="null"/>.</summary>
    public string? Schema { get; init; }

    /// <summary>Gets the profile (JSON, for example the full SHA-256, size and row count), or <see langword="null"/>.</summary>
    public string? Profile { get; init; }

    /// <summary>Gets the input tags; <c>mlflow.data.context</c> holds the context (<c>training</c>, <c>validation</c>, ...).</summary>
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();

    /// <summary>Gets the context tag (<c>mlflow.data.context</c>), or <see langword="null"/>.</summary>
    public string? Context => Tags.TryGetValue(MlflowTags.DatasetContext, out var c) ? c : null;
}

/// <summary>A run with its data: latest metrics, params, tags and dataset inputs (MLflow's <c>Run</c>).</summary>
public sealed record Run
{
    /// <summary>Gets the metadata.</summary>
    public required RunInfo Info { get; init; }

    /// <summary>Gets the latest value of each metric key (MLflow's rule: highest <c>(step, timestamp, value)</c>).</summary>
    public required IReadOnlyDictionary<string, Metric> Metrics { get; init; }

    /// <summary>Gets the params.</summary>
    public required IReadOnlyDictionary<string, string> Params { get; init; }

    /// <summary>Gets the tags, lineage tags included.</summary>
    public required IReadOnlyDictionary<string, string> Tags { get; init; }

    /// <summary>Gets the dataset inputs.</summary>
    public required IReadOnlyList<DatasetInput> Inputs { get; init; }
}

/// <summary>One page of results and the token for the next page.</summary>
/// <typeparam name="T">The item type.</typeparam>
/// <param name="Items">The items of this page.</param>
/// <param name="NextPageToken">An opaque token for the next page, or <see langword="null"/> on the last page. Never parse it.</param>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextPageToken);

/// <summary>What <see cref="ITrackingStore.SearchRunsAsync"/> looks for.</summary>
public sealed record RunSearch
{
    /// <summary>Gets the experiments to search. Required, at least one.</summary>
    public required IReadOnlyList<string> ExperimentIds { get; init; }

    /// <summary>Gets the MLflow filter, for example <c>metrics.f1 &gt; 0.8 and params.lr = '3e-4'</c>; <see langword="null"/> for all runs.</summary>
    public string? Filter { get; init; }

    /// <summary>Gets the order, for example <c>["metrics.f1 DESC"]</c>. Missing values sort last either way. Then <c>start_time DESC, run_id</c>.</summary>
    public IReadOnlyList<string>? OrderBy { get; init; }

    /// <summary>Gets the page size. Default 1000 (MLflow's); at most 50,000.</summary>
    public int MaxResults { get; init; } = 1000;

    /// <summary>Gets the token of the page to read, from a previous result, or <see langword="null"/> for the first.</summary>
    public string? PageToken { get; init; }

    /// <summary>Gets which lifecycle stages to include. Default: active only.</summary>
    public ViewType ViewType { get; init; } = ViewType.ActiveOnly;
}

/// <summary>What <see cref="ITrackingStore.SearchExperimentsAsync"/> looks for.</summary>
public sealed record ExperimentSearch
{
    /// <summary>Gets the filter over <c>name</c>, <c>creation_time</c>, <c>last_update_time</c> and <c>tags.&lt;key&gt;</c>, or <see langword="null"/>.</summary>
    public string? Filter { get; init; }

    /// <summary>Gets the order over <c>name</c>, <c>experiment_id</c>, <c>creation_time</c>, <c>last_update_time</c>. Default: <c>last_update_time DESC</c>, then <c>experiment_id DESC</c>.</summary>
    public IReadOnlyList<string>? OrderBy { get; init; }

    /// <summary>Gets the page size. Default 1000, at most 50,000.</summary>
    public int MaxResults { get; init; } = 1000;

    /// <summary>Gets the page token, or <see langword="null"/> for the first page.</summary>
    public string? PageToken { get; init; }

    /// <summary>Gets which lifecycle stages to include. Default: active only.</summary>
    public ViewType ViewType { get; init; } = ViewType.ActiveOnly;
}

/// <summary>Fields to change on a run (MLflow's <c>UpdateRun</c>): only non-null ones change.</summary>
/// <param name="Status">The new status.</param>
/// <param name="EndTime">The end time, Unix milliseconds.</param>
/// <param name="RunName">The new name (also sets the <c>mlflow.runName</c> tag).</param>
public sealed record RunUpdate(RunStatus? Status = null, long? EndTime = null, string? RunName = null);

/// <summary>A params × metrics table across runs, for comparing them side by side.</summary>
/// <param name="Runs">The runs, in the order asked for.</param>
/// <param name="ParamKeys">Every param key any of the runs has, sorted ordinally.</param>
/// <param name="MetricKeys">Every metric key any of the runs has, sorted ordinally.</param>
public sealed record RunComparison(IReadOnlyList<Run> Runs, IReadOnlyList<string> ParamKeys, IReadOnlyList<string> MetricKeys)
{
    /// <summary>Gets a run's param, or <see langword="null"/> when it has none under that key.</summary>
    /// <param name="runIndex">The index into <see cref="Runs"/>.</param>
    /// <param name="key">The param key.</param>
    /// <returns>The value or <see langword="null"/>.</returns>
    public string? Param(int runIndex, string key) => Runs[runIndex].Params.TryGetValue(key, out var v) ? v : null;

    /// <summary>Gets a run's latest metric value, or <see langword="null"/> when it has none under that key.</summary>
    /// <param name="runIndex">The index into <see cref="Runs"/>.</param>
    /// <param name="key">The metric key.</param>
    /// <returns>The value or <see langword="null"/>.</returns>
    public double? Metric(int runIndex, string key) => Runs[runIndex].Metrics.TryGetValue(key, out var m) ? m.Value : null;
}
