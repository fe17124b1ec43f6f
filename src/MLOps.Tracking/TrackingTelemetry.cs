using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;

namespace MLOps.Tracking;

/// <summary>The <c>MLOps.Tracking</c> meter: points written and dropped, flush duration, buffer depth.</summary>
internal sealed class TrackingMetrics : IDisposable
{
    public const string MeterName = "MLOps.Tracking";

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Counter<long> _logged;
    private readonly Counter<long> _dropped;
    private readonly Histogram<double> _flushDuration;
    private readonly Counter<long> _retries;

    public TrackingMetrics(IMeterFactory? factory, Func<long> bufferDepth)
    {
        _ownsMeter = factory is null;
        _meter = factory?.Create(MeterName) ?? new Meter(MeterName);
        _logged = _meter.CreateCounter<long>("mlops.tracking.points.logged", "{point}", "Metric points written to the store.");
        _dropped = _meter.CreateCounter<long>("mlops.tracking.points.dropped", "{point}", "Metric points lost: dropped on a full buffer (BackpressureMode.Drop) or in a failed flush.");
        _retries = _meter.CreateCounter<long>("mlops.tracking.flush.retries", "{retry}", "Writes retried after a transient store failure (a busy database, a server outage).");
        _flushDuration = _meter.CreateHistogram<double>("mlops.tracking.flush.duration", "s", "Time to write one flush to the store.");
        _meter.CreateObservableGauge("mlops.tracking.buffer.depth", () => bufferDepth(), "{point}", "Metric points buffered and not yet written, over all open runs.");
    }

    public void Logged(long points) => _logged.Add(points);

    public void Dropped(long points) => _dropped.Add(points);

    public void Retried() => _retries.Add(1);

    public void Flushed(TimeSpan duration) => _flushDuration.Record(duration.TotalSeconds);

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }
}

internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Started run {RunId} ('{RunName}') in experiment {ExperimentId}")]
    public static partial void RunStarted(ILogger logger, string runId, string runName, string experimentId);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Ended run {RunId} as {Status}; {Written} points written, {Dropped} dropped")]
    public static partial void RunEnded(ILogger logger, string runId, RunStatus status, long written, long dropped);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Flush of run {RunId} failed permanently (or past FlushRetryTimeout); {Points} points were not written")]
    public static partial void FlushFailed(ILogger logger, Exception exception, string runId, int points);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Run {RunId}: the metric buffer is full ({Capacity} points); dropping points (BackpressureMode.Drop). Further drops are counted, not logged")]
    public static partial void DroppingPoints(ILogger logger, string runId, int capacity);

    [LoggerMessage(EventId = 5, Level = LogLevel.Debug, Message = "Flush of run {RunId} hit a transient failure (attempt {Attempt}); retrying")]
    public static partial void FlushRetry(ILogger logger, Exception exception, string runId, int attempt);

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "Run {RunId}: the tracking store is unavailable; keeping {Points} points and retrying in {Delay} (capped exponential backoff)")]
    public static partial void FlushRetrying(ILogger logger, Exception exception, string runId, int points, TimeSpan delay);

    [LoggerMessage(EventId = 7, Level = LogLevel.Information, Message = "Run {RunId}: the tracking store is back after {Retries} retries ({Outage}); buffered points written")]
    public static partial void FlushRecovered(ILogger logger, string runId, int retries, TimeSpan outage);

    [LoggerMessage(EventId = 8, Level = LogLevel.Warning, Message = "Run {RunId}: sampling system metrics from {Source} failed; its metrics are skipped until it works again. Further failures are not logged")]
    public static partial void SystemMetricsFailed(ILogger logger, Exception exception, string runId, string source);

    [LoggerMessage(EventId = 9, Level = LogLevel.Debug, Message = "No GPU system metrics: {Reason}")]
    public static partial void GpuMetricsUnavailable(ILogger logger, string reason);
}
