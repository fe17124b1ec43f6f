using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;
using MLOps.Tracking.Sqlite;

namespace MLOps.Tracking.Tests;

/// <summary>
/// The flusher's outage policy: transient store failures keep the points and retry with capped exponential backoff on
/// the tracker's clock until written, exactly once; the bounded buffer's backpressure applies meanwhile; permanent
/// failures are surfaced and never retried. A real SQLite store behind a wrapper that fails on demand.
/// </summary>
public sealed class OutageTests
{
    [Fact]
    public async Task Flush_FourTransientFailures_RetriesWithDoublingDelaysAndWritesEachPointOnce()
    {
        await using var env = new OutageEnvironment(bulk: false, new TrackerOptions { FlushRetryDelay = TimeSpan.FromMilliseconds(100), FlushRetryMaxDelay = TimeSpan.FromSeconds(10) });
        var run = await env.Tracker.StartRunAsync("outage");
        env.Store.FailNext(4, () => new TrackingStoreUnavailableException("server down (503)"));
        for (var i = 0; i < 2500; i++)
        {
            run.LogMetric("loss", i, i);
        }

        var flush = run.FlushAsync();
        var delays = new List<TimeSpan>();
        for (var retry = 0; retry < 4; retry++)
        {
            delays.Add(await env.Time.AdvanceToNextDelayAsync());
        }

        await flush.WaitAsync(TimeSpan.FromSeconds(30));
        delays.Should().Equal(TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(400), TimeSpan.FromMilliseconds(800));
        env.Store.Attempts.Should().Be(4 + 3, "4 failed tries of the first 1000-point log-batch, then the three log-batches of 1000, 1000 and 500 points once each");
        env.Store.PointsAccepted.Should().Be(2500, "a chunk already written is never sent again");
        run.PointsWritten.Should().Be(2500);
        run.PointsDropped.Should().Be(0);
        run.FlushRetries.Should().Be(4);
        (await env.CountRowsAsync(run.RunId)).Should().Be(2500);
        await run.CompleteAsync();
    }

    [Fact]
    public async Task Flush_LongOutage_BackoffIsCappedAtMaxDelay()
    {
        await using var env = new OutageEnvironment(bulk: true, new TrackerOptions { FlushRetryDelay = TimeSpan.FromMilliseconds(100), FlushRetryMaxDelay = TimeSpan.FromMilliseconds(300) });
        var run = await env.Tracker.StartRunAsync("outage");
        env.Store.FailNext(6, () => new TrackingException(MlflowErrorCode.TemporarilyUnavailable, "busy", isTransient: true));
        run.LogMetric("acc", 0.5, 1);
        var flush = run.FlushAsync();
        var delays = new List<TimeSpan>();
        for (var retry = 0; retry < 6; retry++)
        {
            delays.Add(await env.Time.AdvanceToNextDelayAsync());
        }

        await flush.WaitAsync(TimeSpan.FromSeconds(30));
        delays.Select(d => d.TotalMilliseconds).Should().Equal(100, 200, 300, 300, 300, 300);
        (await env.CountRowsAsync(run.RunId)).Should().Be(1);
        await run.CompleteAsync();
    }

    [Fact]
    public async Task Flush_RetryAfterFromStore_WaitsAtLeastThatLong()
    {
        await using var env = new OutageEnvironment(bulk: true, new TrackerOptions { FlushRetryDelay = TimeSpan.FromMilliseconds(100), FlushRetryMaxDelay = TimeSpan.FromSeconds(10) });
        var run = await env.Tracker.StartRunAsync("outage");
        env.Store.FailNext(1, () => new TrackingStoreUnavailableException("429 Too Many Requests", TimeSpan.FromSeconds(3)));
        run.LogMetric("acc", 0.5, 1);
        var flush = run.FlushAsync();
        (await env.Time.AdvanceToNextDelayAsync()).Should().Be(TimeSpan.FromSeconds(3));
        await flush.WaitAsync(TimeSpan.FromSeconds(30));
        (await env.CountRowsAsync(run.RunId)).Should().Be(1);
        await run.CompleteAsync();
    }

