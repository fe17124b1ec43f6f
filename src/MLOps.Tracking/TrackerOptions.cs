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

    /// <summary>Gets or sets how many times a flush retries a transient store failure (a busy database) before the points are counted as dropped and the error reported. Default: 3. Range: 0 to 100.</summary>
    public int FlushRetries { get; set; } = 3;

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

        if (FlushRetries is < 0 or > 100)
        {
            problems.Add($"TrackerOptions.FlushRetries is {FlushRetries}; use 0 to 100.");
        }

        return problems;
    }
}
