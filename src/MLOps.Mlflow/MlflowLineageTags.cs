using System.Globalization;
using System.Text.Json;
using MLOps.Registry;
using MLOps.Tracking;

namespace MLOps.Mlflow;

/// <summary>
/// How <see cref="MlflowModelRegistry"/> keeps a <see cref="ModelLineage"/> in MLflow, which has no field for it: as
/// model-version tags under <see cref="MlflowModelRegistry.LineageTagPrefix"/>, written at registration and read back
/// into <see cref="ModelVersion.Lineage"/> (not <see cref="ModelVersion.Tags"/>); or, for a version without such tags,
/// from its source run.
/// </summary>
internal static class MlflowLineageTags
{
    /// <summary>MLflow's limit on a model-version tag key (<c>MAX_MODEL_REGISTRY_TAG_KEY_LENGTH</c>).</summary>
    public const int MaxKeyLength = 250;

    /// <summary>MLflow's limit on a model-version tag value (<c>MAX_MODEL_REGISTRY_TAG_VALUE_LENGTH</c>).</summary>
    public const int MaxValueLength = 5000;

    /// <summary>
    /// The tags that keep a lineage snapshot, checked against MLflow's model-version tag rules before any request.
    /// </summary>
    /// <param name="lineage">The snapshot, or <see langword="null"/>.</param>
    /// <param name="versionRunId">The run id the version will carry in its <c>run_id</c> field.</param>
    /// <returns>Tag key → value; empty when there is nothing to keep.</returns>
    /// <exception cref="MlflowLineageTagException">An entry's key or value breaks MLflow's rules.</exception>
    public static Dictionary<string, string> ToTags(ModelLineage? lineage, string? versionRunId)
    {
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        if (lineage is null)
        {
            return tags;
        }

        foreach (var metric in lineage.Metrics)
        {
            Add(tags, "metric", metric.Key, MlflowModelRegistry.LineageMetricTagPrefix, metric.Value.ToString("R", CultureInfo.InvariantCulture));
        }

        foreach (var param in lineage.Parameters)
        {
            Add(tags, "param", param.Key, MlflowModelRegistry.LineageParamTagPrefix, param.Value);
        }

        AddFixed(tags, MlflowModelRegistry.LineageDatasetNameTag, lineage.DatasetName);
        AddFixed(tags, MlflowModelRegistry.LineageDatasetFingerprintTag, lineage.DatasetFingerprint);
        AddFixed(tags, MlflowModelRegistry.LineageGitCommitTag, lineage.GitCommit);
        if (lineage.RunId is not null && !string.Equals(lineage.RunId, versionRunId, StringComparison.Ordinal))
        {
            AddFixed(tags, MlflowModelRegistry.LineageRunIdTag, lineage.RunId);
        }

        return tags;
    }

    /// <summary>
    /// Reads one tag as a lineage entry. Returns <see langword="false"/> for a key that is not a lineage entry (or a
    /// metric whose value is not a number), which then stays an ordinary tag.
    /// </summary>
    public static bool TryRead(string key, string value, ref Builder builder)
    {
        if (!key.StartsWith(MlflowModelRegistry.LineageTagPrefix, StringComparison.Ordinal))
        {
            return false;
        }

        if (key.StartsWith(MlflowModelRegistry.LineageMetricTagPrefix, StringComparison.Ordinal) && key.Length > MlflowModelRegistry.LineageMetricTagPrefix.Length)
        {
            if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
            {
                return false;
            }

            (builder.Metrics ??= new(StringComparer.Ordinal))[key[MlflowModelRegistry.LineageMetricTagPrefix.Length..]] = number;
        }
        else if (key.StartsWith(MlflowModelRegistry.LineageParamTagPrefix, StringComparison.Ordinal) && key.Length > MlflowModelRegistry.LineageParamTagPrefix.Length)
        {
            (builder.Parameters ??= new(StringComparer.Ordinal))[key[MlflowModelRegistry.LineageParamTagPrefix.Length..]] = value;
        }
        else
        {
            switch (key)
            {
                case MlflowModelRegistry.LineageDatasetNameTag:
                    builder.DatasetName = value;
                    break;
                case MlflowModelRegistry.LineageDatasetFingerprintTag:
                    builder.DatasetFingerprint = value;
                    break;
                case MlflowModelRegistry.LineageGitCommitTag:
                    builder.GitCommit = value;
                    break;
                case MlflowModelRegistry.LineageRunIdTag:
                    builder.RunId = value;
                    break;
                default:
                    return false;
            }
        }

        builder.Found = true;
        return true;
    }

