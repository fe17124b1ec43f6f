using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MLOps.Mlflow.Tests;

/// <summary>One request as the server saw it.</summary>
internal sealed record SeenRequest(string Method, string Path, string Query, byte[] Body, string? ContentType, string? Authorization, DateTimeOffset At)
{
    public string BodyText => Encoding.UTF8.GetString(Body);
}

/// <summary>A scripted response that replaces normal handling.</summary>
internal sealed record Fault(int Status, string Body, string? RetryAfter = null, bool Drop = false, int DelayMs = 0);

/// <summary>
/// An in-process MLflow server on 127.0.0.1 (HttpListener, free port) that follows mlflow.md's wire format strictly,
/// with its own in-memory state. Written from the reference tables, not from the client: it rejects unknown paths
/// (404 ENDPOINT_NOT_FOUND), wrong methods (405), a body on GET, a body without <c>application/json</c>, missing
/// required fields and wrong JSON types (400 INVALID_PARAMETER_VALUE), and answers MLflow's error bodies. Faults:
/// a queue of scripted responses, or a predicate that turns every request into a 503 (an outage).
/// </summary>
internal sealed partial class FakeMlflowServer : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;
    private readonly object _gate = new();
    private readonly Func<DateTimeOffset> _clock;
    private readonly string _artifactDir = Directory.CreateTempSubdirectory("mlflow-fake-artifacts-").FullName;

    // Tracking state.
    private readonly List<JsonObject> _experiments = [];
    private readonly Dictionary<string, RunState> _runs = new(StringComparer.Ordinal);

    // Registry state.
    private readonly SortedDictionary<string, ModelState> _models = new(StringComparer.Ordinal);

    private int _runCounter;
    private int _disposed;

    public FakeMlflowServer(Func<DateTimeOffset>? clock = null)
    {
        _clock = clock ?? (() => new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _experiments.Add(NewExperiment("0", "Default"));
        _loop = Task.Run(LoopAsync);
    }

    public int Port { get; }

    public Uri Uri => new($"http://127.0.0.1:{Port}");

    public ConcurrentQueue<SeenRequest> Requests { get; } = new();

    public ConcurrentQueue<Fault> Faults { get; } = new();

    /// <summary>While it returns true, every request gets 503 TEMPORARILY_UNAVAILABLE.</summary>
    public Func<bool>? Outage { get; set; }

    /// <summary>When set, requests whose Authorization header differs get 401.</summary>
    public string? RequiredAuthorization { get; set; }

    public long MetricPointsStored
    {
        get
        {
            lock (_gate)
            {
                return _runs.Values.Sum(r => (long)r.Metrics.Count);
            }
        }
    }

    /// <summary>Metric entries in accepted log-batch requests, duplicates included (the store itself de-duplicates).</summary>
    public long MetricEntriesReceived { get; private set; }

    public IReadOnlyList<SeenRequest> RequestsTo(string path) => Requests.Where(r => r.Path == path).ToList();

    public IReadOnlyList<(string Key, double Value, long Timestamp, long Step)> PointsOf(string runId)
    {
        lock (_gate)
        {
            return _runs[runId].Metrics.ToList();
        }
    }

    /// <summary>Bytes of uploads still in progress (streamed to temp files as they arrive).</summary>
    public long UploadBytesSoFar() =>
        Directory.EnumerateFiles(_artifactDir, ".upload-*").Sum(f => new FileInfo(f).Length);

    public byte[]? ArtifactBytes(string path)
    {
        var full = Path.Combine(_artifactDir, path);
        return File.Exists(full) ? File.ReadAllBytes(full) : null;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _listener.Stop();
        _listener.Close();
        try
        {
            await _loop;
        }
        catch (Exception)
        {
            // Listener shutdown.
        }

        Directory.Delete(_artifactDir, true);
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext ctx;
            try
            {
                ctx = await _listener.GetContextAsync();
            }
            catch (Exception) when (!_listener.IsListening)
            {
                return;
            }
            catch (HttpListenerException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(() => HandleAsync(ctx));
        }
    }

    private async Task HandleAsync(HttpListenerContext ctx)
    {
        var req = ctx.Request;
        var path = req.Url!.AbsolutePath;
        var isArtifactPut = req.HttpMethod == "PUT" && path.StartsWith("/api/2.0/mlflow-artifacts/artifacts/", StringComparison.Ordinal);
        byte[] body = [];
        string? artifactTemp = null;
        long artifactLength = 0;
        if (isArtifactPut)
        {
            // Stream the upload to disk: the server never holds a whole file either.
            artifactTemp = Path.Combine(_artifactDir, ".upload-" + Guid.NewGuid().ToString("N"));
            await using (var file = File.Create(artifactTemp))
            {
                await req.InputStream.CopyToAsync(file);
                artifactLength = file.Length;
            }
        }
        else
        {
            using var ms = new MemoryStream();
            await req.InputStream.CopyToAsync(ms);
            body = ms.ToArray();
        }

        Requests.Enqueue(new SeenRequest(req.HttpMethod, path, req.Url.Query, body, req.ContentType, req.Headers["Authorization"], _clock()));
        var res = ctx.Response;
        try
        {
            if (Outage?.Invoke() == true)
            {
                await WriteAsync(res, 503, Error("TEMPORARILY_UNAVAILABLE", "The server is down for maintenance."));
                return;
            }

            if (Faults.TryDequeue(out var fault))
            {
                if (fault.DelayMs > 0)
                {
                    // A slow server: answers normally, late.
                    await Task.Delay(fault.DelayMs);
                }

                if (fault.Status == 0 && !fault.Drop)
                {
                    goto Normal;
                }

                if (fault.Drop)
                {
                    res.Abort();
                    return;
                }

                if (fault.RetryAfter is not null)
                {
                    res.AddHeader("Retry-After", fault.RetryAfter);
                }

                await WriteAsync(res, fault.Status, fault.Body);
                return;
            }

        Normal:
            if (RequiredAuthorization is not null && req.Headers["Authorization"] != RequiredAuthorization)
            {
                // A typical auth layer in front of MLflow: no MLflow error body, echoes nothing secret.
                await WriteAsync(res, 401, Error("UNAUTHENTICATED", "You are not authenticated. Please see https://www.mlflow.org/docs/latest/auth/index.html#authenticating-to-mlflow on how to authenticate."));
                return;
            }

            if (path.StartsWith("/api/2.0/mlflow-artifacts/artifacts", StringComparison.Ordinal))
            {
                await HandleArtifactAsync(req, res, path, artifactTemp, artifactLength);
                return;
            }

            if (!path.StartsWith("/api/2.0/mlflow/", StringComparison.Ordinal) || !Routes.TryGetValue(path["/api/2.0/mlflow/".Length..], out var route))
            {
                await WriteAsync(res, 404, Error("ENDPOINT_NOT_FOUND", $"No API endpoint found for {path}"));
                return;
            }

            if (!route.Methods.Contains(req.HttpMethod))
            {
                await WriteAsync(res, 405, Error("BAD_REQUEST", $"Method {req.HttpMethod} not allowed for {path}"));
                return;
            }

            JsonObject args;
            if (req.HttpMethod == "GET")
            {
                if (body.Length > 0)
                {
                    throw new MlflowError("INVALID_PARAMETER_VALUE", "GET requests carry their fields in the query string, not a body.");
                }

                args = QueryArgs(req.Url.Query, route.Repeated);
            }
            else
            {
                if (req.ContentType is null || !req.ContentType.StartsWith("application/json", StringComparison.Ordinal))
                {
                    throw new MlflowError("INVALID_PARAMETER_VALUE", $"Bad Request. Content-Type must be 'application/json', got '{req.ContentType}'.");
                }

                args = JsonNode.Parse(body.Length == 0 ? "{}"u8 : body) as JsonObject ?? throw new MlflowError("INVALID_PARAMETER_VALUE", "Body is not a JSON object.");
            }

            foreach (var required in route.Required)
            {
                if (args[required] is null || (args[required] is JsonValue v && v.GetValueKind() == JsonValueKind.String && v.GetValue<string>().Length == 0 && required != "value"))
                {
                    throw new MlflowError("INVALID_PARAMETER_VALUE", $"Missing value for required parameter '{required}'.");
                }
            }

            args["__method"] = req.HttpMethod;
            args["__length"] = body.Length;
            JsonObject result;
            lock (_gate)
            {
                result = route.Handler(this, args);
            }

            await WriteAsync(res, 200, result.ToJsonString());
        }
        catch (MlflowError e)
        {
            await WriteAsync(res, e.Status, Error(e.Code, e.Message));
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or JsonException or KeyNotFoundException)
        {
            await WriteAsync(res, 400, Error("INVALID_PARAMETER_VALUE", "Bad parameter: " + e.Message));
        }
        catch (Exception e) when (e is not HttpListenerException and not ObjectDisposedException)
        {
            // MLflow's handlers answer an unexpected failure with 500 INTERNAL_ERROR; never leave a request hanging.
            await WriteAsync(res, 500, Error("INTERNAL_ERROR", e.GetType().Name + ": " + e.Message));
        }
    }

    private async Task HandleArtifactAsync(HttpListenerRequest req, HttpListenerResponse res, string path, string? upload, long length)
    {
        var rel = Uri.UnescapeDataString(path["/api/2.0/mlflow-artifacts/artifacts".Length..].TrimStart('/'));
        var full = Path.Combine(_artifactDir, rel);
        switch (req.HttpMethod)
        {
            case "PUT":
                Directory.CreateDirectory(Path.GetDirectoryName(full)!);
                File.Move(upload!, full, true);
                await WriteAsync(res, 200, "{}");
                return;
            case "GET" when rel.Length == 0:
                var listPath = QueryArgs(req.Url!.Query, [])["path"]?.GetValue<string>() ?? string.Empty;
                var dir = Path.Combine(_artifactDir, listPath);
                var files = new JsonArray();
                if (Directory.Exists(dir))
                {
                    foreach (var entry in Directory.EnumerateFileSystemEntries(dir).Order(StringComparer.Ordinal))
                    {
                        var name = Path.GetFileName(entry);
                        if (name.StartsWith(".upload-", StringComparison.Ordinal))
                        {
                            continue;
                        }

                        var isDir = Directory.Exists(entry);
                        var f = new JsonObject { ["path"] = name, ["is_dir"] = isDir };
                        if (!isDir)
                        {
                            f["file_size"] = new FileInfo(entry).Length;
                        }

                        files.Add(f);
                    }
                }

                await WriteAsync(res, 200, new JsonObject { ["files"] = files }.ToJsonString());
                return;
            case "GET":
                if (!File.Exists(full))
                {
                    await WriteAsync(res, 404, Error("RESOURCE_DOES_NOT_EXIST", $"File {rel} not found"));
                    return;
                }

                res.StatusCode = 200;
                res.ContentType = "application/octet-stream";
                res.ContentLength64 = new FileInfo(full).Length;
                await using (var file = File.OpenRead(full))
                {
                    await file.CopyToAsync(res.OutputStream);
                }

                res.Close();
                return;
            case "DELETE":
                if (!File.Exists(full))
                {
                    await WriteAsync(res, 404, Error("RESOURCE_DOES_NOT_EXIST", $"File {rel} not found"));
                    return;
                }

                File.Delete(full);
                await WriteAsync(res, 200, "{}");
                return;
            default:
                await WriteAsync(res, 405, Error("BAD_REQUEST", "Method not allowed"));
                return;
        }
    }

    private static async Task WriteAsync(HttpListenerResponse res, int status, string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        res.StatusCode = status;
        res.ContentType = "application/json";
        res.ContentLength64 = bytes.Length;
        try
        {
            await res.OutputStream.WriteAsync(bytes);
            res.Close();
        }
        catch (HttpListenerException)
        {
            // Client went away.
        }
    }

    private static string Error(string code, string message) => new JsonObject { ["error_code"] = code, ["message"] = message }.ToJsonString();

    private static JsonObject QueryArgs(string query, HashSet<string> repeated)
    {
        var args = new JsonObject();
        foreach (var pair in query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq]);
            var value = Uri.UnescapeDataString(eq < 0 ? string.Empty : pair[(eq + 1)..]);
            if (repeated.Contains(key))
            {
                ((args[key] ??= new JsonArray()) as JsonArray)!.Add(value);
            }
            else
            {
                args[key] = value;
            }
        }

        return args;
    }

    // ------------------------------------------------------------------ routes (mlflow.md §2 and §6)

    private sealed record Route(string[] Methods, string[] Required, HashSet<string> Repeated, Func<FakeMlflowServer, JsonObject, JsonObject> Handler);

    private static Route R(string[] methods, string[] required, Func<FakeMlflowServer, JsonObject, JsonObject> handler, params string[] repeated) =>
        new(methods, required, new HashSet<string>(repeated, StringComparer.Ordinal), handler);

    private static readonly string[] Post = ["POST"];
    private static readonly string[] Get = ["GET"];

    private static readonly Dictionary<string, Route> Routes = new(StringComparer.Ordinal)
    {
        ["experiments/create"] = R(Post, ["name"], static (s, a) => s.CreateExperiment(a)),
        ["experiments/get"] = R(Get, ["experiment_id"], static (s, a) => new() { ["experiment"] = s.Experiment(Str(a, "experiment_id")).DeepClone() }),
        ["experiments/get-by-name"] = R(Get, ["experiment_name"], static (s, a) => s.ExperimentByName(Str(a, "experiment_name"))),
        ["experiments/search"] = R(["POST", "GET"], [], static (s, a) => s.SearchExperiments(a), "order_by"),
        ["experiments/update"] = R(Post, ["experiment_id", "new_name"], static (s, a) => { s.Experiment(Str(a, "experiment_id"))["name"] = Str(a, "new_name"); return []; }),
        ["experiments/delete"] = R(Post, ["experiment_id"], static (s, a) => s.SetExperimentStage(Str(a, "experiment_id"), "deleted")),
        ["experiments/restore"] = R(Post, ["experiment_id"], static (s, a) => s.SetExperimentStage(Str(a, "experiment_id"), "active")),
        ["experiments/set-experiment-tag"] = R(Post, ["experiment_id", "key"], static (s, a) => { SetKv((JsonArray)s.Experiment(Str(a, "experiment_id"))["tags"]!, Str(a, "key"), Str(a, "value")); return []; }),
        ["experiments/delete-experiment-tag"] = R(Post, ["experiment_id", "key"], static (s, a) => { RemoveKv((JsonArray)s.Experiment(Str(a, "experiment_id"))["tags"]!, Str(a, "key")); return []; }),
        ["runs/create"] = R(Post, [], static (s, a) => s.CreateRun(a)),
        ["runs/update"] = R(Post, ["run_id"], static (s, a) => s.UpdateRun(a)),
        ["runs/delete"] = R(Post, ["run_id"], static (s, a) => { s.Run(Str(a, "run_id")).Info["lifecycle_stage"] = "deleted"; return []; }),
        ["runs/restore"] = R(Post, ["run_id"], static (s, a) => { s.Run(Str(a, "run_id")).Info["lifecycle_stage"] = "active"; return []; }),
        ["runs/get"] = R(Get, ["run_id"], static (s, a) => new() { ["run"] = s.Run(Str(a, "run_id")).ToJson() }),
        ["runs/search"] = R(Post, [], static (s, a) => s.SearchRuns(a)),
        ["runs/log-metric"] = R(Post, ["run_id", "key", "value", "timestamp"], static (s, a) => { s.ActiveRun(Str(a, "run_id")).AddMetric(a); return []; }),
        ["runs/log-parameter"] = R(Post, ["run_id", "key"], static (s, a) => { s.ActiveRun(Str(a, "run_id")).AddParam(Str(a, "key"), Str(a, "value")); return []; }),
        ["runs/set-tag"] = R(Post, ["run_id", "key"], static (s, a) => { s.ActiveRun(Str(a, "run_id")).SetTag(Str(a, "key"), Str(a, "value")); return []; }),
        ["runs/delete-tag"] = R(Post, ["run_id", "key"], static (s, a) => s.DeleteRunTag(a)),
        ["runs/log-batch"] = R(Post, ["run_id"], static (s, a) => s.LogBatch(a)),
        ["runs/log-inputs"] = R(Post, ["run_id"], static (s, a) => s.LogInputs(a)),
        ["metrics/get-history"] = R(Get, ["run_id", "metric_key"], static (s, a) => s.MetricHistory(a)),
        ["registered-models/create"] = R(Post, ["name"], static (s, a) => s.CreateModel(a)),
        ["registered-models/get"] = R(Get, ["name"], static (s, a) => new() { ["registered_model"] = s.Model(Str(a, "name")).ToJson() }),
        ["registered-models/search"] = R(Get, [], static (s, a) => s.SearchModels(a), "order_by"),
        ["registered-models/update"] = R(["PATCH"], ["name"], static (s, a) => { var m = s.Model(Str(a, "name")); m.Description = Str(a, "description"); return new() { ["registered_model"] = m.ToJson() }; }),
        ["registered-models/rename"] = R(Post, ["name", "new_name"], static (s, a) => s.RenameModel(a)),
        ["registered-models/delete"] = R(["DELETE"], ["name"], static (s, a) => { s.Model(Str(a, "name")); s._models.Remove(Str(a, "name")); return []; }),
        ["registered-models/set-tag"] = R(Post, ["name", "key", "value"], static (s, a) => { s.Model(Str(a, "name")).Tags[Str(a, "key")] = Str(a, "value"); return []; }),
        ["registered-models/delete-tag"] = R(["DELETE"], ["name", "key"], static (s, a) => { if (!s.Model(Str(a, "name")).Tags.Remove(Str(a, "key"))) { throw NotFound("Tag not found"); } return []; }),
        ["registered-models/get-latest-versions"] = R(["POST", "GET"], ["name"], static (s, a) => s.LatestVersions(a), "stages"),
        ["registered-models/alias"] = R(["POST", "GET", "DELETE"], ["name", "alias"], static (s, a) => s.Alias(a)),
        ["model-versions/create"] = R(Post, ["name", "source"], static (s, a) => s.CreateVersion(a)),
        ["model-versions/get"] = R(Get, ["name", "version"], static (s, a) => new() { ["model_version"] = s.Version(a).ToJson() }),
        ["model-versions/update"] = R(["PATCH"], ["name", "version"], static (s, a) => { var v = s.Version(a); v.Description = Str(a, "description"); return new() { ["model_version"] = v.ToJson() }; }),
        ["model-versions/transition-stage"] = R(Post, ["name", "version", "stage", "archive_existing_versions"], static (s, a) => s.Transition(a)),
        ["model-versions/delete"] = R(["DELETE"], ["name", "version"], static (s, a) => { var v = s.Version(a); var m = s.Model(v.Name); m.Versions.Remove(v.Number); foreach (var k in m.Aliases.Where(x => x.Value == v.Number).Select(x => x.Key).ToList()) { m.Aliases.Remove(k); } return []; }),
        ["model-versions/search"] = R(Get, [], static (s, a) => s.SearchVersions(a), "order_by"),
        ["model-versions/get-download-uri"] = R(Get, ["name", "version"], static (s, a) => new() { ["artifact_uri"] = s.Version(a).Source }),
        ["model-versions/set-tag"] = R(Post, ["name", "version", "key", "value"], static (s, a) => { ValidateVersionTag(Str(a, "key"), Str(a, "value")); s.Version(a).Tags[Str(a, "key")] = Str(a, "value"); return []; }),
        ["model-versions/delete-tag"] = R(["DELETE"], ["name", "version", "key"], static (s, a) => { if (!s.Version(a).Tags.Remove(Str(a, "key"))) { throw NotFound("Tag not found"); } return []; }),
    };

    // ------------------------------------------------------------------ helpers

    internal sealed class MlflowError(string code, string message, int status = 0) : Exception(message)
    {
        public string Code { get; } = code;

        public int Status { get; } = status != 0 ? status : code switch
        {
            "RESOURCE_DOES_NOT_EXIST" => 404,
            "INVALID_STATE" => 500,
            _ => 400,
        };
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^[/\w.\- :]*$")]
    private static partial System.Text.RegularExpressions.Regex ValidName();

    private static MlflowError NotFound(string message) => new("RESOURCE_DOES_NOT_EXIST", message);

    /// <summary>A string field; a JSON number where the proto says string is rejected, as protobuf's ParseDict does.</summary>
    private static string Str(JsonObject a, string name)
    {
        var node = a[name];
        if (node is null)
        {
            return string.Empty;
        }

        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.String)
        {
            return v.GetValue<string>();
        }

        throw new MlflowError("INVALID_PARAMETER_VALUE", $"Invalid value {node.ToJsonString()} for parameter '{name}' supplied: expected a string.");
    }

    /// <summary>An int64 field: a JSON number or a numeric string (ParseDict accepts both).</summary>
    private static long? Long(JsonObject a, string name) => a[name] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => v.GetValue<long>(),
        JsonValue v when v.GetValueKind() == JsonValueKind.String => long.Parse(v.GetValue<string>(), CultureInfo.InvariantCulture),
        var n => throw new MlflowError("INVALID_PARAMETER_VALUE", $"Invalid value {n.ToJsonString()} for parameter '{name}': expected an int64."),
    };

    /// <summary>A double field: a number, or the strings NaN/Infinity/-Infinity (protobuf JSON mapping).</summary>
    private static double Dbl(JsonNode? n) => n switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => v.GetValue<double>(),
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>() switch
        {
            "NaN" => double.NaN,
            "Infinity" => double.PositiveInfinity,
            "-Infinity" => double.NegativeInfinity,
            var s => throw new MlflowError("INVALID_PARAMETER_VALUE", $"Invalid value \"{s}\" for parameter 'value'"),
        },
        _ => throw new MlflowError("INVALID_PARAMETER_VALUE", "Missing value for required parameter 'value'."),
    };

    private static JsonNode DblNode(double d) =>
        double.IsNaN(d) ? JsonValue.Create("NaN") : double.IsPositiveInfinity(d) ? JsonValue.Create("Infinity") : double.IsNegativeInfinity(d) ? JsonValue.Create("-Infinity") : JsonValue.Create(d);

    private static void SetKv(JsonArray arr, string key, string value)
    {
        RemoveKv(arr, key);
        arr.Add(new JsonObject { ["key"] = key, ["value"] = value });
    }

    private static void RemoveKv(JsonArray arr, string key)
    {
        foreach (var item in arr.ToList())
        {
            if (item!["key"]!.GetValue<string>() == key)
            {
                arr.Remove(item);
            }
        }
    }

    private static JsonArray Kv(IEnumerable<KeyValuePair<string, string>> pairs) =>
        new(pairs.Select(p => (JsonNode)new JsonObject { ["key"] = p.Key, ["value"] = p.Value }).ToArray());

    private long Now() => _clock().ToUnixTimeMilliseconds();

    private static string Token(int offset) => Convert.ToBase64String(Encoding.UTF8.GetBytes($"{{\"offset\": {offset}}}"));

    private static int Offset(JsonObject a)
    {
        var token = a["page_token"]?.GetValue<string>();
        if (string.IsNullOrEmpty(token))
        {
            return 0;
        }

        // SearchUtils.parse_start_offset_from_page_token.
        byte[] decoded;
        try
        {
            decoded = Convert.FromBase64String(token);
        }
        catch (FormatException)
        {
            throw new MlflowError("INVALID_PARAMETER_VALUE", "Invalid page token, could not base64-decode");
        }

        try
        {
            using var doc = JsonDocument.Parse(decoded);
            return doc.RootElement.TryGetProperty("offset", out var offset) && offset.TryGetInt32(out var n)
                ? n
                : throw new MlflowError("INVALID_PARAMETER_VALUE", $"Invalid page token, parsed value={Encoding.UTF8.GetString(decoded)}");
        }
        catch (JsonException)
        {
            throw new MlflowError("INVALID_PARAMETER_VALUE", $"Invalid page token, decoded value={Encoding.UTF8.GetString(decoded)}");
        }
    }

    private static JsonObject PageOf(string field, IReadOnlyList<JsonNode> all, JsonObject a, int defaultMax)
    {
        var offset = Offset(a);
        var max = (int)(Long(a, "max_results") ?? defaultMax);
        var page = all.Skip(Math.Max(0, offset)).Take(max).Select(n => n.DeepClone()).ToArray();
        var result = new JsonObject { [field] = new JsonArray(page) };
        if (offset + max < all.Count)
        {
            result["next_page_token"] = Token(offset + max);
        }

        return result;
    }

    // ------------------------------------------------------------------ experiments

    private JsonObject NewExperiment(string id, string name) => new()
    {
        ["experiment_id"] = id,
        ["name"] = name,
        ["artifact_location"] = $"mlflow-artifacts:/{id}",
        ["lifecycle_stage"] = "active",
        ["last_update_time"] = Now(),
        ["creation_time"] = Now(),
        ["tags"] = new JsonArray(),
    };

    private JsonObject CreateExperiment(JsonObject a)
    {
        var name = Str(a, "name");

        // _validate_experiment_name: not blank, at most 500 characters.
        if (string.IsNullOrWhiteSpace(name) || name.Length > 500)
        {
            throw new MlflowError("INVALID_PARAMETER_VALUE", name.Length > 500 ? $"Experiment name exceeds the maximum length of 500 characters (got {name.Length})." : $"Invalid experiment name: '{name}'");
        }

        if (_experiments.Any(e => e["name"]!.GetValue<string>() == name))
        {
            throw new MlflowError("RESOURCE_ALREADY_EXISTS", $"Experiment '{name}' already exists.");
        }

        var id = _experiments.Count.ToString(CultureInfo.InvariantCulture);
        var e = NewExperiment(id, name);
        if (a["artifact_location"] is not null)
        {
            e["artifact_location"] = Str(a, "artifact_location");
        }

        foreach (var t in a["tags"]?.AsArray() ?? [])
        {
            SetKv((JsonArray)e["tags"]!, Str(t!.AsObject(), "key"), Str(t.AsObject(), "value"));
        }

        _experiments.Add(e);
        return new() { ["experiment_id"] = id };
    }

    private JsonObject Experiment(string id) =>
        _experiments.FirstOrDefault(e => e["experiment_id"]!.GetValue<string>() == id) ?? throw NotFound($"No Experiment with id={id} exists");

    private JsonObject ExperimentByName(string name)
    {
        var e = _experiments.Where(x => x["name"]!.GetValue<string>() == name).OrderBy(x => x["lifecycle_stage"]!.GetValue<string>() == "active" ? 0 : 1).FirstOrDefault()
            ?? throw NotFound($"Could not find experiment with name '{name}'");
        return new() { ["experiment"] = e.DeepClone() };
    }

    private JsonObject SetExperimentStage(string id, string stage)
    {
        if (id == "0" && stage == "deleted")
        {
            throw new MlflowError("INVALID_PARAMETER_VALUE", "Cannot delete the default experiment '0'.");
        }

        Experiment(id)["lifecycle_stage"] = stage;

        // SqlAlchemyStore.delete_experiment / restore_experiment: the experiment's runs follow it.
        foreach (var run in _runs.Values.Where(r => r.Info["experiment_id"]!.GetValue<string>() == id))
        {
            run.Info["lifecycle_stage"] = stage;
        }

        return [];
    }

    private JsonObject SearchExperiments(JsonObject a)
    {
        var view = a["view_type"]?.GetValue<string>() ?? "ACTIVE_ONLY";
        var filter = a["filter"]?.GetValue<string>();
        var matching = _experiments.Where(e => view == "ALL" || (view == "ACTIVE_ONLY") == (e["lifecycle_stage"]!.GetValue<string>() == "active"))
            .Where(e => RunFilter.MatchesExperiment(e, filter)).ToList();
        var order = (a["order_by"]?.AsArray() ?? []).Select(x => x!.GetValue<string>()).ToList();
        var list = RunFilter.OrderExperiments(matching, order).Cast<JsonNode>().ToList();
        return PageOf("experiments", list, a, 1000);
    }

    // ------------------------------------------------------------------ runs

    private sealed class RunState
    {
        public required JsonObject Info { get; init; }

        public List<(string Key, double Value, long Timestamp, long Step)> Metrics { get; } = [];

        public HashSet<(string, double, long, long)> MetricKeys { get; } = [];

        public Dictionary<string, string> Params { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, string> Tags { get; } = new(StringComparer.Ordinal);

        public JsonArray Inputs { get; } = [];

        public void AddMetric(JsonObject m)
        {
            var key = Str(m, "key");
            var point = (key, Dbl(m["value"]), Long(m, "timestamp") ?? throw new MlflowError("INVALID_PARAMETER_VALUE", "Missing value for required parameter 'timestamp'."), Long(m, "step") ?? 0);

            // SQL store primary key (key, timestamp, step, run, value): an identical point is stored once.
            if (MetricKeys.Add(point))
            {
                Metrics.Add(point);
            }
        }

        /// <summary>Sets a tag; <c>mlflow.runName</c> also renames the run (mlflow.md §2, SetTag).</summary>
        public void SetTag(string key, string value)
        {
            Tags[key] = value;
            if (key == "mlflow.runName")
            {
                Info["run_name"] = value;
            }
        }

        public void AddParam(string key, string value)
        {
            if (Params.TryGetValue(key, out var old) && old != value)
            {
                throw new MlflowError("INVALID_PARAMETER_VALUE", $"Changing param values is not allowed. Param with key='{key}' was already logged with value='{old}' for run ID='{Info["run_id"]}'. Attempted logging new value '{value}'.");
            }

            Params[key] = value;
        }

        public JsonObject ToJson()
        {
            var latest = new Dictionary<string, (string Key, double Value, long Timestamp, long Step)>(StringComparer.Ordinal);
            foreach (var m in Metrics)
            {
                if (!latest.TryGetValue(m.Key, out var cur) || (m.Step, m.Timestamp, m.Value).CompareTo((cur.Step, cur.Timestamp, cur.Value)) > 0)
                {
                    latest[m.Key] = m;
                }
            }

            var data = new JsonObject
            {
                ["metrics"] = new JsonArray(latest.Values.Select(m => (JsonNode)new JsonObject { ["key"] = m.Key, ["value"] = DblNode(m.Value), ["timestamp"] = m.Timestamp, ["step"] = m.Step }).ToArray()),
                ["params"] = Kv(Params),
                ["tags"] = Kv(Tags),
            };
            return new JsonObject { ["info"] = Info.DeepClone(), ["data"] = data, ["inputs"] = new JsonObject { ["dataset_inputs"] = Inputs.DeepClone() } };
        }
    }

    private RunState Run(string id) => _runs.TryGetValue(id, out var r) ? r : throw NotFound($"Run '{id}' not found");

    private RunState ActiveRun(string id)
    {
        var r = Run(id);
        if (r.Info["lifecycle_stage"]!.GetValue<string>() != "active")
        {
            throw new MlflowError("INVALID_PARAMETER_VALUE", $"The run {id} must be in the 'active' state. Current state is deleted.");
        }

        return r;
    }

    private JsonObject CreateRun(JsonObject a)
    {
        var expId = Str(a, "experiment_id");
        var exp = Experiment(expId);
        if (exp["lifecycle_stage"]!.GetValue<string>() != "active")
        {
            throw new MlflowError("INVALID_STATE", $"The experiment {expId} must be in the 'active' state.");
        }

        var id = (++_runCounter).ToString("x32", CultureInfo.InvariantCulture);
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var t in a["tags"]?.AsArray() ?? [])
        {
            tags[Str(t!.AsObject(), "key")] = Str(t.AsObject(), "value");
        }

        var name = a["run_name"] is null ? null : Str(a, "run_name");
        if (name is not null && tags.TryGetValue("mlflow.runName", out var tagName) && tagName != name)
        {
            throw new MlflowError("INVALID_PARAMETER_VALUE", "Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values.");
        }

        name ??= tags.GetValueOrDefault("mlflow.runName") ?? "bright-fox-" + _runCounter.ToString(CultureInfo.InvariantCulture);
        tags["mlflow.runName"] = name;
        var run = new RunState
        {
            Info = new JsonObject
            {
                ["run_id"] = id,
                ["run_uuid"] = id,
                ["run_name"] = name,
                ["experiment_id"] = expId,
                ["user_id"] = string.Empty,
                ["status"] = "RUNNING",
                ["start_time"] = Long(a, "start_time") ?? Now(),
                ["artifact_uri"] = $"{exp["artifact_location"]}/{id}/artifacts",
                ["lifecycle_stage"] = "active",
            },
        };
        foreach (var t in tags)
        {
            run.Tags[t.Key] = t.Value;
        }

        _runs[id] = run;
        return new() { ["run"] = run.ToJson() };
    }

    private JsonObject UpdateRun(JsonObject a)
    {
        var run = ActiveRun(Str(a, "run_id"));
        if (a["status"] is not null)
        {
            var status = Str(a, "status");
            if (status is not ("RUNNING" or "SCHEDULED" or "FINISHED" or "FAILED" or "KILLED"))
            {
                throw new MlflowError("INVALID_PARAMETER_VALUE", $"Invalid value \"{status}\" for parameter 'status'");
            }

            run.Info["status"] = status;
        }

        if (Long(a, "end_time") is { } end)
        {
            run.Info["end_time"] = end;
        }

        if (a["run_name"] is not null)
        {
            run.Info["run_name"] = Str(a, "run_name");
            run.Tags["mlflow.runName"] = Str(a, "run_name");
        }

        return new() { ["run_info"] = run.Info.DeepClone() };
    }

    private JsonObject DeleteRunTag(JsonObject a)
    {
        var run = ActiveRun(Str(a, "run_id"));
        if (!run.Tags.Remove(Str(a, "key")))
        {
            throw NotFound($"No tag with name: {Str(a, "key")} in run with id {Str(a, "run_id")}");
        }

        return [];
    }

    private JsonObject LogBatch(JsonObject a)
    {
        var metrics = a["metrics"]?.AsArray() ?? [];
        var ps = a["params"]?.AsArray() ?? [];
        var ts = a["tags"]?.AsArray() ?? [];

        // mlflow/utils/validation.py _validate_batch_log_limits.
        if (metrics.Count > 1000 || ps.Count > 100 || ts.Count > 100 || metrics.Count + ps.Count + ts.Count > 1000)
        {
            throw new MlflowError("INVALID_PARAMETER_VALUE", $"A batch logging request can contain at most 1000 metrics, 100 params, 100 tags and 1000 entities in total. Got {metrics.Count} metrics, {ps.Count} params, {ts.Count} tags.");
        }

        if (a["__length"]!.GetValue<int>() > 1_000_000)
        {
            throw new MlflowError("INVALID_PARAMETER_VALUE", "Batched logging API requests must be at most 1 MB in size.");
        }

        // _validate_batch_log_data: every item is checked before anything is written.
        foreach (var m in metrics)
        {
            ValidateKey("metric", Str(m!.AsObject(), "key"));
            Dbl(m["value"]);
            if (Long(m.AsObject(), "timestamp") is < 0 or null)
            {
                throw new MlflowError("INVALID_PARAMETER_VALUE", $"Got invalid timestamp {m["timestamp"]?.ToJsonString()} for metric '{Str(m.AsObject(), "key")}'. Timestamp must be a nonnegative long (64-bit integer)");
            }
        }

        foreach (var p in ps)
        {
            ValidateKey("param", Str(p!.AsObject(), "key"));
            ValidateLength("param", Str(p.AsObject(), "key"), Str(p.AsObject(), "value"), 6000);
        }

        foreach (var t in ts)
        {
            ValidateKey("tag", Str(t!.AsObject(), "key"));
            ValidateLength("tag", Str(t.AsObject(), "key"), Str(t.AsObject(), "value"), 8000);
        }

        var keys = new HashSet<string>(StringComparer.Ordinal);
        var dupes = new List<string>();
        foreach (var p in ps)
        {
            if (!keys.Add(Str(p!.AsObject(), "key")))
            {
                dupes.Add(Str(p.AsObject(), "key"));
            }
        }

        if (dupes.Count > 0)
        {
            throw new MlflowError("INVALID_PARAMETER_VALUE", $"Duplicate parameter keys have been submitted: {string.Join(", ", dupes)}. Please ensure the request contains only one param value per param key.");
        }

        var run = ActiveRun(Str(a, "run_id"));

        // SqlAlchemyStore._log_params: any changed value rejects the request before params, metrics or tags are written.
        var changed = ps.Select(p => (Key: Str(p!.AsObject(), "key"), Value: Str(p.AsObject(), "value")))
            .Where(p => run.Params.TryGetValue(p.Key, out var old) && old != p.Value)
            .Select(p => $"{{'key': '{p.Key}', 'old_value': '{run.Params[p.Key]}', 'new_value': '{p.Value}'}}").ToList();
        if (changed.Count > 0)
        {
            throw new MlflowError("INVALID_PARAMETER_VALUE", $"Changing param values is not allowed. Params were already logged='[{string.Join(", ", changed)}]' for run ID='{Str(a, "run_id")}'.");
        }

        foreach (var p in ps)
        {
            run.AddParam(Str(p!.AsObject(), "key"), Str(p.AsObject(), "value"));
        }

        foreach (var m in metrics)
        {
            run.AddMetric(m!.AsObject());
        }

        MetricEntriesReceived += metrics.Count;

        foreach (var t in ts)
        {
            run.SetTag(Str(t!.AsObject(), "key"), Str(t.AsObject(), "value"));
        }

        return [];
    }

    /// <summary>mlflow/utils/validation.py <c>_validate_model_version_tag</c>: the key's characters and path rule, key ≤ 250, value ≤ 5000 characters.</summary>
    private static void ValidateVersionTag(string key, string value)
    {
        if (key.Length <= 250)
        {
            ValidateKey("tag", key);
        }
        else
        {
            throw new MlflowError("INVALID_PARAMETER_VALUE", "'key' exceeds the maximum length of 250 characters");
        }

        if (value.Length > 5000)
        {
            throw new MlflowError("INVALID_PARAMETER_VALUE", "'value' exceeds the maximum length of 5000 characters");
        }
    }

    /// <summary>mlflow/utils/validation.py: key characters, path uniqueness and the 250-character limit.</summary>
    private static void ValidateKey(string kind, string key)
    {
        if (key.Length > 250)
        {
            throw new MlflowError("INVALID_PARAMETER_VALUE", $"'{kind}' name '{key[..20]}...' had length {key.Length}, which exceeded length limit of 250");
        }

        if (!ValidName().IsMatch(key))
        {
            throw new MlflowError("INVALID_PARAMETER_VALUE", $"Invalid value \"{key}\" for parameter '{kind}' name supplied. Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes (/).");
        }

        // path_not_unique: posixpath.normpath(name) != name, or '.', or starting with '..' or '/'.
        var parts = new List<string>();
        foreach (var part in key.Split('/'))
        {
            if (part is "" or ".")
            {
                continue;
            }

            if (part == ".." && parts.Count > 0 && parts[^1] != "..")
            {
                parts.RemoveAt(parts.Count - 1);
            }
            else
            {
                parts.Add(part);
            }
        }

        var norm = parts.Count == 0 ? "." : string.Join('/', parts);
        if (norm != key || norm == "." || norm.StartsWith("..", StringComparison.Ordinal) || norm.StartsWith('/'))
        {
            throw new MlflowError("INVALID_PARAMETER_VALUE", $"Invalid value \"{key}\" for parameter '{kind}' supplied. Names may be treated as files in certain cases, and must not resolve to other names when treated as such. This name would resolve to '{norm}'");
        }
    }

    private static void ValidateLength(string kind, string key, string value, int limit)
    {
        if (value.Length > limit)
        {
            throw new MlflowError("INVALID_PARAMETER_VALUE", $"'{kind}' value for key '{key}' had length {value.Length}, which exceeded length limit of {limit}");
        }
    }

    private JsonObject LogInputs(JsonObject a)
    {
        var run = ActiveRun(Str(a, "run_id"));
        foreach (var d in a["datasets"]?.AsArray() ?? [])
        {
            var ds = d!["dataset"]?.AsObject() ?? throw new MlflowError("INVALID_PARAMETER_VALUE", "Missing value for required parameter 'dataset'.");
            foreach (var f in (ReadOnlySpan<string>)["name", "digest", "source_type", "source"])
            {
                if (ds[f] is null)
                {
                    throw new MlflowError("INVALID_PARAMETER_VALUE", $"Missing value for required parameter '{f}'.");
                }
            }

            run.Inputs.Add(d.DeepClone());
        }

        return [];
    }

    private JsonObject MetricHistory(JsonObject a)
    {
        var run = Run(Str(a, "run_id"));
        var key = Str(a, "metric_key");
        var all = run.Metrics.Where(m => m.Key == key).OrderBy(m => m.Step).ThenBy(m => m.Timestamp).ThenBy(m => m.Value)
            .Select(m => (JsonNode)new JsonObject { ["key"] = m.Key, ["value"] = DblNode(m.Value), ["timestamp"] = m.Timestamp, ["step"] = m.Step }).ToList();
        return PageOf("metrics", all, a, int.MaxValue);
    }

    private JsonObject SearchRuns(JsonObject a)
    {
        var ids = (a["experiment_ids"]?.AsArray() ?? []).Select(x => x!.GetValue<string>()).ToHashSet(StringComparer.Ordinal);
        var view = a["run_view_type"]?.GetValue<string>() ?? "ACTIVE_ONLY";
        var max = Long(a, "max_results") ?? 1000;
        if (max > 50000)
        {
            throw new MlflowError("INVALID_PARAMETER_VALUE", $"Invalid value {max} for parameter 'max_results' supplied. It must be at most 50000");
        }

        var filter = a["filter"]?.GetValue<string>();
        var runs = _runs.Values.Where(r => ids.Contains(r.Info["experiment_id"]!.GetValue<string>()))
            .Where(r => view == "ALL" || (view == "ACTIVE_ONLY") == (r.Info["lifecycle_stage"]!.GetValue<string>() == "active"))
            .Select(r => r.ToJson()).ToList();
        RunFilter.ParseRunFilter(filter);
        runs = runs.Where(r => RunFilter.Matches(r, filter)).ToList();
        runs = RunFilter.Order(runs, (a["order_by"]?.AsArray() ?? []).Select(x => x!.GetValue<string>()).ToList());
        return PageOf("runs", runs.Cast<JsonNode>().ToList(), a, 1000);
    }

    // ------------------------------------------------------------------ registry

    private sealed class ModelState
    {
        public required string Name { get; set; }

        public string? Description { get; set; }

        public long Created { get; init; }

        public Dictionary<string, string> Tags { get; } = new(StringComparer.Ordinal);

        public SortedDictionary<int, VersionState> Versions { get; } = [];

        public Dictionary<string, int> Aliases { get; } = new(StringComparer.Ordinal);

        public int NextVersion { get; set; } = 1;

        public JsonObject ToJson()
        {
            var o = new JsonObject { ["name"] = Name, ["creation_timestamp"] = Created, ["last_updated_timestamp"] = Created };
            if (!string.IsNullOrEmpty(Description))
            {
                o["description"] = Description;
            }

            o["tags"] = Kv(Tags);
            o["aliases"] = new JsonArray(Aliases.Select(x => (JsonNode)new JsonObject { ["alias"] = x.Key, ["version"] = x.Value.ToString(CultureInfo.InvariantCulture) }).ToArray());
            return o;
        }
    }

    private sealed class VersionState
    {
        public required ModelState Model { get; init; }

        public string Name => Model.Name;

        public required int Number { get; init; }

        public required string Source { get; init; }

        public string? RunId { get; init; }

        public string? Description { get; set; }

        public string Stage { get; set; } = "None";

        public long Created { get; init; }

        public Dictionary<string, string> Tags { get; } = new(StringComparer.Ordinal);

        public JsonObject ToJson()
        {
            var o = new JsonObject
            {
                ["name"] = Name,
                ["version"] = Number.ToString(CultureInfo.InvariantCulture),
                ["creation_timestamp"] = Created,
                ["last_updated_timestamp"] = Created,
                ["current_stage"] = Stage,
                ["source"] = Source,
                ["run_id"] = RunId ?? string.Empty,
                ["status"] = "READY",
                ["tags"] = Kv(Tags),
                ["aliases"] = new JsonArray(Model.Aliases.Where(x => x.Value == Number).Select(x => (JsonNode)JsonValue.Create(x.Key)!).ToArray()),
            };
            if (!string.IsNullOrEmpty(Description))
            {
                o["description"] = Description;
            }

            return o;
        }
    }

    private ModelState Model(string name) => _models.TryGetValue(name, out var m) ? m : throw NotFound($"Registered Model with name={name} not found");

    private VersionState Version(JsonObject a)
    {
        var m = Model(Str(a, "name"));
        var text = Str(a, "version");
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            throw new MlflowError("INVALID_PARAMETER_VALUE", $"Parameter 'version' must be an integer, got '{text}'.");
        }

        return m.Versions.TryGetValue(n, out var v) ? v : throw NotFound($"Model Version (name={m.Name}, version={n}) not found");
    }

    private JsonObject CreateModel(JsonObject a)
    {
        var name = Str(a, "name");
        if (_models.ContainsKey(name))
        {
            throw new MlflowError("RESOURCE_ALREADY_EXISTS", $"Registered Model (name={name}) already exists.");
        }

        var m = new ModelState { Name = name, Description = a["description"] is null ? null : Str(a, "description"), Created = Now() };
        foreach (var t in a["tags"]?.AsArray() ?? [])
        {
            m.Tags[Str(t!.AsObject(), "key")] = Str(t.AsObject(), "value");
        }

        _models[name] = m;
        return new() { ["registered_model"] = m.ToJson() };
    }

    private JsonObject RenameModel(JsonObject a)
    {
        var m = Model(Str(a, "name"));
        _models.Remove(m.Name);
        m.Name = Str(a, "new_name");
        _models[m.Name] = m;
        return new() { ["registered_model"] = m.ToJson() };
    }

    private JsonObject SearchModels(JsonObject a)
    {
        var filter = a["filter"]?.GetValue<string>();
        var all = _models.Values.Where(m => filter is null || RunFilter.MatchesRegistry(m.Name, null, m.Tags, filter)).Select(m => (JsonNode)m.ToJson()).ToList();
        return PageOf("registered_models", all, a, 100);
    }

    private JsonObject LatestVersions(JsonObject a)
    {
        var m = Model(Str(a, "name"));
        var stages = (a["stages"]?.AsArray() ?? []).Select(x => x!.GetValue<string>()).ToList();
        var wanted = stages.Count == 0 ? ["None", "Staging", "Production", "Archived"] : stages;
        var result = new JsonArray();
        foreach (var stage in wanted)
        {
            var best = m.Versions.Values.Where(v => string.Equals(v.Stage, stage, StringComparison.OrdinalIgnoreCase)).MaxBy(v => v.Number);
            if (best is not null)
            {
                result.Add(best.ToJson());
            }
        }

        return new() { ["model_versions"] = result };
    }

    private JsonObject Alias(JsonObject a)
    {
        // The route is shared by three RPCs; the HTTP method chooses (mlflow.md §6).
        var m = Model(Str(a, "name"));
        var alias = Str(a, "alias");
        var method = a["__method"]!.GetValue<string>();
        if (method == "POST")
        {
            if (a["version"] is null)
            {
                throw new MlflowError("INVALID_PARAMETER_VALUE", "Missing value for required parameter 'version'.");
            }

            m.Aliases[alias] = Version(a).Number;
            return [];
        }

        if (!m.Aliases.TryGetValue(alias, out var n))
        {
            throw NotFound($"Registered model alias {alias} not found.");
        }

        if (method == "DELETE")
        {
            m.Aliases.Remove(alias);
            return [];
        }

        return new() { ["model_version"] = m.Versions[n].ToJson() };
    }

    private JsonObject CreateVersion(JsonObject a)
    {
        var m = Model(Str(a, "name"));
        foreach (var t in a["tags"]?.AsArray() ?? [])
        {
            ValidateVersionTag(Str(t!.AsObject(), "key"), Str(t.AsObject(), "value"));
        }

        var v = new VersionState { Model = m, Number = m.NextVersion++, Source = Str(a, "source"), RunId = a["run_id"] is null ? null : Str(a, "run_id"), Description = a["description"] is null ? null : Str(a, "description"), Created = Now() };
        foreach (var t in a["tags"]?.AsArray() ?? [])
        {
            v.Tags[Str(t!.AsObject(), "key")] = Str(t.AsObject(), "value");
        }

        m.Versions[v.Number] = v;
        return new() { ["model_version"] = v.ToJson() };
    }

    private JsonObject Transition(JsonObject a)
    {
        var v = Version(a);
        var stage = Str(a, "stage");
        var canonical = new[] { "None", "Staging", "Production", "Archived" }.FirstOrDefault(s => string.Equals(s, stage, StringComparison.OrdinalIgnoreCase))
            ?? throw new MlflowError("INVALID_PARAMETER_VALUE", $"Invalid Model Version stage: {stage}.");
        if (a["archive_existing_versions"] is not JsonValue av || av.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False))
        {
            throw new MlflowError("INVALID_PARAMETER_VALUE", "Invalid value for parameter 'archive_existing_versions': expected a boolean.");
        }

        var archive = av.GetValue<bool>();
        if (archive && canonical is not ("Staging" or "Production"))
        {
            throw new MlflowError("INVALID_PARAMETER_VALUE", $"Model version transition cannot archive existing model versions because '{canonical}' is not an Active stage.");
        }

        if (archive)
        {
            foreach (var other in v.Model.Versions.Values.Where(o => o.Number != v.Number && o.Stage == canonical))
            {
                other.Stage = "Archived";
            }
        }

        v.Stage = canonical;
        return new() { ["model_version"] = v.ToJson() };
    }

    private JsonObject SearchVersions(JsonObject a)
    {
        var filter = a["filter"]?.GetValue<string>();
        var all = _models.Values.SelectMany(m => m.Versions.Values.OrderByDescending(v => v.Number))
            .Where(v => filter is null || RunFilter.MatchesRegistry(v.Name, v.RunId, v.Tags, filter))
            .Select(v => (JsonNode)v.ToJson()).ToList();
        return PageOf("model_versions", all, a, 200000);
    }
}
