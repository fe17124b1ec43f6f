using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using MLOps.Features.Online;

namespace MLOps.Features.Feast;

/// <summary>Where a <c>/push</c> writes (Feast's <c>to</c> field).</summary>
public enum PushTarget
{
    /// <summary><c>online</c> (Feast's default).</summary>
    Online,

    /// <summary><c>offline</c>.</summary>
    Offline,

    /// <summary><c>online_and_offline</c>.</summary>
    OnlineAndOffline,
}

/// <summary>The Feast feature server answered with an error.</summary>
public sealed class FeastServerException : FeatureStoreException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="statusCode">The HTTP status.</param>
    /// <param name="detail">The server's error text, truncated.</param>
    public FeastServerException(HttpStatusCode statusCode, string detail)
        : base($"The Feast feature server answered {(int)statusCode} ({statusCode}): {detail}", IsTransientStatus(statusCode))
    {
        StatusCode = statusCode;
        Detail = detail;
    }

    /// <summary>Gets the HTTP status.</summary>
    public HttpStatusCode StatusCode { get; }

    /// <summary>Gets the server's error text.</summary>
    public string Detail { get; }

    internal static bool IsTransientStatus(HttpStatusCode code) => code is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)code >= 500;
}

/// <summary>
/// A client of Feast's Python feature server (<c>feast serve</c>): <c>POST /get-online-features</c> and <c>POST /push</c>
/// with the JSON forms of feast.md §5. Register it with <c>AddFeastFeatureServerClient</c> to get retries, timeouts and a
/// circuit breaker from <c>Microsoft.Extensions.Http.Resilience</c>. Thread-safe.
/// </summary>
public sealed class FeastFeatureServerClient : IOnlineFeatureReader
{
    private const int MaxDetail = 500;
    private readonly HttpClient _http;

    /// <summary>Creates the client over an <see cref="HttpClient"/> whose <see cref="HttpClient.BaseAddress"/> is the server.</summary>
    /// <param name="http">The HTTP client (from <c>IHttpClientFactory</c> for resilience).</param>
    public FeastFeatureServerClient(HttpClient http)
    {
        ArgumentNullException.ThrowIfNull(http);
        _http = http;
    }

    /// <inheritdoc />
    /// <exception cref="FeastServerException">The server answered an error; <c>IsTransient</c> for 408, 429 and 5xx.</exception>
    public async ValueTask<OnlineFeaturesResponse> GetOnlineFeaturesAsync(OnlineFeaturesRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        _ = request.RowCount();
        using var body = new MemoryStream();
        using (var w = new Utf8JsonWriter(body))
        {
            w.WriteStartObject();
            if (request.FeatureService is { } service)
            {
                w.WriteString("feature_service", service);
            }
            else
            {
                w.WriteStartArray("features");
                foreach (var f in request.Features ?? throw new FeatureStoreException("The request names neither features nor a feature service."))
                {
                    w.WriteStringValue(f);
                }

                w.WriteEndArray();
            }

            w.WriteStartObject("entities");
            foreach (var (name, values) in request.Entities)
            {
                w.WriteStartArray(name);
                foreach (var v in values)
                {
                    WriteValue(w, v);
                }

                w.WriteEndArray();
            }

            w.WriteEndObject();
            w.WriteBoolean("full_feature_names", request.FullFeatureNames);
            w.WriteEndObject();
        }

        using var doc = await PostAsync("get-online-features", body, cancellationToken).ConfigureAwait(false);
        return Parse(doc.RootElement);
    }

    /// <summary>Pushes rows to a push source (<c>POST /push</c>).</summary>
    /// <param name="pushSourceName">The push source.</param>
    /// <param name="columns">The rows as columns (join keys, <c>event_timestamp</c>, features); <see cref="DateTimeOffset"/> values are sent as RFC 3339.</param>
    /// <param name="to">Where to write; default online.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the server accepted the rows (200, or 202 when queued offline).</returns>
    /// <exception cref="FeastServerException">The server answered an error.</exception>
    public async Task PushAsync(string pushSourceName, IReadOnlyDictionary<string, IReadOnlyList<object?>> columns, PushTarget to = PushTarget.Online, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pushSourceName);
        ArgumentNullException.ThrowIfNull(columns);
        using var body = new MemoryStream();
        using (var w = new Utf8JsonWriter(body))
        {
            w.WriteStartObject();
            w.WriteString("push_source_name", pushSourceName);
            w.WriteStartObject("df");
            foreach (var (name, values) in columns)
            {
                w.WriteStartArray(name);
                foreach (var v in values)
                {
                    WriteValue(w, v);
                }

                w.WriteEndArray();
            }

            w.WriteEndObject();
            w.WriteString("to", to switch { PushTarget.Offline => "offline", PushTarget.OnlineAndOffline => "online_and_offline", _ => "online" });
            w.WriteEndObject();
        }

