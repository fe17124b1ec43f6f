namespace MLOps.Tracking;

/// <summary>What <see cref="TrackedRun.LogMetric(string, double, long)"/> does when the run's buffer is full.</summary>
public enum BackpressureMode
{
    /// <summary>Block the logging thread until the flusher makes room, up to <see cref="TrackerOptions.BackpressureTimeout"/>, then throw <see cref="TrackingBufferFullException"/>. Nothing is lost silently. The default.</summary>
    Wait,

    /// <summary>Drop the point and count it (<see cref="TrackedRun.PointsDropped"/>, metric <c>mlops.tracking.points.dropped</c>, a warning log). Never blocks.</summary>
    Drop,

    /// <summary>Throw <see cref="TrackingBufferFullException"/> at once. Never blocks.</summary>
    Throw,
}

/// <summary>Options of <see cref="Tracker"/> and the runs it starts. Validated by <see cref="Validate"/> when a tracker is created.</summary>
public sealed class TrackerOptions
{
    /// <summary>
    /// Gets or sets how often the background flusher writes what is buffered. Default: 1 second. This bounds what
    /// a hard crash (SIGKILL, power cut of the process) can lose: the points logged since the last completed flush.
    /// Range: 1 ms to 1 hour.
    /// </summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets how many buffered points wake the flusher before the interval ends. Default: 10,000. Range: 1 to <see cref="BufferCapacity"/>.</summary>
    public int FlushBatchSize { get; set; } = 10_000;

    /// <summary>
    /// Gets or sets the most points one run buffers while a flush is being written (one more buffer of up to this
    /// size is being written). Default: 100,000 (3.2 MB). Range: 16 to 16,777,216. Also bounds pending params and tags.
    /// </summary>
    public int BufferCapacity { get; set; } = 100_000;

    /// <summary>Gets or sets what happens when the buffer is full. Default: <see cref="BackpressureMode.Wait"/>.</summary>
    public BackpressureMode Backpressure { get; set; } = BackpressureMode.Wait;

    /// <summary>Gets or sets how long <see cref="BackpressureMode.Wait"/> blocks (wall-clock time) before throwing. Default: 30 seconds. Must be positive.</summary>
    public TimeSpan BackpressureTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Gets or sets the status a run still running gets when it is disposed without <see cref="TrackedRun.CompleteAsync"/>
    /// or <see cref="TrackedRun.FailAsync"/>. Default: <see cref="RunStatus.Killed"/> — a run that did not say it
    /// finished is never recorded as successful. <see cref="RunStatus.Finished"/> is also allowed (MLflow's <c>with</c> block without an exception).
    /// </summary>
    public RunStatus DisposeStatus { get; set; } = RunStatus.Killed;

    /// <summary>Gets or sets a value indicating whether runs get lineage tags (Git, host, .NET, command line, seed). Default: <see langword="true"/>.</summary>
    public bool CaptureLineage { get; set; } = true;

    /// <summary>Gets or sets a value indicating whether the command line is recorded (<c>mlops.command_line</c>, <c>mlflow.source.name</c>). Turn off when secrets are passed as arguments. Default: <see langword="true"/>.</summary>
    public bool RecordCommandLine { get; set; } = true;

    /// <summary>Gets or sets a value indicating whether the OS user name is recorded as <c>mlflow.user</c>, as MLflow does. Default: <see langword="true"/>.</summary>
    public bool RecordUserName { get; set; } = true;

    /// <summary>Gets or sets the folder whose Git state is recorded. Default: <see langword="null"/>, the current directory.</summary>
    public string? WorkingDirectory { get; set; }

