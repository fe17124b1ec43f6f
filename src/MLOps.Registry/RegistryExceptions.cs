using System.Globalization;

namespace MLOps.Registry;

/// <summary>A registered model, version, alias or stage holder that was asked for does not exist.</summary>
public sealed class ModelNotFoundException : MLOpsException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="modelName">The registered model's name.</param>
    /// <param name="version">The version asked for, if any.</param>
    /// <param name="alias">The alias asked for, if any.</param>
    /// <param name="stage">The stage asked for, if any.</param>
    public ModelNotFoundException(string modelName, int? version = null, string? alias = null, ModelStage? stage = null)
        : base(Describe(modelName, version, alias, stage))
    {
        ModelName = modelName;
        Version = version;
        Alias = alias;
        Stage = stage;
    }

    internal ModelNotFoundException(string modelName, string message)
        : base(message)
    {
        ModelName = modelName;
    }

    /// <summary>Gets the registered model's name.</summary>
    public string ModelName { get; }

    /// <summary>Gets the version asked for, or <see langword="null"/>.</summary>
    public int? Version { get; }

    /// <summary>Gets the alias asked for, or <see langword="null"/>.</summary>
    public string? Alias { get; }

    /// <summary>Gets the stage asked for, or <see langword="null"/>.</summary>
    public ModelStage? Stage { get; }

    private static string Describe(string name, int? version, string? alias, ModelStage? stage)
    {
        if (version is { } v)
        {
            return string.Create(CultureInfo.InvariantCulture, $"Registered model '{name}' has no version {v}. List its versions with SearchModelVersionsAsync, or register one with CreateModelVersionAsync.");
        }

        if (alias is not null)
        {
            return $"Registered model '{name}' has no alias '{alias}'. Set it with SetAliasAsync, or check the spelling (aliases are case-sensitive).";
        }

        if (stage is { } s)
        {
            return $"Registered model '{name}' has no version in stage '{s.ToName()}'. Transition a version there with TransitionStageAsync.";
        }

        return $"No registered model is named '{name}'. Create it with CreateRegisteredModelAsync, or check the spelling (names are case-sensitive).";
    }
}

/// <summary>A registered model with that name already exists (MLflow's <c>RESOURCE_ALREADY_EXISTS</c>).</summary>
public sealed class ModelAlreadyExistsException : MLOpsException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="modelName">The name.</param>
    public ModelAlreadyExistsException(string modelName)
        : base($"A registered model named '{modelName}' already exists. Register a new version of it instead, or choose another name.")
    {
        ModelName = modelName;
    }

    /// <summary>Gets the name.</summary>
    public string ModelName { get; }
}

/// <summary>A model name, alias, tag key or tag value breaks the registry's naming rules.</summary>
public class InvalidRegistryNameException : MLOpsException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="kind">What was named: <c>model name</c>, <c>alias</c>, <c>tag key</c>, ...</param>
    /// <param name="value">The rejected value.</param>
    /// <param name="reason">What is wrong and how to fix it.</param>
    public InvalidRegistryNameException(string kind, string? value, string reason)
        : base($"The {kind} '{Printable(value)}' is not allowed: {reason}")
    {
        Kind = kind;
        Value = value;
        Reason = reason;
    }

    /// <summary>Gets what was named: <c>model name</c>, <c>alias</c>, <c>tag key</c>, ....</summary>
    public string Kind { get; }

    /// <summary>Gets the rejected value.</summary>
    public string? Value { get; }

    /// <summary>Gets what is wrong.</summary>
    public string Reason { get; }

    internal static string Printable(string? value)
    {
        if (value is null)
        {
            return "(null)";
        }

        var shown = value.Length > 120 ? string.Concat(value.AsSpan(0, 120), "...") : value;
        var builder = new System.Text.StringBuilder(shown.Length);
        foreach (var c in shown)
        {
            if (char.IsControl(c) || char.IsSurrogate(c))
            {
                builder.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }
}

/// <summary>An alias name is reserved: <c>latest</c> (any case) and <c>v&lt;N&gt;</c> name versions in model URIs.</summary>
public sealed class ReservedAliasException : InvalidRegistryNameException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="alias">The reserved alias.</param>
    public ReservedAliasException(string alias)
        : base("alias", alias, alias.Equals("latest", StringComparison.OrdinalIgnoreCase)
            ? "'latest' is reserved: models:/name/latest always means the highest version. Choose another alias, e.g. 'champion'."
            : "aliases of the form v<N> are reserved for version numbers (MLflow resolves @v3 to version 3). Choose another alias, e.g. 'champion'.")
    {
    }
}

/// <summary>A model URI could not be parsed; <see cref="Position"/> points at the bad part.</summary>
public sealed class ModelUriFormatException : MLOpsException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="uri">The URI as given.</param>
    /// <param name="position">The zero-based index of the first bad character.</param>
    /// <param name="reason">What is wrong there and how to fix it.</param>
    public ModelUriFormatException(string uri, int position, string reason)
        : base(Describe(uri, position, reason))
    {
        Uri = uri;
        Position = position;
        Reason = reason;
    }

    /// <summary>Gets the URI as given.</summary>
    public string Uri { get; }

    /// <summary>Gets the zero-based index of the first bad character (the URI's length when something is missing at the end).</summary>
    public int Position { get; }

    /// <summary>Gets what is wrong.</summary>
    public string Reason { get; }

    private static string Describe(string uri, int position, string reason)
    {
        var printable = InvalidRegistryNameException.Printable(uri);
        var caret = printable.Length == uri.Length ? "\n  " + printable + "\n  " + new string(' ', position) + "^" : "";
        return string.Create(CultureInfo.InvariantCulture, $"The model URI '{printable}' is invalid at position {position}: {reason} Expected models:/<name>/<version>, models:/<name>@<alias>, models:/<name>/<stage> or models:/<name>/latest.{caret}");
    }
}