    [Fact]
    public async Task Flush_NetworkFailureOutsideTrackingException_IsRetried()
    {
        await using var env = new OutageEnvironment(bulk: false, new TrackerOptions());
        var run = await env.Tracker.StartRunAsync("outage");
        env.Store.FailNext(2, () => new HttpRequestException("connection refused"));
        run.LogMetric("acc", 0.5, 1);
        var flush = run.FlushAsync();
        await env.Time.AdvanceToNextDelayAsync();
        await env.Time.AdvanceToNextDelayAsync();
        await flush.WaitAsync(TimeSpan.FromSeconds(30));
        run.PointsWritten.Should().Be(1);
        (await env.CountRowsAsync(run.RunId)).Should().Be(1);
        await run.CompleteAsync();
    }

    [Fact]
    public async Task Flush_PermanentFailure_SurfacedOnceNotRetriedAndPointsCounted()
    {
        await using var env = new OutageEnvironment(bulk: true, new TrackerOptions());
        var run = await env.Tracker.StartRunAsync("outage");
        env.Store.FailNext(1, () => new InvalidTrackingValueException("Metric value", "x", "rejected by the server"));
        for (var i = 0; i < 10; i++)
        {
            run.LogMetric("loss", i, i);
        }

        var act = () => run.FlushAsync();
        (await act.Should().ThrowAsync<InvalidTrackingValueException>()).Which.Message.Should().Contain("rejected by the server");
        env.Store.Attempts.Should().Be(1, "a permanent failure is not retried");
        run.PointsDropped.Should().Be(10);
        run.FlushRetries.Should().Be(0);

        // The run goes on: later points are written.
        run.LogMetric("loss", 99, 99);
        await run.FlushAsync();
        (await env.CountRowsAsync(run.RunId)).Should().Be(1);
        await run.CompleteAsync();
    }

    [Fact]
    public async Task Flush_OutageLongerThanFlushRetryTimeout_GivesUpAndReportsTheError()
    {
        await using var env = new OutageEnvironment(bulk: true, new TrackerOptions { FlushRetryDelay = TimeSpan.FromSeconds(1), FlushRetryMaxDelay = TimeSpan.FromSeconds(1), FlushRetryTimeout = TimeSpan.FromSeconds(3) });
        var run = await env.Tracker.StartRunAsync("outage");
        env.Store.FailNext(int.MaxValue, () => new TrackingStoreUnavailableException("down"));
        run.LogMetric("loss", 1, 1);
        run.LogMetric("loss", 2, 2);
        var flush = run.FlushAsync();
        for (var retry = 0; retry < 3; retry++)
        {
            await env.Time.AdvanceToNextDelayAsync();
        }

        var act = () => flush.WaitAsync(TimeSpan.FromSeconds(30));
        await act.Should().ThrowAsync<TrackingStoreUnavailableException>();
        env.Store.Attempts.Should().Be(4, "tries at 0, 1, 2 and 3 s; at 3 s the timeout has passed");
        run.PointsDropped.Should().Be(2);
        env.Store.FailNext(0, () => new TrackingStoreUnavailableException("down"));
        await run.CompleteAsync();
    }

    [Fact]
    public async Task Outage_DropMode_TrainingThreadNeverBlocksAndDropsOnlyBeyondCapacity()
    {
        await using var env = new OutageEnvironment(bulk: true, new TrackerOptions { BufferCapacity = 16, FlushBatchSize = 16, Backpressure = BackpressureMode.Drop });
        var run = await env.Tracker.StartRunAsync("outage");
        env.Store.FailNext(int.MaxValue, () => new TrackingStoreUnavailableException("down"));
        for (var i = 0; i < 10; i++)
        {
            run.LogMetric("loss", i, i);
        }

        var flush = run.FlushAsync();
        await env.Store.FirstAttempt.WaitAsync(TimeSpan.FromSeconds(30)); // the flusher holds the first 10 points
        for (var i = 10; i < 31; i++)
        {
            run.LogMetric("loss", i, i); // 16 fit in the buffer, 5 are dropped, nothing blocks
        }

        run.PointsDropped.Should().Be(5);
        run.BufferedPoints.Should().Be(16);
        env.Store.FailNext(0, () => new TrackingStoreUnavailableException("down"));
        await env.Time.AdvanceToNextDelayAsync();
        await flush.WaitAsync(TimeSpan.FromSeconds(30));
        await run.FlushAsync();
        (await env.CountRowsAsync(run.RunId)).Should().Be(26);
        run.PointsWritten.Should().Be(26);
        await run.CompleteAsync();
    }

