using System.Globalization;

namespace MLOps.Tracking;

/// <summary>The error codes MLflow's tracking server returns (<c>error_code</c> in its JSON error body).</summary>
/// <remarks>The same strings an MLflow server sends, so a caller can handle the embedded store and a server alike.</remarks>
public static class MlflowErrorCode
{
    /// <summary><c>INVALID_PARAMETER_VALUE</c> (HTTP 400): a key, value, filter or limit broke a rule.</summary>
    public const string InvalidParameterValue = "INVALID_PARAMETER_VALUE";

    /// <summary><c>RESOURCE_DOES_NOT_EXIST</c> (HTTP 404): no run, experiment or tag with that id or name.</summary>
    public const string ResourceDoesNotExist = "RESOURCE_DOES_NOT_EXIST";

    /// <summary><c>RESOURCE_ALREADY_EXISTS</c> (HTTP 400): an experiment with that name exists (maybe deleted).</summary>
    public const string ResourceAlreadyExists = "RESOURCE_ALREADY_EXISTS";

    /// <summary><c>INVALID_STATE</c> (HTTP 500): the experiment or run is not in a state that allows the call.</summary>
    public const string InvalidState = "INVALID_STATE";

    /// <summary><c>RESOURCE_EXHAUSTED</c> (HTTP 429): a bounded buffer is full.</summary>
    public const string ResourceExhausted = "RESOURCE_EXHAUSTED";

    /// <summary><c>TEMPORARILY_UNAVAILABLE</c> (HTTP 503): the store is busy; retrying may succeed.</summary>
    public const string TemporarilyUnavailable = "TEMPORARILY_UNAVAILABLE";

    /// <summary><c>INTERNAL_ERROR</c> (HTTP 500): the store failed (a corrupt or newer database, a write error).</summary>
    public const string InternalError = "INTERNAL_ERROR";
}

/// <summary>A tracking failure, carrying the MLflow error code a tracking server would return for it.</summary>
public class TrackingException : MLOpsException
{
    /// <summary>Creates an exception.</summary>
    /// <param name="errorCode">One of <see cref="MlflowErrorCode"/>.</param>
    /// <param name="message">What went wrong, the value, and the fix.</param>
    /// <param name="isTransient">Whether a retry may succeed.</param>
    /// <param name="innerException">The cause, if any.</param>
    public TrackingException(string errorCode, string message, bool isTransient = false, Exception? innerException = null)
        : base(message, isTransient, innerException)
    {
        ErrorCode = errorCode;
    }

    /// <summary>Gets the MLflow error code, for example <c>INVALID_PARAMETER_VALUE</c>.</summary>
    public string ErrorCode { get; }
}

/// <summary>A key, value, name or limit broke one of MLflow's validation rules (<c>INVALID_PARAMETER_VALUE</c>). Nothing was written.</summary>
public class InvalidTrackingValueException : TrackingException
{
    /// <summary>Creates an exception.</summary>
    /// <param name="field">What was invalid, for example <c>Metric name</c> or <c>Param value</c>.</param>
    /// <param name="value">The offending value (possibly shortened for the message).</param>
    /// <param name="message">The full message.</param>
    public InvalidTrackingValueException(string field, string? value, string message)
        : base(MlflowErrorCode.InvalidParameterValue, message)
    {
        Field = field;
        Value = value;
    }

    /// <summary>Gets what was invalid, for example <c>Metric name</c>, <c>Param value</c>, <c>log-batch metrics</c>.</summary>
    public string Field { get; }

    /// <summary>Gets the offending value, when there is one.</summary>
    public string? Value { get; }
}

/// <summary>A param was logged again with a different value; params are immutable (<c>INVALID_PARAMETER_VALUE</c>).</summary>
public sealed class ParamValueChangedException : InvalidTrackingValueException
{
    /// <summary>Creates an exception.</summary>
    /// <param name="runId">The run.</param>
    /// <param name="key">The param key.</param>
    /// <param name="oldValue">The value already logged.</param>
    /// <param name="newValue">The value attempted.</param>
    public ParamValueChangedException(string runId, string key, string oldValue, string newValue)
        : base("Param value", newValue, string.Create(CultureInfo.InvariantCulture,
            $"Changing param values is not allowed. Param with key='{key}' was already logged with value='{Shorten(oldValue)}' for run ID='{runId}'. Attempted logging new value '{Shorten(newValue)}'. Log the new value under another key, or start a new run."))
    {
        RunId = runId;
        Key = key;
        OldValue = oldValue;
        NewValue = newValue;
    }