        using var _ = await PostAsync("push", body, cancellationToken).ConfigureAwait(false);
    }

    private async Task<JsonDocument> PostAsync(string path, MemoryStream body, CancellationToken ct)
    {
        using var content = new ByteArrayContent(body.ToArray());
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var response = await _http.PostAsync(new Uri(path, UriKind.Relative), content, ct).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new FeastServerException(response.StatusCode, text.Length > MaxDetail ? text[..MaxDetail] + "..." : text);
        }

        try
        {
            return JsonDocument.Parse(string.IsNullOrWhiteSpace(text) ? "{}" : text);
        }
        catch (JsonException ex)
        {
            throw new FeatureStoreException($"The Feast feature server answered {(int)response.StatusCode} with a body that is not JSON: {ex.Message}", false, ex);
        }
    }

    private static void WriteValue(Utf8JsonWriter w, object? v)
    {
        switch (v)
        {
            case null: w.WriteNullValue(); break;
            case string s: w.WriteStringValue(s); break;
            case bool b: w.WriteBooleanValue(b); break;
            case int i: w.WriteNumberValue(i); break;
            case long l: w.WriteNumberValue(l); break;
            case float f: w.WriteNumberValue(f); break;
            case double d: w.WriteNumberValue(d); break;
            case DateTimeOffset t: w.WriteStringValue(t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture)); break;
            case DateTime t: w.WriteStringValue(DateTime.SpecifyKind(t, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture)); break;
            case byte[] bytes: w.WriteBase64StringValue(bytes); break;
            default: throw new FeatureStoreException($"A value of type {v.GetType().Name} cannot be sent to Feast; use string, bool, int, long, float, double, byte[] or DateTimeOffset.");
        }
    }

    private static OnlineFeaturesResponse Parse(JsonElement root)
    {
        try
        {
            var names = root.GetProperty("metadata").GetProperty("feature_names");
            var results = root.GetProperty("results");
            if (names.GetArrayLength() != results.GetArrayLength())
            {
                throw new FeatureStoreException($"The Feast response names {names.GetArrayLength()} columns but carries {results.GetArrayLength()} results.");
            }

            var columns = new List<OnlineFeatureColumn>();
            var i = 0;
            foreach (var result in results.EnumerateArray())
            {
                var name = names[i++].GetString()!;
                var values = result.GetProperty("values").EnumerateArray().Select(ToObject).ToArray();
                var statuses = result.TryGetProperty("statuses", out var s)
                    ? s.EnumerateArray().Select(static x => ParseStatus(x.GetString())).ToArray()
                    : [.. Enumerable.Repeat(FeatureStatus.Present, values.Length)];
                var times = result.TryGetProperty("event_timestamps", out var t)
                    ? t.EnumerateArray().Select(static x => DateTimeOffset.Parse(x.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal)).ToArray()
                    : [.. Enumerable.Repeat(DateTimeOffset.UnixEpoch, values.Length)];
                columns.Add(new OnlineFeatureColumn(name, values, statuses, times));
            }

            return new OnlineFeaturesResponse(columns);
        }
        catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new FeatureStoreException($"The Feast response does not have the documented shape (metadata.feature_names, results[].values): {ex.Message}", false, ex);
        }
    }

    private static object? ToObject(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        JsonValueKind.String => e.GetString(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Number when e.TryGetInt64(out var l) => l,
        JsonValueKind.Number => e.GetDouble(),
        _ => e.GetRawText(),
    };

    private static FeatureStatus ParseStatus(string? s) => s switch
    {
        "PRESENT" => FeatureStatus.Present,
        "NULL_VALUE" => FeatureStatus.NullValue,
        "NOT_FOUND" => FeatureStatus.NotFound,
        "OUTSIDE_MAX_AGE" => FeatureStatus.OutsideMaxAge,
        _ => FeatureStatus.Invalid,
    };
}