    [Fact]
    public async Task Outage_ThrowMode_FullBufferThrowsAtOnceAndKeepsBufferedPoints()
    {
        await using var env = new OutageEnvironment(bulk: true, new TrackerOptions { BufferCapacity = 16, FlushBatchSize = 16, Backpressure = BackpressureMode.Throw });
        var run = await env.Tracker.StartRunAsync("outage");
        env.Store.FailNext(int.MaxValue, () => new TrackingStoreUnavailableException("down"));
        run.LogMetric("loss", 0, 0);
        var flush = run.FlushAsync();
        await env.Store.FirstAttempt.WaitAsync(TimeSpan.FromSeconds(30));
        for (var i = 1; i <= 16; i++)
        {
            run.LogMetric("loss", i, i);
        }

        var act = () => run.LogMetric("loss", 17, 17);
        act.Should().Throw<TrackingBufferFullException>().Which.Capacity.Should().Be(16);
        env.Store.FailNext(0, () => new TrackingStoreUnavailableException("down"));
        await env.Time.AdvanceToNextDelayAsync();
        await flush.WaitAsync(TimeSpan.FromSeconds(30));
        await run.FlushAsync();
        (await env.CountRowsAsync(run.RunId)).Should().Be(17);
        run.PointsDropped.Should().Be(0, "Throw mode tells the caller instead of dropping");
        await run.CompleteAsync();
    }

    [Fact]
    public async Task Outage_WaitMode_BlocksNoLongerThanBackpressureTimeout()
    {
        var timeout = TimeSpan.FromMilliseconds(200);
        await using var env = new OutageEnvironment(bulk: true, new TrackerOptions { BufferCapacity = 16, FlushBatchSize = 16, Backpressure = BackpressureMode.Wait, BackpressureTimeout = timeout });
        var run = await env.Tracker.StartRunAsync("outage");
        env.Store.FailNext(int.MaxValue, () => new TrackingStoreUnavailableException("down"));
        run.LogMetric("loss", 0, 0);
        var flush = run.FlushAsync();
        await env.Store.FirstAttempt.WaitAsync(TimeSpan.FromSeconds(30));
        for (var i = 1; i <= 16; i++)
        {
            run.LogMetric("loss", i, i);
        }

        var watch = System.Diagnostics.Stopwatch.StartNew();
        var act = () => run.LogMetric("loss", 17, 17);
        act.Should().Throw<TrackingBufferFullException>();
        watch.Elapsed.Should().BeGreaterThanOrEqualTo(timeout - TimeSpan.FromMilliseconds(20)).And.BeLessThan(timeout + TimeSpan.FromSeconds(5));
        env.Store.FailNext(0, () => new TrackingStoreUnavailableException("down"));
        await env.Time.AdvanceToNextDelayAsync();
        await flush.WaitAsync(TimeSpan.FromSeconds(30));
        await run.FlushAsync();
        (await env.CountRowsAsync(run.RunId)).Should().Be(17);
        await run.CompleteAsync();
    }

    [Fact]
    public async Task Outage_ManyPointsAcrossSeveralFlushes_AllArriveExactlyOnce()
    {
        await using var env = new OutageEnvironment(bulk: false, new TrackerOptions { BufferCapacity = 50_000, FlushBatchSize = 5_000, FlushRetryDelay = TimeSpan.FromMilliseconds(500), FlushRetryMaxDelay = TimeSpan.FromSeconds(5) });
        var run = await env.Tracker.StartRunAsync("outage");
        for (var i = 0; i < 12_000; i++)
        {
            run.LogMetric("loss", i, i);
        }

        await run.FlushAsync();
        env.Store.FailNext(5, () => new TrackingStoreUnavailableException("503"));
        for (var i = 12_000; i < 30_000; i++)
        {
            run.LogMetric("loss", i, i);
        }

        var flush = run.FlushAsync();
        for (var retry = 0; retry < 5; retry++)
        {
            await env.Time.AdvanceToNextDelayAsync();
        }

        await flush.WaitAsync(TimeSpan.FromSeconds(30));
        (await env.CountRowsAsync(run.RunId)).Should().Be(30_000);
        env.Store.PointsAccepted.Should().Be(30_000);
        run.PointsDropped.Should().Be(0);
        var history = await env.Store.Inner.GetMetricHistoryAsync(run.RunId, "loss");
        history.Items.Select(m => m.Step).Should().Equal(Enumerable.Range(0, 30_000).Select(i => (long)i));
        await run.CompleteAsync();
    }