    /// <summary>Gets the run id.</summary>
    public string RunId { get; }

    /// <summary>Gets the param key.</summary>
    public string Key { get; }

    /// <summary>Gets the value already stored.</summary>
    public string OldValue { get; }

    /// <summary>Gets the value that was rejected.</summary>
    public string NewValue { get; }

    internal static string Shorten(string value) => value.Length <= 200 ? value : string.Concat(value.AsSpan(0, 200), "…");
}

/// <summary>No run, experiment or tag exists with the given id or name (<c>RESOURCE_DOES_NOT_EXIST</c>).</summary>
public sealed class TrackingResourceNotFoundException : TrackingException
{
    /// <summary>Creates an exception.</summary>
    /// <param name="resource">The kind: <c>run</c>, <c>experiment</c>, <c>tag</c>.</param>
    /// <param name="id">The id or name looked for.</param>
    /// <param name="message">The full message.</param>
    public TrackingResourceNotFoundException(string resource, string id, string message)
        : base(MlflowErrorCode.ResourceDoesNotExist, message)
    {
        Resource = resource;
        Id = id;
    }

    /// <summary>Gets the kind of resource: <c>run</c>, <c>experiment</c> or <c>tag</c>.</summary>
    public string Resource { get; }

    /// <summary>Gets the id or name that was not found.</summary>
    public string Id { get; }
}

/// <summary>An experiment with that name already exists, active or deleted (<c>RESOURCE_ALREADY_EXISTS</c>).</summary>
public sealed class ExperimentAlreadyExistsException : TrackingException
{
    /// <summary>Creates an exception.</summary>
    /// <param name="name">The experiment name.</param>
    public ExperimentAlreadyExistsException(string name)
        : base(MlflowErrorCode.ResourceAlreadyExists, $"Experiment '{name}' already exists. Choose another name, or restore and reuse the existing one (GetExperimentByNameAsync).")
    {
        Name = name;
    }

    /// <summary>Gets the experiment name.</summary>
    public string Name { get; }
}

/// <summary>The run or experiment is deleted or ended, so the call is not allowed (<c>INVALID_STATE</c> or <c>INVALID_PARAMETER_VALUE</c>).</summary>
public sealed class InvalidRunStateException : TrackingException
{
    /// <summary>Creates an exception.</summary>
    /// <param name="errorCode">The MLflow error code.</param>
    /// <param name="id">The run or experiment id.</param>
    /// <param name="message">The full message.</param>
    public InvalidRunStateException(string errorCode, string id, string message)
        : base(errorCode, message)
    {
        Id = id;
    }

    /// <summary>Gets the run or experiment id.</summary>
    public string Id { get; }
}

/// <summary>The metric buffer of a run stayed full (<c>RESOURCE_EXHAUSTED</c>): the store cannot keep up or is failing.</summary>
public sealed class TrackingBufferFullException : TrackingException
{
    /// <summary>Creates an exception.</summary>
    /// <param name="capacity">The buffer capacity in points.</param>
    /// <param name="waited">How long the caller waited for room.</param>
    public TrackingBufferFullException(int capacity, TimeSpan waited)
        : base(MlflowErrorCode.ResourceExhausted, string.Create(CultureInfo.InvariantCulture,
            $"The tracking buffer is full ({capacity} points) and no room came within {waited.TotalMilliseconds:0} ms. Raise TrackerOptions.BufferCapacity or BackpressureTimeout, log less often, or choose BackpressureMode.Drop."), isTransient: true)
    {
        Capacity = capacity;
    }

    /// <summary>Gets the buffer capacity in points.</summary>
    public int Capacity { get; }
}

