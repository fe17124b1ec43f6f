using System.Globalization;

namespace MLOps.Tracking;

/// <summary>MLflow's validation limits, enforced by every store and by <see cref="TrackedRun"/> before anything is buffered.</summary>
public static class TrackingLimits
{
    /// <summary>Longest metric, param or tag key: 250 characters.</summary>
    public const int MaxKeyLength = 250;

    /// <summary>Longest param value: 6000 characters.</summary>
    public const int MaxParamValueLength = 6000;

    /// <summary>Longest run tag value: 8000 characters.</summary>
    public const int MaxTagValueLength = 8000;

    /// <summary>Longest experiment name: 500 characters.</summary>
    public const int MaxExperimentNameLength = 500;

    /// <summary>Longest experiment tag value: 5000 characters.</summary>
    public const int MaxExperimentTagValueLength = 5000;

    /// <summary>Most metrics in one log-batch: 1000.</summary>
    public const int MaxMetricsPerBatch = 1000;

    /// <summary>Most params in one log-batch: 100.</summary>
    public const int MaxParamsPerBatch = 100;

    /// <summary>Most tags in one log-batch: 100.</summary>
    public const int MaxTagsPerBatch = 100;

    /// <summary>Most metrics + params + tags in one log-batch: 1000.</summary>
    public const int MaxEntitiesPerBatch = 1000;

    /// <summary>Longest dataset name: 500.</summary>
    public const int MaxDatasetNameLength = 500;

    /// <summary>Longest dataset digest: 36.</summary>
    public const int MaxDatasetDigestLength = 36;

    /// <summary>Longest dataset source: 65,535.</summary>
    public const int MaxDatasetSourceLength = 65535;

    /// <summary>Longest dataset schema: 1,048,575.</summary>
    public const int MaxDatasetSchemaLength = 1048575;

    /// <summary>Longest dataset profile: 16,777,215.</summary>
    public const int MaxDatasetProfileLength = 16777215;

    /// <summary>Longest input tag key: 255.</summary>
    public const int MaxInputTagKeyLength = 255;

    /// <summary>Longest input tag value: 500.</summary>
    public const int MaxInputTagValueLength = 500;

    /// <summary>Most datasets in one log-inputs call: 1000.</summary>
    public const int MaxDatasetsPerBatch = 1000;

    /// <summary>Largest <c>max_results</c> of a run search: 50,000.</summary>
    public const int MaxSearchResults = 50000;

    /// <summary>Largest page of a metric history: 25,000.</summary>
    public const int MaxMetricHistoryResults = 25000;
}

/// <summary>MLflow's validation rules (<c>mlflow/utils/validation.py</c>), throwing <see cref="InvalidTrackingValueException"/>.</summary>
internal static class Validation
{
    public static void MetricKey(string key) => Key("Metric name", key);

    public static void ParamKey(string key) => Key("Param key", key);

    public static void TagKey(string key) => Key("Tag key", key);

    /// <summary>
    /// Key charset <c>^[/\w.\- :]*$</c> (letters, digits, <c>_ - . space / :</c>), at most 250 characters, and a
    /// normalised relative path: not empty, no leading <c>/</c>, not starting with <c>..</c>, not <c>.</c>, no
    /// empty, <c>.</c> or <c>..</c> segment (what <c>posixpath.normpath(key) == key</c> checks).
    /// </summary>
    public static void Key(string field, string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length > TrackingLimits.MaxKeyLength)
        {
            throw TooLong(field, key, TrackingLimits.MaxKeyLength);
        }

        foreach (var c in key)
        {
            if (!(char.IsLetterOrDigit(c) || c is '_' or '/' or '.' or '-' or ' ' or ':'))
            {
                throw new InvalidTrackingValueException(field, key, string.Create(CultureInfo.InvariantCulture,
                    $"Invalid {field.ToLowerInvariant()} '{Quote(key)}': names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colons (:) and slashes (/); '{Quote(c.ToString())}' (U+{(int)c:X4}) is not allowed."));
            }
        }