    [Fact]
    public async Task Outage_PendingParamsAndTags_WrittenOnceAfterRecovery_AndRetriesMetered()
    {
        using var meterFactory = new TestMeterFactory();
        using var retries = new Microsoft.Extensions.Diagnostics.Metrics.Testing.MetricCollector<long>(meterFactory, "MLOps.Tracking", "mlops.tracking.flush.retries");
        await using var env = new OutageEnvironment(bulk: false, new TrackerOptions(), meterFactory);
        var run = await env.Tracker.StartRunAsync("outage");
        env.Store.FailNext(3, () => new TrackingStoreUnavailableException("503"));
        run.LogParam("lr", "0.001");
        run.SetTag("team", "risk");
        run.LogMetric("loss", 0.5, 0);
        var flush = run.FlushAsync();
        for (var retry = 0; retry < 3; retry++)
        {
            await env.Time.AdvanceToNextDelayAsync();
        }

        await flush.WaitAsync(TimeSpan.FromSeconds(30));
        var stored = await env.Store.Inner.GetRunAsync(run.RunId);
        stored.Params.Should().Equal(new Dictionary<string, string> { ["lr"] = "0.001" });
        stored.Tags["team"].Should().Be("risk");
        (await env.CountRowsAsync(run.RunId)).Should().Be(1);
        retries.GetMeasurementSnapshot().Sum(m => m.Value).Should().Be(3);
        await run.CompleteAsync();
    }

    [Fact]
    public void Options_RetrySettingsOutOfRange_AreReported()
    {
        new TrackerOptions { FlushRetryDelay = TimeSpan.Zero }.Validate().Should().ContainSingle().Which.Should().Contain("FlushRetryDelay");
        new TrackerOptions { FlushRetryDelay = TimeSpan.FromSeconds(2), FlushRetryMaxDelay = TimeSpan.FromSeconds(1) }.Validate().Should().ContainSingle().Which.Should().Contain("FlushRetryMaxDelay");
        new TrackerOptions { FlushRetryTimeout = TimeSpan.Zero }.Validate().Should().ContainSingle().Which.Should().Contain("FlushRetryTimeout");
        new TrackerOptions { FlushRetryTimeout = Timeout.InfiniteTimeSpan }.Validate().Should().BeEmpty();
    }

    [Theory]
    [InlineData(typeof(TimeoutException), true)]
    [InlineData(typeof(IOException), true)]
    [InlineData(typeof(HttpRequestException), true)]
    [InlineData(typeof(ObjectDisposedException), false)]
    [InlineData(typeof(InvalidOperationException), false)]
    public void IsTransientFailure_ClassifiesCommonExceptions(Type type, bool transient)
    {
        var ex = type == typeof(ObjectDisposedException) ? new ObjectDisposedException("store") : (Exception)Activator.CreateInstance(type, "x")!;
        TrackingStoreUnavailableException.IsTransientFailure(ex).Should().Be(transient);
    }

    [Fact]
    public void IsTransientFailure_FollowsMLOpsExceptionFlag()
    {
        TrackingStoreUnavailableException.IsTransientFailure(new TrackingStoreUnavailableException("x")).Should().BeTrue();
        TrackingStoreUnavailableException.IsTransientFailure(new TrackingException(MlflowErrorCode.InternalError, "x")).Should().BeFalse();
        TrackingStoreUnavailableException.IsTransientFailure(new TrackingException(MlflowErrorCode.TemporarilyUnavailable, "x", isTransient: true)).Should().BeTrue();
        new TrackingStoreUnavailableException("x").ErrorCode.Should().Be("TEMPORARILY_UNAVAILABLE");
        TrackingStoreUnavailableException.IsTransientFailure(new TaskCanceledException("HttpClient.Timeout", new TimeoutException())).Should().BeTrue();
        TrackingStoreUnavailableException.IsTransientFailure(new OperationCanceledException()).Should().BeFalse();
    }
}

