using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using MLOps.Tracking;

namespace MLOps.Mlflow;

/// <summary>MLflow's JSON wire conventions: snake_case, int64 as numbers, NaN/±Infinity as strings, empty fields omitted.</summary>
internal static class MlflowJson
{
    // Minimal escaping (quotes, backslash, controls), as Python's json.dumps writes ASCII text: an HTML-safe encoder
    // would turn ' and < in filters into \u0027 and \u003C.
    public static readonly JsonWriterOptions WriterOptions = new() { Indented = false, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static byte[] Write<TState>(TState state, Action<Utf8JsonWriter, TState> body)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            body(writer, state);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static void WriteDouble(Utf8JsonWriter writer, string name, double value)
    {
        if (double.IsNaN(value))
        {
            writer.WriteString(name, "NaN");
        }
        else if (double.IsPositiveInfinity(value))
        {
            writer.WriteString(name, "Infinity");
        }
        else if (double.IsNegativeInfinity(value))
        {
            writer.WriteString(name, "-Infinity");
        }
        else
        {
            writer.WriteNumber(name, value);
        }
    }

    public static void WriteMetric(Utf8JsonWriter writer, in Metric metric)
    {
        writer.WriteStartObject();
        writer.WriteString("key", metric.Key);
        WriteDouble(writer, "value", metric.Value);
        writer.WriteNumber("timestamp", metric.Timestamp);
        writer.WriteNumber("step", metric.Step);
        writer.WriteEndObject();
    }

    public static void WriteKeyValue(Utf8JsonWriter writer, string key, string value)
    {
        writer.WriteStartObject();
        writer.WriteString("key", key);
        writer.WriteString("value", value);
        writer.WriteEndObject();
    }

    public static void WriteTags(Utf8JsonWriter writer, string name, IEnumerable<KeyValuePair<string, string>>? tags)
    {
        if (tags is null)
        {
            return;
        }

        var started = false;
        foreach (var tag in tags)
        {
            if (!started)
            {
                writer.WriteStartArray(name);
                started = true;
            }

            WriteKeyValue(writer, tag.Key, tag.Value);
        }

        if (started)
        {
            writer.WriteEndArray();
        }
    }

    public static void WriteStrings(Utf8JsonWriter writer, string name, IReadOnlyList<string>? values)
    {
        if (values is null || values.Count == 0)
        {
            return;
        }

        writer.WriteStartArray(name);
        foreach (var v in values)
        {
            writer.WriteStringValue(v);
        }

        writer.WriteEndArray();
    }

    public static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var p) && p.ValueKind != JsonValueKind.Null
            ? (p.ValueKind == JsonValueKind.String ? p.GetString() : p.GetRawText())
            : null;

    public static long? Int64(JsonElement e, string name)
    {
        if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(name, out var p))
        {
            return null;
        }

