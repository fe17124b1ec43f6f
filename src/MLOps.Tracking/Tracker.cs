using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MLOps.Artifacts;
using MLOps.Runs;

namespace MLOps.Tracking;

/// <summary>
/// Starts and resumes runs, and answers questions about them: the entry point of experiment tracking.
/// </summary>
/// <example>
/// <code>
/// await using var run = await tracker.StartRunAsync("fraud-detection-v2");
/// run.LogParam("lr", 3e-4);
/// for (var epoch = 0; epoch &lt; 10; epoch++)
/// {
///     run.LogMetric("val_f1", Train(epoch), step: epoch);
/// }
/// await run.CompleteAsync();
/// var best = await tracker.FindBestRunAsync("fraud-detection-v2", "val_f1");
/// </code>
/// </example>
/// <remarks>Thread-safe. Disposing the tracker disposes the runs it still has open (see <see cref="TrackedRun.DisposeAsync"/>).</remarks>
public sealed class Tracker : IAsyncDisposable
{
    private readonly ConcurrentDictionary<TrackedRun, byte> _open = new();
    private readonly Lazy<RunContext> _context;
    private readonly bool _ownsStore;

    /// <summary>Creates a tracker over a store.</summary>
    /// <param name="store">Where runs are kept, for example a <see cref="Sqlite.SqliteTrackingStore"/>.</param>
    /// <param name="options">Flush, buffer and lineage options; <see langword="null"/> for the defaults.</param>
    /// <param name="artifacts">Where <see cref="TrackedRun.LogArtifactAsync(Stream, string, CancellationToken)"/> writes; <see langword="null"/> for none.</param>
    /// <param name="timeProvider">The clock for timestamps and flush timers; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <param name="loggerFactory">For <c>MLOps.Tracking</c> logs; none when <see langword="null"/>.</param>
    /// <param name="meterFactory">For the <c>MLOps.Tracking</c> meter; a standalone meter when <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">An option is out of range (the message lists each problem).</exception>
    public Tracker(ITrackingStore store, TrackerOptions? options = null, IArtifactStore? artifacts = null, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null, IMeterFactory? meterFactory = null)
        : this(store, options, artifacts, timeProvider, loggerFactory, meterFactory, ownsStore: false)
    {
    }

    internal Tracker(ITrackingStore store, TrackerOptions? options, IArtifactStore? artifacts, TimeProvider? timeProvider, ILoggerFactory? loggerFactory, IMeterFactory? meterFactory, bool ownsStore)
    {
        ArgumentNullException.ThrowIfNull(store);
        Options = options ?? new TrackerOptions();
        var problems = Options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", problems), nameof(options));
        }