/// <summary>A real SQLite store behind a <see cref="FlakyStore"/>, a tracker on a <see cref="DelayTrackingTime"/>.</summary>
internal sealed class OutageEnvironment : IAsyncDisposable
{
    public OutageEnvironment(bool bulk, TrackerOptions options, System.Diagnostics.Metrics.IMeterFactory? meterFactory = null)
    {
        Directory = new TempDirectory("mlops-outage-");
        Fake = new FakeTimeProvider(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
        Time = new DelayTrackingTime(Fake, options.FlushRetryDelay);
        var sqlite = new SqliteTrackingStore(Directory.Combine("tracking.db"), null, Fake);
        Store = bulk ? new FlakyBulkStore(sqlite) : new FlakyStore(sqlite);
        options.CaptureLineage = false;
        options.FlushInterval = TimeSpan.FromHours(1);
        Tracker = new Tracker(Store, options, null, Time, meterFactory: meterFactory);
    }

    public TempDirectory Directory { get; }

    public FakeTimeProvider Fake { get; }

    public DelayTrackingTime Time { get; }

    public FlakyStore Store { get; }

    public Tracker Tracker { get; }

    public async Task<int> CountRowsAsync(string runId)
    {
        var history = await Store.Inner.GetMetricHistoryAsync(runId, "loss");
        var acc = await Store.Inner.GetMetricHistoryAsync(runId, "acc");
        return history.Items.Count + acc.Items.Count;
    }

    public async ValueTask DisposeAsync()
    {
        Store.FailNext(0, () => new TrackingStoreUnavailableException("healed"));
        await Tracker.DisposeAsync();
        Store.Inner.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Dispose();
    }
}

/// <summary>Wraps a real store; the next N metric writes fail with an exception of the test's choosing.</summary>
internal class FlakyStore(SqliteTrackingStore inner) : ITrackingStore
{
    private readonly object _gate = new();
    private readonly TaskCompletionSource _firstAttempt = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _failuresLeft;
    private Func<Exception> _failure = () => new TrackingStoreUnavailableException("down");
    private int _attempts;
    private long _accepted;

    public SqliteTrackingStore Inner { get; } = inner;

    public int Attempts => Volatile.Read(ref _attempts);

    public long PointsAccepted => Interlocked.Read(ref _accepted);

    public Task FirstAttempt => _firstAttempt.Task;

    public void FailNext(int count, Func<Exception> failure)
    {
        lock (_gate)
        {
            _failuresLeft = count;
            _failure = failure;
        }
    }

    public Task LogBatchAsync(string runId, ReadOnlyMemory<Metric> metrics, IReadOnlyList<Param>? parameters = null, IReadOnlyList<RunTag>? tags = null, CancellationToken cancellationToken = default) =>
        WriteAsync(metrics.Length, () => Inner.LogBatchAsync(runId, metrics, parameters, tags, cancellationToken));

    protected async Task WriteAsync(int points, Func<Task> write)
    {
        Exception? failure = null;
        lock (_gate)
        {
            _attempts++;
            if (_failuresLeft > 0)
            {
                _failuresLeft--;
                failure = _failure();
            }
        }

        _firstAttempt.TrySetResult();
        if (failure is not null)
        {
            throw failure;
        }

        await write();
        Interlocked.Add(ref _accepted, points);
    }

    public Task<string> CreateExperimentAsync(string name, string? artifactLocation = null, IReadOnlyList<RunTag>? tags = null, CancellationToken cancellationToken = default) => Inner.CreateExperimentAsync(name, artifactLocation, tags, cancellationToken);

    public Task<Experiment> GetExperimentAsync(string experimentId, CancellationToken cancellationToken = default) => Inner.GetExperimentAsync(experimentId, cancellationToken);

    public Task<Experiment?> GetExperimentByNameAsync(string name, CancellationToken cancellationToken = default) => Inner.GetExperimentByNameAsync(name, cancellationToken);

    public Task<Page<Experiment>> SearchExperimentsAsync(ExperimentSearch search, CancellationToken cancellationToken = default) => Inner.SearchExperimentsAsync(search, cancellationToken);

