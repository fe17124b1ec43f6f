using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using MLOps.Artifacts;
using MLOps.Datasets;

namespace MLOps.Tracking;

/// <summary>
/// A run being logged to: params, per-step metrics, tags, dataset inputs and artifacts. Made by
/// <see cref="Tracker.StartRunAsync(string, string?, CancellationToken)"/> or <see cref="Tracker.ResumeRunAsync"/>.
/// </summary>
/// <remarks>
/// <para><b>Non-blocking logging.</b> <see cref="LogMetric(string, double, long)"/>, <see cref="LogParam"/> and
/// <see cref="SetTag"/> validate (MLflow's rules, so a bad key throws at the call site), append to a bounded buffer
/// and return; a background flusher writes the buffer every <see cref="TrackerOptions.FlushInterval"/> or when
/// <see cref="TrackerOptions.FlushBatchSize"/> points are waiting. When the buffer is full,
/// <see cref="TrackerOptions.Backpressure"/> decides: wait (default), drop and count, or throw.</para>
/// <para><b>Crash safety.</b> Every completed flush is committed to the store. A hard crash loses at most the points
/// logged since the last completed flush — about one <see cref="TrackerOptions.FlushInterval"/> of logging while the
/// store is reachable; during a store outage, everything not yet written.</para>
/// <para><b>Store outages.</b> A transient store failure (<see cref="TrackingStoreUnavailableException.IsTransientFailure"/>)
/// keeps the batch and retries it with capped exponential backoff (<see cref="TrackerOptions.FlushRetryDelay"/>,
/// <see cref="TrackerOptions.FlushRetryMaxDelay"/>) on the tracker's clock until it is written, each atomic write sent
/// again only when it failed, so every point is stored exactly once. Logging goes on into the bounded buffer and
/// <see cref="TrackerOptions.Backpressure"/> applies when it is full. A permanent failure is not retried: its points
/// are counted in <see cref="PointsDropped"/> and the error is thrown by the next <see cref="FlushAsync"/>.</para>
/// <para><b>Ending.</b> <see cref="CompleteAsync"/> (FINISHED) and <see cref="FailAsync"/> (FAILED, with the
/// <c>mlops.failure</c> tag) flush and end the run. Disposing a run that is still running flushes it and ends it
/// with <see cref="TrackerOptions.DisposeStatus"/>, <see cref="RunStatus.Killed"/> by default; disposing an ended
/// run only stops its flusher.</para>
/// <para>Thread-safe: any number of threads may log to one run.</para>
/// </remarks>
public sealed class TrackedRun : IAsyncDisposable
{
    private const int InitialBufferSize = 1024;
    private const int MaxCachedKeys = 4096;

    private readonly Tracker _tracker;
    private readonly ITrackingStore _store;
    private readonly TrackerOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly object _gate = new();
    private readonly Dictionary<string, string> _params;
    private readonly HashSet<string> _validKeys = new(ReferenceEqualityComparer.Instance);
    private readonly Task _flusher;
    private readonly ITimer _timer;
    private Metric[] _active;
    private Metric[]? _spare;
    private int _activeCapacity;
    private bool _buffersReturned;
    private SystemMetricsMonitor? _systemMetrics;
    private int _count;
    private List<Param> _pendingParams = [];
    private List<RunTag> _pendingTags = [];
    private List<TaskCompletionSource> _flushWaiters = [];
    private TaskCompletionSource? _wake;
    private bool _stopping;
    private bool _ended;
    private bool _warnedDrop;
    private bool _timerFired;
    private long _written;
    private long _dropped;
    private long _retries;
    private Exception? _unobservedError;

    internal TrackedRun(Tracker tracker, RunInfo info, IReadOnlyDictionary<string, string> existingParams, TrackedRun? parent)
    {
        _tracker = tracker;
        _store = tracker.Store;
        _options = tracker.Options;
        _time = tracker.TimeProvider;
        _logger = tracker.Logger;
        Info = info;
        Parent = parent;
        _params = new Dictionary<string, string>(existingParams, StringComparer.Ordinal);
        _active = RentBuffer(Math.Min(InitialBufferSize, _options.BufferCapacity));
        _activeCapacity = Math.Min(_active.Length, _options.BufferCapacity);
        _timer = _time.CreateTimer(static s => ((TrackedRun)s!).Wake(), this, _options.FlushInterval, _options.FlushInterval);
        _flusher = Task.Run(FlushLoopAsync);
    }