        if (!IsNormalRelativePath(key))
        {
            throw new InvalidTrackingValueException(field, key,
                $"Invalid {field.ToLowerInvariant()} '{Quote(key)}': names may be treated as files in certain cases, and must not resolve to other names when treated as such. This name would resolve to '{Quote(NormPath(key))}'. Remove empty, '.' and '..' path segments and leading or trailing slashes.");
        }
    }

    public static void ParamValue(string key, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length > TrackingLimits.MaxParamValueLength)
        {
            throw new InvalidTrackingValueException("Param value", value, string.Create(CultureInfo.InvariantCulture,
                $"Param value for key '{key}' had length {value.Length}, which exceeded length limit of {TrackingLimits.MaxParamValueLength}. Log a shorter value (for example a hash or an artifact holding the full text)."));
        }
    }

    public static void TagValue(string key, string value, int limit = TrackingLimits.MaxTagValueLength)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length > limit)
        {
            throw new InvalidTrackingValueException("Tag value", value, string.Create(CultureInfo.InvariantCulture,
                $"Tag value for key '{key}' had length {value.Length}, which exceeded length limit of {limit}. Store long text as an artifact and tag its path."));
        }
    }

    public static void Timestamp(string key, long timestamp)
    {
        if (timestamp < 0)
        {
            throw new InvalidTrackingValueException("Metric timestamp", timestamp.ToString(CultureInfo.InvariantCulture), string.Create(CultureInfo.InvariantCulture,
                $"Got invalid timestamp {timestamp} for metric '{key}'. Timestamp must be a non-negative long (64-bit integer) of Unix milliseconds."));
        }
    }

    public static void ExperimentName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new InvalidTrackingValueException("Experiment name", name, "Invalid experiment name: '' (empty or blank). Give the experiment a name such as 'fraud-detection'.");
        }

        if (name.Length > TrackingLimits.MaxExperimentNameLength)
        {
            throw TooLong("Experiment name", name, TrackingLimits.MaxExperimentNameLength);
        }
    }

    public static void Batch(int metrics, int parameters, int tags)
    {
        if (metrics > TrackingLimits.MaxMetricsPerBatch || parameters > TrackingLimits.MaxParamsPerBatch || tags > TrackingLimits.MaxTagsPerBatch
            || metrics + parameters + tags > TrackingLimits.MaxEntitiesPerBatch)
        {
            throw new InvalidTrackingValueException("log-batch", null, string.Create(CultureInfo.InvariantCulture,
                $"A batch logging request can contain at most {TrackingLimits.MaxMetricsPerBatch} metrics, {TrackingLimits.MaxParamsPerBatch} params and {TrackingLimits.MaxTagsPerBatch} tags, and at most {TrackingLimits.MaxEntitiesPerBatch} entities in total. Got {metrics} metrics, {parameters} params and {tags} tags. Split it into smaller batches."));
        }
    }

    public static void Length(string field, string? value, int limit)
    {
        if (value is not null && value.Length > limit)
        {
            throw TooLong(field, value, limit);
        }
    }

    public static void Required(string field, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            throw new InvalidTrackingValueException(field, value, $"Missing value for required field '{field}'. Set it.");
        }
    }

    public static void RunId(string runId)
    {
        ArgumentNullException.ThrowIfNull(runId);
        var ok = runId.Length is > 0 and <= 256 && char.IsAsciiLetterOrDigit(runId[0]);
        for (var i = 1; ok && i < runId.Length; i++)
        {
            ok = char.IsAsciiLetterOrDigit(runId[i]) || runId[i] is '_' or '-';
        }

        if (!ok)
        {
            throw new InvalidTrackingValueException("run_id", runId, $"Invalid value '{Quote(runId)}' for parameter 'run_id' supplied: run ids are letters, digits, '_' and '-', starting with a letter or digit (generated ids are 32 lowercase hex digits).");
        }
    }

    private static InvalidTrackingValueException TooLong(string field, string value, int limit) =>
        new(field, value, string.Create(CultureInfo.InvariantCulture,
            $"{field} '{Quote(value)}' had length {value.Length}, which exceeded length limit of {limit}. Shorten it to at most {limit} characters."));

    internal static string Quote(string value) => ParamValueChangedException.Shorten(value);

    private static bool IsNormalRelativePath(string key)
    {
        if (key.Length == 0 || key[0] == '/' || key.StartsWith("..", StringComparison.Ordinal) || key == ".")
        {
            return false;
        }

        foreach (var segment in key.Split('/'))
        {
            if (segment.Length == 0 || segment == "." || segment == "..")
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Python's <c>posixpath.normpath</c>, for the error message.</summary>
    internal static string NormPath(string path)
    {
        if (path.Length == 0)
        {
            return ".";
        }

        var initial = path.StartsWith("//", StringComparison.Ordinal) && !path.StartsWith("///", StringComparison.Ordinal) ? 2 : path.StartsWith('/') ? 1 : 0;
        var parts = new List<string>();
        foreach (var comp in path.Split('/'))
        {
            if (comp.Length == 0 || comp == ".")
            {
                continue;
            }

            if (comp != ".." || (initial == 0 && parts.Count == 0) || (parts.Count > 0 && parts[^1] == ".."))
            {
                parts.Add(comp);
            }
            else if (parts.Count > 0)
            {
                parts.RemoveAt(parts.Count - 1);
            }
        }

        var result = new string('/', initial) + string.Join('/', parts);
        return result.Length == 0 ? "." : result;
    }
}