/// <summary>A filter or order_by expression could not be parsed (<c>INVALID_PARAMETER_VALUE</c>).</summary>
public sealed class FilterSyntaxException : InvalidTrackingValueException
{
    /// <summary>Creates an exception.</summary>
    /// <param name="expression">The whole expression.</param>
    /// <param name="position">The zero-based character position of the problem.</param>
    /// <param name="reason">What is wrong there and how to fix it.</param>
    public FilterSyntaxException(string expression, int position, string reason)
        : base("filter", expression, string.Create(CultureInfo.InvariantCulture, $"Invalid filter at position {position}: {reason}. Filter: \"{ParamValueChangedException.Shorten(expression)}\""))
    {
        Expression = expression;
        Position = position;
        Reason = reason;
    }

    /// <summary>Gets the expression that failed to parse.</summary>
    public string Expression { get; }

    /// <summary>Gets the zero-based character position of the problem in <see cref="Expression"/>.</summary>
    public int Position { get; }

    /// <summary>Gets what is wrong, without the position and expression.</summary>
    public string Reason { get; }
}

/// <summary>The database file cannot be used: written by a newer schema, corrupt, or failing (<c>INTERNAL_ERROR</c>), or busy past the timeout (<c>TEMPORARILY_UNAVAILABLE</c>, transient).</summary>
public sealed class TrackingStoreException : TrackingException
{
    /// <summary>Creates an exception.</summary>
    /// <param name="errorCode">The MLflow error code.</param>
    /// <param name="path">The database file.</param>
    /// <param name="message">The full message.</param>
    /// <param name="isTransient">Whether a retry may succeed.</param>
    /// <param name="innerException">The cause.</param>
    public TrackingStoreException(string errorCode, string path, string message, bool isTransient = false, Exception? innerException = null)
        : base(errorCode, message, isTransient, innerException)
    {
        DatabasePath = path;
    }

    /// <summary>Gets the database file.</summary>
    public string DatabasePath { get; }
}

/// <summary>
/// The store cannot take the call right now but may later (<c>TEMPORARILY_UNAVAILABLE</c>, always
/// <see cref="MLOpsException.IsTransient"/>): a tracking server that is down, overloaded (HTTP 429/503) or
/// unreachable. A backend throws it to tell the <see cref="Tracker"/>'s flusher to keep the points and retry.
/// </summary>
/// <remarks>
/// The flusher retries any failure whose <see cref="MLOpsException.IsTransient"/> is <see langword="true"/> (this
/// type, a busy <see cref="TrackingStoreException"/>, a transient <see cref="TrackingException"/>), and also
/// <see cref="TimeoutException"/>, <see cref="System.Net.Http.HttpRequestException"/>, <see cref="IOException"/> and a
/// timeout's cancellation (<see cref="IsTransientFailure"/>); everything else is permanent. See <see cref="TrackerOptions.FlushRetryTimeout"/>.
/// </remarks>
public sealed class TrackingStoreUnavailableException : TrackingException
{
    /// <summary>Creates an exception.</summary>
    /// <param name="message">What is unavailable, and what the caller may do.</param>
    /// <param name="retryAfter">How long the store asked callers to wait (an HTTP <c>Retry-After</c>), or <see langword="null"/>.</param>
    /// <param name="innerException">The cause, if any.</param>
    public TrackingStoreUnavailableException(string message, TimeSpan? retryAfter = null, Exception? innerException = null)
        : base(MlflowErrorCode.TemporarilyUnavailable, message, isTransient: true, innerException)
    {
        RetryAfter = retryAfter;
    }

    /// <summary>Gets how long the store asked callers to wait before retrying, or <see langword="null"/>. The flusher waits at least this long (capped by <see cref="TrackerOptions.FlushRetryMaxDelay"/>).</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>Tells whether a failure of a store call is worth retrying with the same data.</summary>
    /// <param name="exception">The failure.</param>
    /// <returns><see langword="true"/> for an <see cref="MLOpsException"/> with <see cref="MLOpsException.IsTransient"/>, a <see cref="TimeoutException"/>, an <see cref="System.Net.Http.HttpRequestException"/>, an <see cref="IOException"/>, or a cancellation caused by a timeout (<see cref="System.Net.Http.HttpClient.Timeout"/>).</returns>
    public static bool IsTransientFailure(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception switch
        {
            MLOpsException mlops => mlops.IsTransient,
            TimeoutException or System.Net.Http.HttpRequestException or IOException => true,
            OperationCanceledException { InnerException: TimeoutException } => true, // HttpClient.Timeout
            _ => false,
        };
    }
}