    /// <summary>Gets the run id (32 lowercase hex digits).</summary>
    public string RunId => Info.RunId;

    /// <summary>Gets the run's metadata as it was when the run started or resumed.</summary>
    public RunInfo Info { get; }

    /// <summary>Gets the parent run of a nested run, or <see langword="null"/>.</summary>
    public TrackedRun? Parent { get; }

    /// <summary>Gets how many metric points the flusher has written to the store (in logging order per thread).</summary>
    public long PointsWritten => Interlocked.Read(ref _written);

    /// <summary>Gets how many metric points were lost: dropped on a full buffer (<see cref="BackpressureMode.Drop"/>), refused by the store with a permanent error, or still failing when <see cref="TrackerOptions.FlushRetryTimeout"/> ran out, and system metrics that found the buffer full (the sampler never blocks). Transient failures alone never lose points.</summary>
    public long PointsDropped => Interlocked.Read(ref _dropped);

    /// <summary>Gets how many times the flusher retried a write after a transient store failure (a busy database, a server outage).</summary>
    public long FlushRetries => Interlocked.Read(ref _retries);

    /// <summary>Gets how many metric points are buffered and not yet being written.</summary>
    public int BufferedPoints
    {
        get
        {
            lock (_gate)
            {
                return _count;
            }
        }
    }

    /// <summary>Logs a metric point stamped with the current time. Validates the key, appends to the buffer and returns: no I/O.</summary>
    /// <param name="key">The metric key (MLflow's rules: at most 250 characters of letters, digits, <c>_ - . space : /</c>).</param>
    /// <param name="value">The value; NaN and ±∞ are allowed.</param>
    /// <param name="step">The step, for example the epoch. Default 0.</param>
    /// <exception cref="InvalidTrackingValueException">The key is invalid.</exception>
    /// <exception cref="TrackingBufferFullException">The buffer stayed full (<see cref="BackpressureMode.Wait"/> timed out, or <see cref="BackpressureMode.Throw"/>).</exception>
    /// <exception cref="InvalidRunStateException">The run has ended.</exception>
    public void LogMetric(string key, double value, long step = 0) =>
        Append(new Metric(key, value, _time.GetUtcNow().ToUnixTimeMilliseconds(), step));

    /// <summary>Logs a metric point with an explicit timestamp.</summary>
    /// <param name="key">The metric key.</param>
    /// <param name="value">The value; NaN and ±∞ are allowed.</param>
    /// <param name="step">The step.</param>
    /// <param name="timestamp">When it was measured (stored as Unix milliseconds, which must be non-negative).</param>
    /// <exception cref="InvalidTrackingValueException">The key or timestamp is invalid.</exception>
    /// <exception cref="TrackingBufferFullException">The buffer stayed full.</exception>
    /// <exception cref="InvalidRunStateException">The run has ended.</exception>
    public void LogMetric(string key, double value, long step, DateTimeOffset timestamp)
    {
        var ms = timestamp.ToUnixTimeMilliseconds();
        Validation.Timestamp(key, ms);
        Append(new Metric(key, value, ms, step));
    }

    /// <summary>Logs a param. Logging the same value again is a no-op; a different value throws.</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value, at most 6000 characters.</param>
    /// <exception cref="InvalidTrackingValueException">The key or value is invalid.</exception>
    /// <exception cref="ParamValueChangedException">The run already has this param with another value.</exception>
    public void LogParam(string key, string value)
    {
        Validation.ParamKey(key);
        Validation.ParamValue(key, value);
        lock (_gate)
        {
            EnsureRunning();
            if (!AddParamLocked(key, value))
            {
                return;
            }

            WaitForEntityRoomLocked();
            _pendingParams.Add(new Param(key, value));
        }
    }

