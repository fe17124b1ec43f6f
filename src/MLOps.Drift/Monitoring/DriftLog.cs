using Microsoft.Extensions.Logging;

namespace MLOps.Drift;

/// <summary>Log messages of <c>MLOps.Drift</c>, with stable event ids.</summary>
internal static partial class DriftLog
{
    [LoggerMessage(EventId = 1, Message = "Drift alert {Level} from rule '{Rule}' on monitor '{Monitor}': {Column} {Metric} = {Value} crossed {Threshold} (window {Window}).")]
    public static partial void Alert(ILogger logger, LogLevel logLevel, AlertLevel level, string rule, string monitor, string column, AlertMetric metric, double value, double threshold, long window);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "Drift monitor '{Monitor}' closed window {Window}: {Rows} rows, {Drifted} drifted columns.")]
    public static partial void WindowClosed(ILogger logger, string monitor, long window, long rows, int drifted);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Drift monitor '{Monitor}': a subscriber threw; other subscribers still ran.")]
    public static partial void SubscriberFailed(ILogger logger, Exception exception, string monitor);

    [LoggerMessage(EventId = 4, Level = LogLevel.Error, Message = "Drift monitor '{Monitor}' could not test window {Window}; the window is reported without drift results.")]
    public static partial void WindowFailed(ILogger logger, Exception exception, string monitor, long window);

    public static LogLevel ToLogLevel(AlertLevel level) => level switch
    {
        AlertLevel.Critical => LogLevel.Critical,
        AlertLevel.Warning => LogLevel.Warning,
        _ => LogLevel.Information,
    };
}