    /// <summary>
    /// The lineage of a run as MLflow records it: latest metric values (MLflow's rule), params, the
    /// <c>mlflow.source.git.commit</c> tag and the training dataset input (the one with context <c>training</c>, or the
    /// only input); the fingerprint is the full SHA-256 from an MLOps profile when there is one, else MLflow's digest.
    /// </summary>
    public static ModelLineage FromRun(Run run)
    {
        var metrics = new Dictionary<string, double>(run.Metrics.Count, StringComparer.Ordinal);
        foreach (var metric in run.Metrics)
        {
            metrics[metric.Key] = metric.Value.Value;
        }

        var dataset = TrainingDataset(run.Inputs);
        return new ModelLineage
        {
            RunId = run.Info.RunId,
            Metrics = metrics,
            Parameters = new Dictionary<string, string>(run.Params, StringComparer.Ordinal),
            GitCommit = run.Tags.TryGetValue(MlflowTags.GitCommit, out var commit) && commit.Length > 0 ? commit : null,
            DatasetName = dataset?.Name,
            DatasetFingerprint = dataset is null ? null : Sha256FromProfile(dataset.Profile) ?? (dataset.Digest.Length > 0 ? dataset.Digest : null),
        };
    }

    private static DatasetInput? TrainingDataset(IReadOnlyList<DatasetInput> inputs)
    {
        DatasetInput? training = null;
        foreach (var input in inputs)
        {
            if (string.Equals(input.Context, "training", StringComparison.OrdinalIgnoreCase))
            {
                if (training is not null)
                {
                    return null; // Several training datasets: none of them is "the" dataset.
                }

                training = input;
            }
        }

        return training ?? (inputs.Count == 1 ? inputs[0] : null);
    }

    private static string? Sha256FromProfile(string? profile)
    {
        if (string.IsNullOrEmpty(profile))
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(profile);
            return doc.RootElement.ValueKind == JsonValueKind.Object
                && doc.RootElement.TryGetProperty("sha256", out var sha) && sha.ValueKind == JsonValueKind.String
                && sha.GetString() is { Length: > 0 } text ? text : null;
        }
        catch (JsonException)
        {
            return null; // Another client's profile format: fall back to the digest.
        }
    }

    private static void Add(Dictionary<string, string> tags, string kind, string name, string prefix, string value)
    {
        var key = prefix + name;
        if (name.Length == 0)
        {
            throw new MlflowLineageTagException(key, $"The lineage {kind} with an empty name cannot be kept as an MLflow model-version tag; give it a name.");
        }

        if (key.Length > MaxKeyLength)
        {
            throw new MlflowLineageTagException(key, string.Create(CultureInfo.InvariantCulture,
                $"The lineage {kind} '{name}' cannot be kept as an MLflow model-version tag: its key '{key}' has {key.Length} characters, over MLflow's limit of {MaxKeyLength} ({MaxKeyLength - prefix.Length} for the {kind} name). Use a shorter {kind} name."));
        }

        foreach (var c in key)
        {
            if (!(char.IsLetterOrDigit(c) || c is '_' or '/' or '.' or '-' or ' ' or ':'))
            {
                throw new MlflowLineageTagException(key, string.Create(CultureInfo.InvariantCulture,
                    $"The lineage {kind} '{name}' cannot be kept as an MLflow model-version tag: its key '{key}' has '{c}' (U+{(int)c:X4}); MLflow's tag keys may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colons (:) and slashes (/). Rename the {kind}."));
            }
        }

        foreach (var segment in key.Split('/'))
        {
            if (segment is "" or "." or "..")
            {
                throw new MlflowLineageTagException(key, $"The lineage {kind} '{name}' cannot be kept as an MLflow model-version tag: its key '{key}' has an empty, '.' or '..' path segment, which MLflow refuses (keys may become file names). Rename the {kind}.");
            }
        }

        CheckValue(key, value);
        tags[key] = value;
    }

    private static void AddFixed(Dictionary<string, string> tags, string key, string? value)
    {
        if (value is null)
        {
            return;
        }

        CheckValue(key, value);
        tags[key] = value;
    }

    private static void CheckValue(string key, string value)
    {
        if (value.Length > MaxValueLength)
        {
            throw new MlflowLineageTagException(key, string.Create(CultureInfo.InvariantCulture,
                $"The lineage value for the MLflow model-version tag '{key}' has {value.Length} characters, over MLflow's limit of {MaxValueLength}. Keep a shorter value (for example a hash, with the full text as a run artifact)."));
        }
    }

    /// <summary>The lineage entries found in one version's tags.</summary>
    internal struct Builder
    {
        public bool Found;
        public Dictionary<string, double>? Metrics;
        public Dictionary<string, string>? Parameters;
        public string? DatasetName;
        public string? DatasetFingerprint;
        public string? GitCommit;
        public string? RunId;

        public readonly ModelLineage Build(string? versionRunId) => new()
        {
            RunId = RunId ?? versionRunId,
            DatasetName = DatasetName,
            DatasetFingerprint = DatasetFingerprint,
            GitCommit = GitCommit,
            Metrics = Metrics ?? new Dictionary<string, double>(StringComparer.Ordinal),
            Parameters = Parameters ?? new Dictionary<string, string>(StringComparer.Ordinal),
        };
    }
}