    /// <summary>Logs a param formatted with the invariant culture (a double as its shortest round-trip form, like Python's <c>str</c>).</summary>
    /// <typeparam name="T">A formattable value type such as <see cref="int"/> or <see cref="double"/>.</typeparam>
    /// <param name="key">The key.</param>
    /// <param name="value">The value.</param>
    /// <exception cref="InvalidTrackingValueException">The key is invalid.</exception>
    /// <exception cref="ParamValueChangedException">The run already has this param with another value.</exception>
    public void LogParam<T>(string key, T value)
        where T : IFormattable =>
        LogParam(key, value?.ToString(null, CultureInfo.InvariantCulture) ?? "");

    /// <summary>Logs several params, all or none: every one is checked before any is buffered.</summary>
    /// <param name="parameters">The params.</param>
    /// <exception cref="InvalidTrackingValueException">A key or value is invalid, or a key repeats with different values.</exception>
    /// <exception cref="ParamValueChangedException">The run already has one of the params with another value.</exception>
    public void LogParams(IEnumerable<KeyValuePair<string, string>> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var list = parameters.ToList();
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in list)
        {
            Validation.ParamKey(key);
            Validation.ParamValue(key, value);
            if (seen.TryGetValue(key, out var other) && other != value)
            {
                throw new ParamValueChangedException(RunId, key, other, value);
            }

            seen[key] = value;
        }

