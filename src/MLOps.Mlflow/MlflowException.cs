using System.Globalization;
using System.Net;

namespace MLOps.Mlflow;

/// <summary>
/// An error returned by an MLflow server (its <c>{"error_code": ..., "message": ...}</c> body), or a failure to reach it.
/// </summary>
/// <remarks>
/// <see cref="MLOpsException.IsTransient"/> is <see langword="true"/> for HTTP 408, 429 and 5xx and for network
/// failures and timeouts: retrying the same call later may succeed. The message never contains a credential.
/// </remarks>
public class MlflowException : MLOpsException
{
    /// <summary>Initializes a new instance of the <see cref="MlflowException"/> class.</summary>
    /// <param name="errorCode">MLflow's error code, for example <c>RESOURCE_DOES_NOT_EXIST</c>.</param>
    /// <param name="message">The message.</param>
    /// <param name="statusCode">The HTTP status, or <see langword="null"/> when no response came.</param>
    /// <param name="isTransient">Whether retrying may succeed.</param>
    /// <param name="innerException">The cause, or <see langword="null"/>.</param>
    public MlflowException(string errorCode, string message, HttpStatusCode? statusCode, bool isTransient, Exception? innerException = null)
        : base(message, isTransient, innerException)
    {
        ErrorCode = errorCode;
        StatusCode = statusCode;
    }

    /// <summary>Gets MLflow's string error code (<c>INVALID_PARAMETER_VALUE</c>, <c>RESOURCE_ALREADY_EXISTS</c>, ...).</summary>
    public string ErrorCode { get; }

    /// <summary>Gets the HTTP status of the response, or <see langword="null"/> when none came (network failure, timeout).</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>Tells whether an HTTP status is in MLflow's transient set (408, 429, 5xx).</summary>
    /// <param name="status">The status.</param>
    /// <returns><see langword="true"/> when a retry may succeed.</returns>
    public static bool IsTransientStatus(HttpStatusCode status) => (int)status is 408 or 429 or >= 500;

    /// <summary>
    /// Tells whether a failed response is worth retrying: its status is in MLflow's transient set and its
    /// <c>error_code</c> does not name a permanent condition (MLflow answers <c>INVALID_STATE</c> with HTTP 500, for
    /// example, and retrying it cannot succeed).
    /// </summary>
    /// <param name="status">The HTTP status.</param>
    /// <param name="errorCode">MLflow's error code (from the body, or mapped from the status).</param>
    /// <returns><see langword="true"/> when a retry may succeed.</returns>
    public static bool IsTransientResponse(HttpStatusCode status, string errorCode) =>
        IsTransientStatus(status) && errorCode is not ("INVALID_STATE" or "INVALID_PARAMETER_VALUE" or "RESOURCE_DOES_NOT_EXIST"
            or "RESOURCE_ALREADY_EXISTS" or "BAD_REQUEST" or "PERMISSION_DENIED" or "UNAUTHENTICATED" or "ENDPOINT_NOT_FOUND" or "NOT_IMPLEMENTED");

    internal static string Describe(string method, string path, HttpStatusCode? status, string errorCode, string serverMessage) =>
        status is { } s
            ? string.Create(CultureInfo.InvariantCulture, $"MLflow {method} {path} failed with HTTP {(int)s} {errorCode}: {serverMessage}")
            : string.Create(CultureInfo.InvariantCulture, $"MLflow {method} {path} failed before a response came ({errorCode}): {serverMessage}");
}

/// <summary>
/// A failure that retrying the same call later may cure: HTTP 408, 429 and 5xx (except a 5xx whose MLflow
/// <c>error_code</c> names a permanent condition, such as <c>INVALID_STATE</c>), a connection that failed or dropped,
/// an attempt or total timeout, or an open circuit breaker. Every other <see cref="MlflowException"/> (4xx) is permanent.
/// </summary>
/// <remarks>
/// <see cref="MLOpsException.IsTransient"/> is always <see langword="true"/>. Whether the server applied the request is
/// unknown only for 500/502/504, timeouts and dropped connections; a 408, 429 or 503 answer and a refused connection
/// mean it was not applied. The client's HTTP handler re-sends a POST, PATCH or DELETE only in those not-applied cases,
/// so a <c>log-batch</c> is never re-sent by the HTTP layer after it may have been applied (see the package README).
/// </remarks>
public sealed class MlflowTransientException : MlflowException
{
    /// <summary>Initializes a new instance of the <see cref="MlflowTransientException"/> class.</summary>
    /// <param name="errorCode">MLflow's error code, for example <c>TEMPORARILY_UNAVAILABLE</c> or <c>DEADLINE_EXCEEDED</c>.</param>
    /// <param name="message">The message (never a credential).</param>
    /// <param name="statusCode">The HTTP status, or <see langword="null"/> when no response came.</param>
    /// <param name="retryAfter">The server's <c>Retry-After</c> delay, or <see langword="null"/>.</param>
    /// <param name="innerException">The cause, or <see langword="null"/>.</param>
    public MlflowTransientException(string errorCode, string message, HttpStatusCode? statusCode, TimeSpan? retryAfter = null, Exception? innerException = null)
        : base(errorCode, message, statusCode, true, innerException)
    {
        RetryAfter = retryAfter;
    }

    /// <summary>Gets how long the server asked the caller to wait (its <c>Retry-After</c> header, in seconds), or <see langword="null"/>.</summary>
    public TimeSpan? RetryAfter { get; }
}

/// <summary>
/// Thrown for an <see cref="Registry.IModelRegistry"/> or <see cref="Artifacts.IArtifactStore"/> member that an MLflow
/// server cannot back (for example the assignment history, which MLflow does not keep).
/// </summary>
public sealed class MlflowNotSupportedException : MLOpsException
{
    /// <summary>Initializes a new instance of the <see cref="MlflowNotSupportedException"/> class.</summary>
    /// <param name="member">The member that is not supported.</param>
    /// <param name="reason">Why, and what to use instead.</param>
    public MlflowNotSupportedException(string member, string reason)
        : base($"{member} is not supported by the MLflow backend: {reason}")
    {
        Member = member;
    }

    /// <summary>Gets the unsupported member's name.</summary>
    public string Member { get; }
}

/// <summary>
/// Thrown by <see cref="MlflowModelRegistry.CreateModelVersionAsync"/>, before any request, when an entry of the request's
/// <see cref="Registry.ModelLineage"/> cannot be kept as an MLflow model-version tag: a key over 250 characters or with a
/// character or path segment MLflow refuses, or a value over 5000 characters (MLflow's limits for model-version tags).
/// Nothing is uploaded or registered.
/// </summary>
public sealed class MlflowLineageTagException : MLOpsException
{
    /// <summary>Initializes a new instance of the <see cref="MlflowLineageTagException"/> class.</summary>
    /// <param name="tagKey">The tag key the entry would need, for example <c>mlops.lineage.metric.f1</c>.</param>
    /// <param name="message">What is wrong and what to do.</param>
    public MlflowLineageTagException(string tagKey, string message)
        : base(message)
    {
        TagKey = tagKey;
    }

    /// <summary>Gets the tag key the lineage entry would need (<see cref="MlflowModelRegistry.LineageTagPrefix"/> and the entry's kind and name).</summary>
    public string TagKey { get; }
}