    public Task SetExperimentTagAsync(string experimentId, string key, string value, CancellationToken cancellationToken = default) => Inner.SetExperimentTagAsync(experimentId, key, value, cancellationToken);

    public Task DeleteExperimentAsync(string experimentId, CancellationToken cancellationToken = default) => Inner.DeleteExperimentAsync(experimentId, cancellationToken);

    public Task RestoreExperimentAsync(string experimentId, CancellationToken cancellationToken = default) => Inner.RestoreExperimentAsync(experimentId, cancellationToken);

    public Task<RunInfo> CreateRunAsync(string experimentId, string? runName, long startTime, IReadOnlyList<RunTag>? tags = null, CancellationToken cancellationToken = default) => Inner.CreateRunAsync(experimentId, runName, startTime, tags, cancellationToken);

    public Task<RunInfo> UpdateRunAsync(string runId, RunUpdate update, CancellationToken cancellationToken = default) => Inner.UpdateRunAsync(runId, update, cancellationToken);

    public Task<Run> GetRunAsync(string runId, CancellationToken cancellationToken = default) => Inner.GetRunAsync(runId, cancellationToken);

    public Task DeleteRunAsync(string runId, CancellationToken cancellationToken = default) => Inner.DeleteRunAsync(runId, cancellationToken);

    public Task RestoreRunAsync(string runId, CancellationToken cancellationToken = default) => Inner.RestoreRunAsync(runId, cancellationToken);

    public Task DeleteTagAsync(string runId, string key, CancellationToken cancellationToken = default) => Inner.DeleteTagAsync(runId, key, cancellationToken);

    public Task LogInputsAsync(string runId, IReadOnlyList<DatasetInput> inputs, CancellationToken cancellationToken = default) => Inner.LogInputsAsync(runId, inputs, cancellationToken);

    public Task<Page<Metric>> GetMetricHistoryAsync(string runId, string key, int? maxResults = null, string? pageToken = null, CancellationToken cancellationToken = default) => Inner.GetMetricHistoryAsync(runId, key, maxResults, pageToken, cancellationToken);

    public Task<Page<Run>> SearchRunsAsync(RunSearch search, CancellationToken cancellationToken = default) => Inner.SearchRunsAsync(search, cancellationToken);
}

/// <summary>The same wrapper for the bulk path (one transaction per flush).</summary>
internal sealed class FlakyBulkStore(SqliteTrackingStore inner) : FlakyStore(inner), IBulkTrackingStore
{
    public Task LogBulkAsync(string runId, ReadOnlyMemory<Metric> metrics, IReadOnlyList<Param>? parameters = null, IReadOnlyList<RunTag>? tags = null, CancellationToken cancellationToken = default) =>
        WriteAsync(metrics.Length, () => Inner.LogBulkAsync(runId, metrics, parameters, tags, cancellationToken));
}

/// <summary>
/// A clock over a <see cref="FakeTimeProvider"/> that reports each one-shot timer (a retry's <c>Task.Delay</c>) as it
/// is created, so a test advances exactly to the next retry instead of guessing or sleeping.
/// </summary>
internal sealed class DelayTrackingTime(FakeTimeProvider inner, TimeSpan unused) : TimeProvider
{
    private readonly Channel<TimeSpan> _delays = Channel.CreateUnbounded<TimeSpan>();

    public override TimeZoneInfo LocalTimeZone => inner.LocalTimeZone;

    public override long TimestampFrequency => inner.TimestampFrequency;

    public override DateTimeOffset GetUtcNow() => inner.GetUtcNow();

    public override long GetTimestamp() => inner.GetTimestamp();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = inner.CreateTimer(callback, state, dueTime, period);
        if (period == Timeout.InfiniteTimeSpan && dueTime != Timeout.InfiniteTimeSpan)
        {
            _ = _delays.Writer.TryWrite(dueTime);
        }

        _ = unused;
        return timer;
    }

    /// <summary>Waits (bounded) until the flusher starts its next retry delay, then advances the fake clock by exactly that delay.</summary>
    public async Task<TimeSpan> AdvanceToNextDelayAsync()
    {
        var delay = await _delays.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        inner.Advance(delay);
        return delay;
    }
}
