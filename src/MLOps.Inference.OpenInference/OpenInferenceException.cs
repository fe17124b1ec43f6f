using System.Net;

namespace MLOps.Inference.OpenInference;

/// <summary>
/// A v2 server answered with an error status (its <c>{"error": "..."}</c> message is kept in
/// <see cref="ServerMessage"/>), answered with a body that is not v2, or could not be reached.
/// </summary>
/// <remarks>
/// <see cref="MLOpsException.IsTransient"/> is true for 503 (Triton: queue full or queue timeout), 429, 408,
/// timeouts and connection failures: a later retry may succeed. 400 means the request was wrong, 404 an unknown
/// model or version, 500 a model failure on the server.
/// </remarks>
public sealed class OpenInferenceException : MLOpsException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="operation">What was asked, for example <c>POST v2/models/mlp/infer</c>.</param>
    /// <param name="statusCode">The HTTP status, or null when no answer came.</param>
    /// <param name="serverMessage">The server's error message, if it sent one.</param>
    /// <param name="innerException">The underlying failure, if any.</param>
    public OpenInferenceException(string operation, HttpStatusCode? statusCode, string? serverMessage, Exception? innerException = null)
        : base(Describe(operation, statusCode, serverMessage, innerException), IsTransientStatus(statusCode), innerException)
    {
        Operation = operation;
        StatusCode = statusCode;
        ServerMessage = serverMessage;
    }

    /// <summary>Gets what was asked, for example <c>POST v2/models/mlp/infer</c>.</summary>
    public string Operation { get; }

    /// <summary>Gets the HTTP status the server answered with; null when no answer came (timeout, connection failure).</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>Gets the server's <c>error</c> message, when its body carried one.</summary>
    public string? ServerMessage { get; }

    private static bool IsTransientStatus(HttpStatusCode? status) =>
        status is null or HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout;

    private static string Describe(string operation, HttpStatusCode? status, string? serverMessage, Exception? inner)
    {
        if (status is null)
        {
            return $"{operation} got no answer: {inner?.Message ?? "unknown failure"} Check the server address and that it is running, or raise the timeout.";
        }

        var hint = status switch
        {
            HttpStatusCode.BadRequest => "fix the request",
            HttpStatusCode.NotFound => "check the model name and version",
            HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests => "the server is busy; retry later",
            HttpStatusCode.InternalServerError => "the model failed on the server; see its log",
            _ => "see the server's log",
        };
        return $"{operation} failed with {(int)status.Value} {status.Value}: {serverMessage ?? "(no error message)"}; {hint}.";
    }
}