        lock (_gate)
        {
            EnsureRunning();
            foreach (var (key, value) in seen)
            {
                if (_params.TryGetValue(key, out var old) && old != value)
                {
                    throw new ParamValueChangedException(RunId, key, old, value);
                }
            }

            foreach (var (key, value) in seen)
            {
                if (AddParamLocked(key, value))
                {
                    WaitForEntityRoomLocked();
                    _pendingParams.Add(new Param(key, value));
                }
            }
        }
    }

    /// <summary>Sets a tag (last value wins). Setting <c>mlflow.runName</c> renames the run.</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value, at most 8000 characters.</param>
    /// <exception cref="InvalidTrackingValueException">The key or value is invalid.</exception>
    public void SetTag(string key, string value)
    {
        Validation.TagKey(key);
        Validation.TagValue(key, value);
        lock (_gate)
        {
            EnsureRunning();
            WaitForEntityRoomLocked();
            _pendingTags.Add(new RunTag(key, value));
        }
    }

    /// <summary>Deletes a tag, after flushing what is buffered.</summary>
    /// <param name="key">The key.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the tag is gone.</returns>
    /// <exception cref="TrackingResourceNotFoundException">The run has no such tag.</exception>
    public async Task DeleteTagAsync(string key, CancellationToken cancellationToken = default)
    {
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        await _store.DeleteTagAsync(RunId, key, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Records a dataset the run used, from its Core fingerprint: name, digest (the first 36 hex digits of the
    /// SHA-256), source <c>{"uri": path}</c>, schema (MLflow's <c>mlflow_colspec</c>) and a profile with the full
    /// SHA-256, size, file count, row count and DVC hash; the input tag <c>mlflow.data.context</c> = <paramref name="context"/>.
    /// </summary>
    /// <param name="dataset">The fingerprint (<see cref="DatasetFingerprint.ComputeAsync"/>).</param>
    /// <param name="context">The dataset's role: <c>training</c> (default), <c>validation</c>, <c>test</c>, ...</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>What was recorded.</returns>
    public async Task<DatasetInput> LogInputAsync(DatasetRef dataset, string context = "training", CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(context);
        var input = new DatasetInput
        {
            Name = dataset.Name,
            Digest = dataset.Sha256.Length > TrackingLimits.MaxDatasetDigestLength ? dataset.Sha256[..TrackingLimits.MaxDatasetDigestLength] : dataset.Sha256,
            SourceType = "local",
            Source = Json(w => w.WriteString("uri", dataset.SourcePath)),
            Schema = dataset.Schema is { } schema ? Json(w =>
            {
                w.WriteStartArray("mlflow_colspec");
                foreach (var column in schema)
                {
                    w.WriteStartObject();
                    w.WriteString("type", column.Type);
                    w.WriteString("name", column.Name);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
            }) : null,
            Profile = Json(w =>
            {
                w.WriteString("sha256", dataset.Sha256);
                w.WriteNumber("size_bytes", dataset.SizeBytes);
                w.WriteNumber("file_count", dataset.FileCount);
                w.WriteBoolean("is_directory", dataset.IsDirectory);
                if (dataset.RowCount is { } rows)
                {
                    w.WriteNumber("num_rows", rows);
                }

                if (dataset.Dvc is { } dvc)
                {
                    w.WriteString("dvc_md5", dvc.ToString());
                }
            }),
            Tags = new Dictionary<string, string>(StringComparer.Ordinal) { [MlflowTags.DatasetContext] = context },
        };
        await LogInputAsync(input, cancellationToken).ConfigureAwait(false);
        return input;
    }

    /// <summary>Records a dataset input as MLflow describes it.</summary>
    /// <param name="input">The dataset and its input tags.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when stored.</returns>
    public Task LogInputAsync(DatasetInput input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        return _store.LogInputsAsync(RunId, [input], cancellationToken);
    }

    /// <summary>Copies a local file into the artifact store under the run's artifact root (<see cref="RunInfo.ArtifactUri"/>).</summary>
    /// <param name="localPath">The file.</param>
    /// <param name="artifactPath">The path under the run's root; default: the file name.</param>
    /// <param name="cancellationToken">Cancels the copy.</param>
    /// <returns>What was stored (logical path, SHA-256, length).</returns>
    /// <exception cref="InvalidOperationException">The tracker has no artifact store.</exception>
    /// <exception cref="InvalidArtifactPathException">The artifact path is unsafe.</exception>
    public async Task<ArtifactInfo> LogArtifactAsync(string localPath, string? artifactPath = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(localPath);
        var stream = new FileStream(localPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using (stream.ConfigureAwait(false))
        {
            return await LogArtifactAsync(stream, artifactPath ?? Path.GetFileName(localPath), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Streams content into the artifact store under the run's artifact root.</summary>
    /// <param name="content">The bytes, read from the current position to the end.</param>
    /// <param name="artifactPath">The path under the run's root, for example <c>model/model.onnx</c>.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>What was stored.</returns>
    /// <exception cref="InvalidOperationException">The tracker has no artifact store.</exception>
    /// <exception cref="InvalidArtifactPathException">The artifact path is unsafe.</exception>
    public async Task<ArtifactInfo> LogArtifactAsync(Stream content, string artifactPath, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArtifactPath.Validate(artifactPath);
        var store = _tracker.Artifacts ?? throw new InvalidOperationException(
            "The tracker has no artifact store. Pass an IArtifactStore to the Tracker, or call AddLocalArtifactStore() next to AddTracking().");
        return await store.PutAsync($"{Info.ArtifactUri}/{artifactPath}", content, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Lists the run's artifacts, with paths relative to its artifact root.</summary>
    /// <param name="cancellationToken">Cancels the listing.</param>
    /// <returns>The artifacts.</returns>
    public async Task<IReadOnlyList<ArtifactInfo>> ListArtifactsAsync(CancellationToken cancellationToken = default)
    {
        var store = _tracker.Artifacts ?? throw new InvalidOperationException("The tracker has no artifact store. Pass an IArtifactStore to the Tracker.");
        var list = new List<ArtifactInfo>();
        var prefix = Info.ArtifactUri + "/";
        await foreach (var item in store.ListAsync(Info.ArtifactUri, cancellationToken).ConfigureAwait(false))
        {
            list.Add(item with { Path = item.Path[prefix.Length..] });
        }

        return list;
    }

    /// <summary>Starts a nested run in the same experiment, tagged <c>mlflow.parentRunId</c> = this run's id.</summary>
    /// <param name="runName">The child's name, or <see langword="null"/> for a generated one.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The child run; dispose it before the parent.</returns>
    public Task<TrackedRun> StartChildRunAsync(string? runName = null, CancellationToken cancellationToken = default) =>
        _tracker.StartRunInExperimentAsync(Info.ExperimentId, runName, null, this, cancellationToken);

    /// <summary>Writes everything logged before this call, and reports any earlier background flush failure.</summary>
    /// <param name="cancellationToken">Stops waiting (the flush itself goes on).</param>
    /// <returns>A task that completes when the points are committed.</returns>
    /// <exception cref="TrackingException">A flush failed permanently, or kept failing past <see cref="TrackerOptions.FlushRetryTimeout"/> (the inner store exception says why); its points were counted as dropped. While the store fails transiently this call waits (retries go on in the background).</exception>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        TaskCompletionSource waiter;
        TaskCompletionSource? wake;
        lock (_gate)
        {
            if (_unobservedError is { } error)
            {
                _unobservedError = null;
                throw FlushError(error);
            }

            if (_flusher.IsCompleted)
            {
                return;
            }

            waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _flushWaiters.Add(waiter);
            wake = _wake;
        }

        wake?.TrySetResult();
        await waiter.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Flushes, then ends the run as <see cref="RunStatus.Finished"/>.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the run is ended.</returns>
    /// <exception cref="TrackingException">The final flush failed; the run is still ended.</exception>
    public Task CompleteAsync(CancellationToken cancellationToken = default) => EndAsync(RunStatus.Finished, null, cancellationToken);

    /// <summary>Flushes, tags the run <c>mlops.failure</c> = the exception's type and message, and ends it as <see cref="RunStatus.Failed"/>.</summary>
    /// <param name="exception">Why the run failed.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the run is ended.</returns>
    public Task FailAsync(Exception exception, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var text = $"{exception.GetType().FullName}: {exception.Message}";
        return EndAsync(RunStatus.Failed, text.Length > TrackingLimits.MaxTagValueLength ? text[..TrackingLimits.MaxTagValueLength] : text, cancellationToken);
    }

    /// <summary>
    /// Flushes and stops the flusher. A run still running is ended with <see cref="TrackerOptions.DisposeStatus"/>
    /// (<see cref="RunStatus.Killed"/> by default). Flush failures are logged, not thrown.
    /// </summary>
    /// <returns>A task that completes when everything is written.</returns>
    public async ValueTask DisposeAsync()
    {
        bool ended;
        lock (_gate)
        {
            ended = _ended;
        }

        if (!ended)
        {
            try
            {
                await EndAsync(_options.DisposeStatus, null, CancellationToken.None).ConfigureAwait(false);
            }
            catch (TrackingException)
            {
                // Already logged by the flusher; dispose must not throw.
            }
        }

        await StopFlusherAsync().ConfigureAwait(false);
    }

    /// <summary>Starts logging <c>system/...</c> metrics into this run (see <see cref="SystemMetricsOptions"/>).</summary>
    internal void StartSystemMetrics(SystemMetricsOptions options, long firstStep, ISystemMetricsSource[] sources)
    {
        _systemMetrics = new SystemMetricsMonitor(this, options, _time, _logger, sources, firstStep);
    }

    /// <summary>Appends a system metric without blocking the sampling timer: when the buffer is full the point is dropped and counted.</summary>
    internal void LogSystemMetric(string key, double value, long step)
    {
        var point = new Metric(key, value, _time.GetUtcNow().ToUnixTimeMilliseconds(), step);
        TaskCompletionSource? wake = null;
        lock (_gate)
        {
            if (_ended || _stopping)
            {
                return;
            }

            if (_count == _activeCapacity && !TryGrowLocked())
            {
                Interlocked.Increment(ref _dropped);
                _tracker.Metrics.Dropped(1);
                return;
            }

            _active[_count++] = point;
            if (_count == _options.FlushBatchSize)
            {
                wake = _wake;
            }
        }

        wake?.TrySetResult();
    }

    internal long BufferDepth()
    {
        lock (_gate)
        {
            return _count;
        }
    }

    private async Task EndAsync(RunStatus status, string? failure, CancellationToken cancellationToken)
    {
        _systemMetrics?.Dispose(); // MLflow stops sampling when the run stops running
        if (failure is not null)
        {
            SetTag(MlflowTags.Failure, failure);
        }

        Exception? flushError = null;
        try
        {
            await FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (TrackingException ex)
        {
            flushError = ex;
        }

        lock (_gate)
        {
            if (_ended)
            {
                throw new InvalidRunStateException(MlflowErrorCode.InvalidState, RunId, $"Run {RunId} has already ended. Resume it with Tracker.ResumeRunAsync to log more.");
            }

            _ended = true;
        }

        await StopFlusherAsync().ConfigureAwait(false);
        await _store.UpdateRunAsync(RunId, new RunUpdate(status, _time.GetUtcNow().ToUnixTimeMilliseconds()), cancellationToken).ConfigureAwait(false);
        Log.RunEnded(_logger, RunId, status, PointsWritten, PointsDropped);
        _tracker.Forget(this);
        if (flushError is not null)
        {
            throw flushError;
        }
    }

    private async Task StopFlusherAsync()
    {
        _systemMetrics?.Dispose();
        TaskCompletionSource? wake;
        lock (_gate)
        {
            _stopping = true;
            wake = _wake;
        }

        wake?.TrySetResult();
        await _flusher.ConfigureAwait(false);
        await _timer.DisposeAsync().ConfigureAwait(false);
        lock (_gate)
        {
            // Nothing can be appended any more (the run is stopping) and the flusher is done: the buffers go back to the pool.
            if (!_buffersReturned)
            {
                _buffersReturned = true;
                ReturnBuffer(_active, _count);
                if (_spare is not null)
                {
                    ReturnBuffer(_spare, 0);
                }

                _active = [];
                _activeCapacity = 0;
                _spare = null;
                _count = 0;
            }

            if (_unobservedError is { } error)
            {
                _unobservedError = null;
                Log.FlushFailed(_logger, error, RunId, 0);
            }
        }
    }

    private void Append(in Metric point)
    {
        TaskCompletionSource? wake = null;
        lock (_gate)
        {
            if (!_validKeys.Contains(point.Key))
            {
                Validation.MetricKey(point.Key);
                if (_validKeys.Count < MaxCachedKeys)
                {
                    _validKeys.Add(point.Key);
                }
            }

            if (_ended || _stopping)
            {
                EnsureRunning();
            }

            if (_count == _activeCapacity && !MakeRoomLocked())
            {
                return;
            }

            _active[_count++] = point;
            if (_count == _options.FlushBatchSize)
            {
                wake = _wake;
            }
        }

        wake?.TrySetResult();
    }

    private bool MakeRoomLocked()
    {
        if (TryGrowLocked())
        {
            return true;
        }

        switch (_options.Backpressure)
        {
            case BackpressureMode.Drop:
                Interlocked.Increment(ref _dropped);
                _tracker.Metrics.Dropped(1);
                if (!_warnedDrop)
                {
                    _warnedDrop = true;
                    Log.DroppingPoints(_logger, RunId, _options.BufferCapacity);
                }

                return false;
            case BackpressureMode.Throw:
                _wake?.TrySetResult();
                throw new TrackingBufferFullException(_options.BufferCapacity, TimeSpan.Zero);
            default:
                WaitLocked(() => _count < _activeCapacity);
                return true;
        }
    }

    private void WaitForEntityRoomLocked()
    {
        if (_pendingParams.Count + _pendingTags.Count < _options.BufferCapacity)
        {
            return;
        }

        if (_options.Backpressure != BackpressureMode.Wait)
        {
            _wake?.TrySetResult();
            throw new TrackingBufferFullException(_options.BufferCapacity, TimeSpan.Zero);
        }

        WaitLocked(() => _pendingParams.Count + _pendingTags.Count < _options.BufferCapacity);
    }

    private void WaitLocked(Func<bool> hasRoom)
    {
        // Blocks the logging thread (the documented Wait mode) on the run's monitor; the flusher pulses it after each swap.
        var watch = Stopwatch.StartNew();
        while (!hasRoom())
        {
            _wake?.TrySetResult();
            var left = _options.BackpressureTimeout - watch.Elapsed;
            if (left <= TimeSpan.Zero || _stopping)
            {
                throw new TrackingBufferFullException(_options.BufferCapacity, watch.Elapsed);
            }

            Monitor.Wait(_gate, left < TimeSpan.FromMilliseconds(100) ? left : TimeSpan.FromMilliseconds(100));
        }
    }

    private bool TryGrowLocked()
    {
        if (_activeCapacity >= _options.BufferCapacity)
        {
            return false;
        }

        var bigger = RentBuffer((int)Math.Min((long)_activeCapacity * 2, _options.BufferCapacity));
        Array.Copy(_active, bigger, _count);
        ReturnBuffer(_active, _count);
        _active = bigger;
        _activeCapacity = Math.Min(bigger.Length, _options.BufferCapacity);
        return true;
    }

    /// <summary>Rents a metric buffer from the shared pool: both buffers of a run, and those of later runs, reuse arrays instead of allocating.</summary>
    private static Metric[] RentBuffer(int minimumLength) => ArrayPool<Metric>.Shared.Rent(minimumLength);

    private static void ReturnBuffer(Metric[] buffer, int used)
    {
        if (buffer.Length > 0)
        {
            Array.Clear(buffer, 0, used); // drop the key references before the array is shared
            ArrayPool<Metric>.Shared.Return(buffer);
        }
    }

    private bool AddParamLocked(string key, string value)
    {
        if (_params.TryGetValue(key, out var old))
        {
            return old == value ? false : throw new ParamValueChangedException(RunId, key, old, value);
        }

        _params[key] = value;
        return true;
    }

    private void EnsureRunning()
    {
        if (_ended || _stopping)
        {
            throw new InvalidRunStateException(MlflowErrorCode.InvalidState, RunId, $"Run {RunId} has ended (or is being disposed); nothing more can be logged to this object. Resume it with Tracker.ResumeRunAsync(\"{RunId}\") to log more.");
        }
    }

    private void Wake()
    {
        TaskCompletionSource? wake;
        lock (_gate)
        {
            _timerFired = true; // sticky: a tick that comes before the flusher waits is not lost
            wake = _wake;
        }

        wake?.TrySetResult();
    }

    private async Task FlushLoopAsync()
    {
        while (true)
        {
            Task wait;
            lock (_gate)
            {
                if (_count >= _options.FlushBatchSize || _flushWaiters.Count > 0 || _stopping || _timerFired)
                {
                    wait = Task.CompletedTask;
                }
                else
                {
                    _wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    wait = _wake.Task;
                }
            }

            await wait.ConfigureAwait(false);
            if (await FlushOnceAsync().ConfigureAwait(false))
            {
                return;
            }
        }
    }

    /// <summary>Swaps the buffers, writes what was buffered, completes the waiters. Returns true when the flusher should stop.</summary>
    private async Task<bool> FlushOnceAsync()
    {
        Metric[] batch;
        int count;
        List<Param> parameters;
        List<RunTag> tags;
        List<TaskCompletionSource> waiters;
        bool stopping;
        lock (_gate)
        {
            batch = _active;
            count = _count;
            _active = _spare ?? RentBuffer(Math.Min(InitialBufferSize, _options.BufferCapacity));
            _activeCapacity = Math.Min(_active.Length, _options.BufferCapacity);
            _spare = null;
            _count = 0;
            parameters = _pendingParams;
            tags = _pendingTags;
            _pendingParams = [];
            _pendingTags = [];
            waiters = _flushWaiters;
            _flushWaiters = [];
            stopping = _stopping;
            _timerFired = false;
            _wake = null;
            Monitor.PulseAll(_gate);
        }

        Exception? error = null;
        if (count > 0 || parameters.Count > 0 || tags.Count > 0)
        {
            var started = _time.GetTimestamp();
            error = await WriteAsync(batch, count, parameters, tags).ConfigureAwait(false);
            _tracker.Metrics.Flushed(_time.GetElapsedTime(started));
        }

        // Keep the written buffer, with its capacity, for the next swap: the two buffers grow to the high-water
        // mark once and are then reused, so a steady logging loop allocates nothing per flush.
        Array.Clear(batch, 0, count);
        lock (_gate)
        {
            _spare = batch;

            if (error is not null && waiters.Count == 0)
            {
                _unobservedError = error;
            }
        }

        foreach (var waiter in waiters)
        {
            if (error is null)
            {
                waiter.TrySetResult();
            }
            else
            {
                waiter.TrySetException(FlushError(error));
            }
        }

        return stopping;
    }

    /// <summary>
    /// Writes one flush in store-sized chunks, each atomic. A transient failure keeps the chunk and retries it with
    /// capped exponential backoff on the tracker's clock until it is written (or <see cref="TrackerOptions.FlushRetryTimeout"/>
    /// passes); chunks already written are never sent again, so every point is written exactly once. A permanent
    /// failure drops that chunk (counted) and the flush goes on with the next. Returns the first error, or null.
    /// </summary>
    private async Task<Exception?> WriteAsync(Metric[] batch, int count, List<Param> parameters, List<RunTag> tags)
    {
        var bulk = _store as IBulkTrackingStore;
        Exception? firstError = null;
        int offset = 0, p = 0, t = 0;
        while (offset < count || p < parameters.Count || t < tags.Count)
        {
            int np, nt, nm;
            if (bulk is not null)
            {
                // One transaction per chunk of the flush, params and tags with the first.
                np = parameters.Count - p;
                nt = tags.Count - t;
                nm = Math.Min(IBulkTrackingStore.MaxMetricsPerCall, count - offset);
            }
            else
            {
                np = Math.Min(TrackingLimits.MaxParamsPerBatch, parameters.Count - p);
                nt = Math.Min(TrackingLimits.MaxTagsPerBatch, tags.Count - t);
                nm = Math.Min(Math.Min(TrackingLimits.MaxMetricsPerBatch, TrackingLimits.MaxEntitiesPerBatch - np - nt), count - offset);
            }

            var metrics = batch.AsMemory(offset, nm);
            var ps = np == 0 ? null : p == 0 && np == parameters.Count ? parameters : parameters.GetRange(p, np);
            var ts = nt == 0 ? null : t == 0 && nt == tags.Count ? tags : tags.GetRange(t, nt);
            var error = await WriteChunkAsync(bulk, metrics, ps, ts).ConfigureAwait(false);
            if (error is null)
            {
                Interlocked.Add(ref _written, nm);
                _tracker.Metrics.Logged(nm);
            }
            else
            {
                Interlocked.Add(ref _dropped, nm);
                _tracker.Metrics.Dropped(nm);
                Log.FlushFailed(_logger, error, RunId, nm);
                firstError ??= error;
            }

            offset += nm;
            p += np;
            t += nt;
        }

        return firstError;
    }

    private async Task<Exception?> WriteChunkAsync(IBulkTrackingStore? bulk, ReadOnlyMemory<Metric> metrics, List<Param>? parameters, List<RunTag>? tags)
    {
        var delay = _options.FlushRetryDelay;
        var firstFailure = 0L;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                if (bulk is not null)
                {
                    await bulk.LogBulkAsync(RunId, metrics, parameters, tags).ConfigureAwait(false);
                }
                else
                {
                    await _store.LogBatchAsync(RunId, metrics, parameters, tags).ConfigureAwait(false);
                }

                if (attempt > 1)
                {
                    var outage = _time.GetElapsedTime(firstFailure);
                    Log.FlushRecovered(_logger, RunId, attempt - 1, outage);
                }

                return null;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                if (!TrackingStoreUnavailableException.IsTransientFailure(ex))
                {
                    return ex;
                }

                if (attempt == 1)
                {
                    firstFailure = _time.GetTimestamp();
                }

                if (_options.FlushRetryTimeout != Timeout.InfiniteTimeSpan && _time.GetElapsedTime(firstFailure) >= _options.FlushRetryTimeout)
                {
                    return ex;
                }

                Interlocked.Increment(ref _retries);
                _tracker.Metrics.Retried();
                var wait = ex is TrackingStoreUnavailableException { RetryAfter: { } after } && after > delay ? after : delay;
                wait = wait > _options.FlushRetryMaxDelay ? _options.FlushRetryMaxDelay : wait;
                if (attempt == 1)
                {
                    Log.FlushRetrying(_logger, ex, RunId, metrics.Length, wait);
                }
                else
                {
                    Log.FlushRetry(_logger, ex, RunId, attempt);
                }

                await Task.Delay(wait, _time).ConfigureAwait(false);
                delay = delay * 2 > _options.FlushRetryMaxDelay ? _options.FlushRetryMaxDelay : delay * 2;
            }
        }
    }

    private TrackingException FlushError(Exception error) => error as TrackingException
        ?? new TrackingException(MlflowErrorCode.InternalError, $"Writing run {RunId} to the tracking store failed: {error.Message}", false, error);

    private static string Json(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