        return p.ValueKind switch
        {
            JsonValueKind.Number => p.GetInt64(),
            JsonValueKind.String => long.Parse(p.GetString()!, NumberStyles.Integer, CultureInfo.InvariantCulture),
            _ => null,
        };
    }

    public static double Double(JsonElement e, string name)
    {
        if (!e.TryGetProperty(name, out var p))
        {
            return 0;
        }

        if (p.ValueKind == JsonValueKind.Number)
        {
            return p.GetDouble();
        }

        return p.GetString() switch
        {
            "NaN" => double.NaN,
            "Infinity" => double.PositiveInfinity,
            "-Infinity" => double.NegativeInfinity,
            var s => double.Parse(s!, NumberStyles.Float, CultureInfo.InvariantCulture),
        };
    }

    public static bool Bool(JsonElement e, string name) =>
        e.TryGetProperty(name, out var p) && (p.ValueKind == JsonValueKind.True || (p.ValueKind == JsonValueKind.String && p.GetString() == "true"));

    public static IEnumerable<JsonElement> Array(JsonElement e, string name)
    {
        if (e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in p.EnumerateArray())
            {
                yield return item;
            }
        }
    }

    public static Dictionary<string, string> KeyValues(JsonElement e, string name)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var kv in Array(e, name))
        {
            result[Str(kv, "key") ?? string.Empty] = Str(kv, "value") ?? string.Empty;
        }

        return result;
    }

    public static Metric ReadMetric(JsonElement m) =>
        new(Str(m, "key") ?? string.Empty, Double(m, "value"), Int64(m, "timestamp") ?? 0, Int64(m, "step") ?? 0);

    public static Experiment ReadExperiment(JsonElement e) => new()
    {
        ExperimentId = Str(e, "experiment_id") ?? string.Empty,
        Name = Str(e, "name") ?? string.Empty,
        ArtifactLocation = Str(e, "artifact_location") ?? string.Empty,
        LifecycleStage = ReadLifecycle(Str(e, "lifecycle_stage")),
        CreationTime = Int64(e, "creation_time") ?? 0,
        LastUpdateTime = Int64(e, "last_update_time") ?? 0,
        Tags = KeyValues(e, "tags"),
    };

    public static RunInfo ReadRunInfo(JsonElement e)
    {
        var end = Int64(e, "end_time");
        return new RunInfo
        {
            RunId = Str(e, "run_id") ?? Str(e, "run_uuid") ?? string.Empty,
            RunName = Str(e, "run_name") ?? string.Empty,
            ExperimentId = Str(e, "experiment_id") ?? string.Empty,
            UserId = Str(e, "user_id") is { Length: > 0 } u ? u : null,
            Status = ReadStatus(Str(e, "status")),
            StartTime = Int64(e, "start_time") ?? 0,
            EndTime = end is null or 0 ? null : end,
            ArtifactUri = Str(e, "artifact_uri") ?? string.Empty,
            LifecycleStage = ReadLifecycle(Str(e, "lifecycle_stage")),
        };
    }

    public static Run ReadRun(JsonElement r)
    {
        var info = ReadRunInfo(r.GetProperty("info"));
        var data = r.TryGetProperty("data", out var d) ? d : default;
        var metrics = new Dictionary<string, Metric>(StringComparer.Ordinal);
        foreach (var m in Array(data, "metrics"))
        {
            var metric = ReadMetric(m);
            metrics[metric.Key] = metric;
        }

        var inputs = new List<DatasetInput>();
        if (r.TryGetProperty("inputs", out var inp))
        {
            foreach (var di in Array(inp, "dataset_inputs"))
            {
                var ds = di.GetProperty("dataset");
                var tags = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var t in Array(di, "tags"))
                {
                    tags[Str(t, "key") ?? string.Empty] = Str(t, "value") ?? string.Empty;
                }

                inputs.Add(new DatasetInput
                {
                    Name = Str(ds, "name") ?? string.Empty,
                    Digest = Str(ds, "digest") ?? string.Empty,
                    SourceType = Str(ds, "source_type") ?? string.Empty,
                    Source = Str(ds, "source") ?? string.Empty,
                    Schema = Str(ds, "schema"),
                    Profile = Str(ds, "profile"),
                    Tags = tags,
                });
            }
        }

        return new Run
        {
            Info = info,
            Metrics = metrics,
            Params = KeyValues(data, "params"),
            Tags = KeyValues(data, "tags"),
            Inputs = inputs,
        };
    }

    public static string StatusName(RunStatus status) => status switch
    {
        RunStatus.Running => "RUNNING",
        RunStatus.Scheduled => "SCHEDULED",
        RunStatus.Finished => "FINISHED",
        RunStatus.Failed => "FAILED",
        RunStatus.Killed => "KILLED",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "Unknown run status."),
    };

    public static string ViewTypeName(ViewType viewType) => viewType switch
    {
        ViewType.ActiveOnly => "ACTIVE_ONLY",
        ViewType.DeletedOnly => "DELETED_ONLY",
        ViewType.All => "ALL",
        _ => throw new ArgumentOutOfRangeException(nameof(viewType), viewType, "Unknown view type."),
    };

    private static RunStatus ReadStatus(string? s) => s switch
    {
        "RUNNING" or "1" => RunStatus.Running,
        "SCHEDULED" or "2" => RunStatus.Scheduled,
        "FINISHED" or "3" => RunStatus.Finished,
        "FAILED" or "4" => RunStatus.Failed,
        "KILLED" or "5" => RunStatus.Killed,
        _ => RunStatus.Running,
    };

    private static LifecycleStage ReadLifecycle(string? s) => s == "deleted" ? LifecycleStage.Deleted : LifecycleStage.Active;

    public static string Utf8(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);
}