        Store = store;
        Artifacts = artifacts;
        TimeProvider = timeProvider ?? TimeProvider.System;
        Logger = loggerFactory?.CreateLogger("MLOps.Tracking") ?? NullLogger.Instance;
        Metrics = new TrackingMetrics(meterFactory, BufferDepth);
        _ownsStore = ownsStore;
        _context = new Lazy<RunContext>(() => RunContext.Capture(new RunContextOptions
        {
            TimeProvider = TimeProvider,
            WorkingDirectory = Options.WorkingDirectory,
            IncludeCommandLine = Options.RecordCommandLine,
            IncludeUserName = Options.RecordUserName,
        }));
    }

    /// <summary>Gets the store runs are written to.</summary>
    public ITrackingStore Store { get; }

    /// <summary>Gets the artifact store, or <see langword="null"/>.</summary>
    public IArtifactStore? Artifacts { get; }

    /// <summary>Gets the options (do not change them after creating the tracker).</summary>
    public TrackerOptions Options { get; }

    internal TimeProvider TimeProvider { get; }

    internal ILogger Logger { get; }

    internal TrackingMetrics Metrics { get; }

    /// <summary>Starts a run in an experiment, creating the experiment when it does not exist.</summary>
    /// <param name="experimentName">The experiment, for example <c>fraud-detection-v2</c>.</param>
    /// <param name="runName">The run name; <see langword="null"/> for a generated one (<c>brave-otter-417</c>).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The running run; <c>await using</c> it.</returns>
    /// <exception cref="InvalidTrackingValueException">The experiment name is invalid.</exception>
    /// <exception cref="InvalidRunStateException">The experiment is deleted.</exception>
    public Task<TrackedRun> StartRunAsync(string experimentName, string? runName = null, CancellationToken cancellationToken = default) =>
        StartRunAsync(experimentName, runName, null, cancellationToken);

    /// <summary>Starts a run with initial tags, creating the experiment when it does not exist.</summary>
    /// <param name="experimentName">The experiment.</param>
    /// <param name="runName">The run name, or <see langword="null"/>.</param>
    /// <param name="tags">Tags set at creation (they win over lineage tags of the same key), or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The running run.</returns>
    public async Task<TrackedRun> StartRunAsync(string experimentName, string? runName, IReadOnlyDictionary<string, string>? tags, CancellationToken cancellationToken = default)
    {
        var experimentId = await GetOrCreateExperimentAsync(experimentName, cancellationToken).ConfigureAwait(false);
        return await StartRunInExperimentAsync(experimentId, runName, tags, null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reopens an existing run for logging: its status goes back to RUNNING and its end time is cleared on the next end.</summary>
    /// <param name="runId">The run id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The running run; params already logged stay immutable.</returns>
    /// <exception cref="TrackingResourceNotFoundException">No such run.</exception>
    /// <exception cref="InvalidRunStateException">The run is deleted.</exception>
    public async Task<TrackedRun> ResumeRunAsync(string runId, CancellationToken cancellationToken = default)
    {
        var existing = await Store.GetRunAsync(runId, cancellationToken).ConfigureAwait(false);
        var info = await Store.UpdateRunAsync(runId, new RunUpdate(RunStatus.Running), cancellationToken).ConfigureAwait(false);
        var run = new TrackedRun(this, info, existing.Params, null);
        _open[run] = 0;
        if (Options.LogSystemMetrics)
        {
            // Resume the system/ steps after the largest one logged, as MLflow does (from the latest values, not the history).
            long next = 0;
            foreach (var (key, metric) in existing.Metrics)
            {
                if (key.StartsWith("system/", StringComparison.Ordinal) && metric.Step >= next)
                {
                    next = metric.Step + 1;
                }
            }

            StartSystemMetrics(run, next);
        }

        Log.RunStarted(Logger, info.RunId, info.RunName, info.ExperimentId);
        return run;
    }

    /// <summary>Gets the id of the experiment with this name, creating it when there is none.</summary>
    /// <param name="experimentName">The experiment name.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The experiment id.</returns>
    /// <exception cref="InvalidRunStateException">The experiment exists but is deleted.</exception>
    public async Task<string> GetOrCreateExperimentAsync(string experimentName, CancellationToken cancellationToken = default)
    {
        Validation.ExperimentName(experimentName);
        var existing = await Store.GetExperimentByNameAsync(experimentName, cancellationToken).ConfigureAwait(false);
        if (existing is not null)
        {
            return existing.LifecycleStage == LifecycleStage.Active
                ? existing.ExperimentId
                : throw new InvalidRunStateException(MlflowErrorCode.InvalidState, existing.ExperimentId, $"Experiment '{experimentName}' (id {existing.ExperimentId}) is deleted. Restore it with RestoreExperimentAsync, or use another name.");
        }

        try
        {
            return await Store.CreateExperimentAsync(experimentName, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (ExperimentAlreadyExistsException)
        {
            // Another process created it in between.
            return (await Store.GetExperimentByNameAsync(experimentName, cancellationToken).ConfigureAwait(false))!.ExperimentId;
        }
    }

    /// <summary>Searches the runs of an experiment (by name) with MLflow's filter DSL.</summary>
    /// <param name="experimentName">The experiment.</param>
    /// <param name="filter">For example <c>metrics.val_f1 &gt; 0.8 and params.lr = '3e-4'</c>; <see langword="null"/> for all.</param>
    /// <param name="orderBy">For example <c>["metrics.val_f1 DESC"]</c>; <see langword="null"/> for newest first.</param>
    /// <param name="maxResults">The page size (1 to 50,000). Default 1000.</param>
    /// <param name="pageToken">The next page token of the previous page, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>One page of runs; an unknown experiment gives an empty page.</returns>
    /// <exception cref="FilterSyntaxException">The filter or order is invalid.</exception>
    public async Task<Page<Run>> SearchRunsAsync(string experimentName, string? filter = null, IReadOnlyList<string>? orderBy = null, int maxResults = 1000, string? pageToken = null, CancellationToken cancellationToken = default)
    {
        var experiment = await Store.GetExperimentByNameAsync(experimentName, cancellationToken).ConfigureAwait(false);
        return await Store.SearchRunsAsync(new RunSearch
        {
            ExperimentIds = experiment is null ? [] : [experiment.ExperimentId],
            Filter = filter,
            OrderBy = orderBy,
            MaxResults = maxResults,
            PageToken = pageToken,
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Finds the run of an experiment with the best latest value of a metric (runs without it, or with NaN, never win).</summary>
    /// <param name="experimentName">The experiment.</param>
    /// <param name="metricKey">The metric, for example <c>val_f1</c>.</param>
    /// <param name="maximize"><see langword="true"/> (default) for the highest value, <see langword="false"/> for the lowest (a loss).</param>
    /// <param name="filter">An extra filter, for example <c>attributes.status = 'FINISHED'</c>, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The best run, or <see langword="null"/> when no run has the metric.</returns>
    public async Task<Run?> FindBestRunAsync(string experimentName, string metricKey, bool maximize = true, string? filter = null, CancellationToken cancellationToken = default)
    {
        Validation.MetricKey(metricKey);
        var quoted = "`" + metricKey.Replace("`", "``", StringComparison.Ordinal) + "`";
        var page = await SearchRunsAsync(experimentName, filter, [$"metrics.{quoted} {(maximize ? "DESC" : "ASC")}"], 1, null, cancellationToken).ConfigureAwait(false);
        return page.Items.Count == 1 && page.Items[0].Metrics.TryGetValue(metricKey, out var m) && !double.IsNaN(m.Value) ? page.Items[0] : null;
    }

    /// <summary>Builds a params × metrics table across runs.</summary>
    /// <param name="runIds">The runs, in the order the table lists them.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The comparison.</returns>
    /// <exception cref="TrackingResourceNotFoundException">A run does not exist.</exception>
    public async Task<RunComparison> CompareRunsAsync(IReadOnlyList<string> runIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runIds);
        var runs = new List<Run>(runIds.Count);
        foreach (var id in runIds)
        {
            runs.Add(await Store.GetRunAsync(id, cancellationToken).ConfigureAwait(false));
        }

        var paramKeys = runs.SelectMany(r => r.Params.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var metricKeys = runs.SelectMany(r => r.Metrics.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        return new RunComparison(runs, paramKeys, metricKeys);
    }

    /// <summary>Disposes every run still open (see <see cref="TrackedRun.DisposeAsync"/>), then the store when the tracker created it.</summary>
    /// <returns>A task that completes when everything is flushed.</returns>
    public async ValueTask DisposeAsync()
    {
        foreach (var run in _open.Keys.ToArray())
        {
            await run.DisposeAsync().ConfigureAwait(false);
        }

        Metrics.Dispose();
        if (_ownsStore && Store is IDisposable disposable)
        {
            disposable.Dispose();
        }
    }

    internal async Task<TrackedRun> StartRunInExperimentAsync(string experimentId, string? runName, IReadOnlyDictionary<string, string>? tags, TrackedRun? parent, CancellationToken cancellationToken)
    {
        var all = new Dictionary<string, string>(StringComparer.Ordinal);
        if (Options.CaptureLineage)
        {
            AddLineage(all);
        }

        if (parent is not null)
        {
            all[MlflowTags.ParentRunId] = parent.RunId;
        }

        foreach (var (key, value) in tags ?? new Dictionary<string, string>())
        {
            all[key] = value;
        }

        if (runName is not null)
        {
            all.Remove(MlflowTags.RunName);
        }

        var info = await Store.CreateRunAsync(experimentId, runName, TimeProvider.GetUtcNow().ToUnixTimeMilliseconds(),
            all.Select(kv => new RunTag(kv.Key, kv.Value)).ToList(), cancellationToken).ConfigureAwait(false);
        var run = new TrackedRun(this, info, new Dictionary<string, string>(), parent);
        _open[run] = 0;
        if (Options.LogSystemMetrics && parent is null)
        {
            StartSystemMetrics(run, 0);
        }

        Log.RunStarted(Logger, info.RunId, info.RunName, info.ExperimentId);
        return run;
    }

    internal void Forget(TrackedRun run) => _open.TryRemove(run, out _);

    /// <summary>Gets or sets where system metrics come from; tests replace the default sources (/proc, this process, NVML).</summary>
    internal Func<ISystemMetricsSource[]>? SystemMetricsSources { get; set; }

    private void StartSystemMetrics(TrackedRun run, long firstStep)
    {
        var sources = SystemMetricsSources?.Invoke() ?? SystemMetricsMonitor.DefaultSources(Options.SystemMetrics, TimeProvider, Logger);
        run.StartSystemMetrics(Options.SystemMetrics, firstStep, sources);
    }

    private void AddLineage(Dictionary<string, string> tags)
    {
        var context = _context.Value;
        tags[MlflowTags.SourceType] = "LOCAL";
        if (context.CommandLine is { Count: > 0 } commandLine)
        {
            tags[MlflowTags.SourceName] = Truncate(commandLine[0]);
            tags[MlflowTags.CommandLine] = Truncate(string.Join(' ', commandLine));
        }
        else if (System.Reflection.Assembly.GetEntryAssembly()?.GetName().Name is { } entry)
        {
            tags[MlflowTags.SourceName] = entry;
        }

        if (context.UserName is { Length: > 0 } user)
        {
            tags[MlflowTags.User] = Truncate(user);
        }

        if (context.Git is { } git)
        {
            if (git.Commit is not null)
            {
                tags[MlflowTags.GitCommit] = git.Commit;
            }

            if (git.Branch is not null)
            {
                tags[MlflowTags.GitBranch] = Truncate(git.Branch);
            }

            if (git.IsDirty is { } dirty)
            {
                tags[MlflowTags.GitDirty] = dirty ? "true" : "false";
            }
        }

        tags[MlflowTags.Host] = Truncate(context.HostName);
        tags[MlflowTags.OperatingSystem] = Truncate(context.OSDescription);
        tags[MlflowTags.DotNet] = context.FrameworkDescription;

        // The seed is read per run: Seeds.Set may change it between runs of one process.
        if (Seeds.Current is { } seed)
        {
            tags[MlflowTags.Seed] = seed.Seed.ToString(CultureInfo.InvariantCulture);
            tags[MlflowTags.SeedSource] = seed.Source.ToString();
        }
    }

    private static string Truncate(string value) => value.Length <= TrackingLimits.MaxTagValueLength ? value : value[..TrackingLimits.MaxTagValueLength];

    private long BufferDepth()
    {
        long depth = 0;
        foreach (var run in _open.Keys)
        {
            depth += run.BufferDepth();
        }

        return depth;
    }
}