/// <summary>A stage transition is not allowed (archive-existing to None/Archived, or a version that is not ready).</summary>
public sealed class InvalidStageTransitionException : MLOpsException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="modelName">The registered model.</param>
    /// <param name="version">The version.</param>
    /// <param name="reason">What is wrong and how to fix it.</param>
    public InvalidStageTransitionException(string modelName, int version, string reason)
        : base(string.Create(CultureInfo.InvariantCulture, $"Cannot transition '{modelName}' version {version}: {reason}"))
    {
        ModelName = modelName;
        Version = version;
    }

    /// <summary>Gets the registered model.</summary>
    public string ModelName { get; }

    /// <summary>Gets the version.</summary>
    public int Version { get; }
}

/// <summary>A model version's stored artifact no longer matches the SHA-256 recorded when it was registered.</summary>
public sealed class ModelArtifactIntegrityException : MLOpsException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="modelName">The registered model.</param>
    /// <param name="version">The version.</param>
    /// <param name="path">The artifact-store path.</param>
    /// <param name="expectedSha256">The digest recorded at registration.</param>
    /// <param name="actualSha256">The digest of the bytes found now (or a description when they could not be read).</param>
    /// <param name="innerException">The store's own integrity failure, if it raised one.</param>
    public ModelArtifactIntegrityException(string modelName, int version, string path, string expectedSha256, string actualSha256, Exception? innerException = null)
        : base(string.Create(CultureInfo.InvariantCulture, $"The artifact of '{modelName}' version {version} ('{path}') is corrupt or was replaced: SHA-256 {expectedSha256} was recorded at registration but the stored bytes give {actualSha256}. Do not serve it; register the model again from its source."), innerException)
    {
        ModelName = modelName;
        Version = version;
        Path = path;
        ExpectedSha256 = expectedSha256;
        ActualSha256 = actualSha256;
    }

    /// <summary>Gets the registered model.</summary>
    public string ModelName { get; }

    /// <summary>Gets the version.</summary>
    public int Version { get; }

    /// <summary>Gets the artifact-store path.</summary>
    public string Path { get; }

    /// <summary>Gets the SHA-256 (lowercase hex) recorded at registration.</summary>
    public string ExpectedSha256 { get; }

    /// <summary>Gets the SHA-256 (lowercase hex) of the stored bytes now.</summary>
    public string ActualSha256 { get; }
}

/// <summary>A rollback has nothing to go back to.</summary>
public sealed class RollbackUnavailableException : MLOpsException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="modelName">The registered model.</param>
    /// <param name="target">The alias or stage.</param>
    /// <param name="reason">Why, and what to do instead.</param>
    public RollbackUnavailableException(string modelName, AssignmentTarget target, string reason)
        : base($"Cannot roll back '{target}' of registered model '{modelName}': {reason}")
    {
        ModelName = modelName;
        Target = target;
    }

    /// <summary>Gets the registered model.</summary>
    public string ModelName { get; }

    /// <summary>Gets the alias or stage.</summary>
    public AssignmentTarget Target { get; }
}

/// <summary>The promotion gate needs a metric that a version's lineage does not have.</summary>
public sealed class PromotionMetricMissingException : MLOpsException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="modelName">The registered model.</param>
    /// <param name="version">The version that lacks the metric.</param>
    /// <param name="metric">The metric the policy compares.</param>
    /// <param name="available">The metrics the version does have.</param>
    public PromotionMetricMissingException(string modelName, int version, string metric, IReadOnlyCollection<string> available)
        : base(string.Create(CultureInfo.InvariantCulture, $"Cannot compare '{modelName}' version {version} on metric '{metric}': the version's lineage has no such metric (it has: {(available.Count == 0 ? "none" : string.Join(", ", available.Order(StringComparer.Ordinal)))}). Register the version with Lineage.Metrics[\"{metric}\"] set, or change PromotionPolicy.Metric."))
    {
        ModelName = modelName;
        Version = version;
        Metric = metric;
        Available = available;
    }

    /// <summary>Gets the registered model.</summary>
    public string ModelName { get; }

    /// <summary>Gets the version that lacks the metric.</summary>
    public int Version { get; }

    /// <summary>Gets the metric the policy compares.</summary>
    public string Metric { get; }

    /// <summary>Gets the metrics the version does have.</summary>
    public IReadOnlyCollection<string> Available { get; }
}

/// <summary>The registry's database failed: busy beyond the timeout (transient), written by a newer schema, or unreadable.</summary>
public sealed class RegistryStoreException : MLOpsException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong and what to do.</param>
    /// <param name="isTransient">Whether a retry may succeed (a lock held too long).</param>
    /// <param name="innerException">The database error.</param>
    public RegistryStoreException(string message, bool isTransient, Exception? innerException = null)
        : base(message, isTransient, innerException)
    {
    }
}

/// <summary>An ONNX file could not be read as a model: it is truncated, not ONNX, or exceeds the reader's bounds.</summary>
public sealed class OnnxFormatException : MLOpsException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="reason">What is wrong.</param>
    /// <param name="offset">The byte offset where it was found.</param>
    public OnnxFormatException(string reason, long offset)
        : base(string.Create(CultureInfo.InvariantCulture, $"The file is not a readable ONNX model: {reason} (at byte {offset}). Check that it is a complete .onnx file (onnx.checker.check_model), or register it under a name that does not end in .onnx to skip signature reading."))
    {
        Reason = reason;
        Offset = offset;
    }

    /// <summary>Gets what is wrong.</summary>
    public string Reason { get; }

    /// <summary>Gets the byte offset where it was found.</summary>
    public long Offset { get; }
}