    /// <summary>
    /// Gets or sets the first wait before a flush retries a transient store failure (a busy database, an MLflow
    /// server answering 429/503 or unreachable). Each further retry of the same batch waits twice as long, up to
    /// <see cref="FlushRetryMaxDelay"/>; a <see cref="TrackingStoreUnavailableException.RetryAfter"/> the store sends
    /// lengthens the wait (still capped). Waits run on the tracker's <see cref="TimeProvider"/>. Default: 100 ms.
    /// Range: 1 ms to 1 minute.
    /// </summary>
    public TimeSpan FlushRetryDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Gets or sets the longest wait between two retries of a transient store failure (the cap of the exponential backoff). Default: 10 seconds. Range: <see cref="FlushRetryDelay"/> to 1 hour.</summary>
    public TimeSpan FlushRetryMaxDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Gets or sets how long a flush keeps retrying a batch the store refuses with transient failures before it gives
    /// up: the batch's points are then counted as dropped and the last error is reported by the next
    /// <see cref="TrackedRun.FlushAsync"/>. Default: <see cref="Timeout.InfiniteTimeSpan"/> — retry until the store is
    /// back, so an outage loses nothing; meanwhile new points fill the buffer and <see cref="Backpressure"/> applies,
    /// and <see cref="TrackedRun.FlushAsync"/>, <see cref="TrackedRun.CompleteAsync"/> and dispose wait for the store.
    /// Set a finite time to bound how long shutdown waits during an outage. Permanent failures (validation, a
    /// deleted run, a corrupt database) are never retried. Range: positive, or infinite.
    /// </summary>
    public TimeSpan FlushRetryTimeout { get; set; } = Timeout.InfiniteTimeSpan;

    /// <summary>
    /// Gets or sets a value indicating whether each top-level run (not nested child runs) logs system metrics — CPU,
    /// memory, this process, NVIDIA GPUs when NVML is present — as MLflow's <c>system/...</c> metrics every
    /// <see cref="SystemMetricsOptions.SamplingInterval"/> (10 s by default) while it runs. Default: <see langword="false"/> (opt-in, as in MLflow).
    /// </summary>
    public bool LogSystemMetrics { get; set; }

    /// <summary>Gets the system-metrics options (interval, averaging, node id, GPU and process sampling).</summary>
    public SystemMetricsOptions SystemMetrics { get; } = new();

    /// <summary>Checks every option; returns the problems, each naming the option, its value and the allowed range.</summary>
    /// <returns>An empty list when the options are valid.</returns>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (FlushInterval < TimeSpan.FromMilliseconds(1) || FlushInterval > TimeSpan.FromHours(1))
        {
            problems.Add($"TrackerOptions.FlushInterval is {FlushInterval}; use 1 ms to 1 hour.");
        }

        if (BufferCapacity is < 16 or > 1 << 24)
        {
            problems.Add($"TrackerOptions.BufferCapacity is {BufferCapacity}; use 16 to 16,777,216.");
        }

        if (FlushBatchSize < 1 || FlushBatchSize > BufferCapacity)
        {
            problems.Add($"TrackerOptions.FlushBatchSize is {FlushBatchSize}; use 1 to BufferCapacity ({BufferCapacity}).");
        }

        if (BackpressureTimeout <= TimeSpan.Zero)
        {
            problems.Add($"TrackerOptions.BackpressureTimeout is {BackpressureTimeout}; use a positive time.");
        }

        if (DisposeStatus is not (RunStatus.Killed or RunStatus.Finished or RunStatus.Failed))
        {
            problems.Add($"TrackerOptions.DisposeStatus is {DisposeStatus}; use Killed, Finished or Failed.");
        }

        if (!Enum.IsDefined(Backpressure))
        {
            problems.Add($"TrackerOptions.Backpressure is {Backpressure}; use Wait, Drop or Throw.");
        }

        if (FlushRetryDelay < TimeSpan.FromMilliseconds(1) || FlushRetryDelay > TimeSpan.FromMinutes(1))
        {
            problems.Add($"TrackerOptions.FlushRetryDelay is {FlushRetryDelay}; use 1 ms to 1 minute.");
        }

        if (FlushRetryMaxDelay < FlushRetryDelay || FlushRetryMaxDelay > TimeSpan.FromHours(1))
        {
            problems.Add($"TrackerOptions.FlushRetryMaxDelay is {FlushRetryMaxDelay}; use FlushRetryDelay ({FlushRetryDelay}) to 1 hour.");
        }

        if (FlushRetryTimeout <= TimeSpan.Zero && FlushRetryTimeout != Timeout.InfiniteTimeSpan)
        {
            problems.Add($"TrackerOptions.FlushRetryTimeout is {FlushRetryTimeout}; use a positive time, or Timeout.InfiniteTimeSpan to retry until the store is back.");
        }

        SystemMetrics.Validate(problems);
        return problems;
    }
}
