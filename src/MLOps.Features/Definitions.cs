namespace MLOps.Features;

// CA1720: the member names mirror Feast's dtypes (Int64, Float32, String...), which users know by these names.
#pragma warning disable CA1720

/// <summary>The value types a feature or a join key can have (a subset of Feast's <c>ValueType</c>).</summary>
public enum FeatureValueType
{
    /// <summary>32-bit signed integer (Feast INT32).</summary>
    Int32,

    /// <summary>64-bit signed integer (Feast INT64).</summary>
    Int64,

    /// <summary>32-bit float (Feast FLOAT).</summary>
    Float32,

    /// <summary>64-bit float (Feast DOUBLE).</summary>
    Float64,

    /// <summary>UTF-8 string (Feast STRING).</summary>
    String,

    /// <summary>Boolean (Feast BOOL).</summary>
    Bool,
}
#pragma warning restore CA1720

/// <summary>An entity: the thing features describe, identified by one join key (Feast supports one per entity).</summary>
/// <param name="Name">Entity name, unique in a catalogue.</param>
/// <param name="JoinKey">The physical key column, for example <c>driver_id</c>.</param>
/// <param name="ValueType">The registered key type; it decides how keys are encoded online.</param>
public sealed record Entity(string Name, string JoinKey, FeatureValueType ValueType);

/// <summary>A typed column of a feature view's schema.</summary>
/// <param name="Name">Feature name, unique within its view.</param>
/// <param name="Type">Value type.</param>
public sealed record FeatureField(string Name, FeatureValueType Type);

/// <summary>
/// A batch source made of Parquet files: one file or a folder whose <c>*.parquet</c> files are read in name order.
/// </summary>
/// <param name="Path">A Parquet file or a folder of them.</param>
/// <param name="TimestampField">Event-time column used by point-in-time joins; default <c>event_timestamp</c>.</param>
/// <param name="CreatedTimestampColumn">Optional created-time column that breaks ties on equal event times.</param>
/// <param name="FieldMapping">Optional renames from source column to feature name (Feast's <c>field_mapping</c>); they
/// apply to feature columns only, not to join keys or timestamp columns. Default none.</param>
public sealed record ParquetSource(string Path, string TimestampField = "event_timestamp", string? CreatedTimestampColumn = null, IReadOnlyDictionary<string, string>? FieldMapping = null)
{
    /// <summary>Gets the source column that holds a feature: the column mapped to it by <see cref="FieldMapping"/>, else the feature's own name.</summary>
    /// <param name="feature">The feature name.</param>
    /// <returns>The Parquet column name.</returns>
    public string SourceColumn(string feature)
    {
        ArgumentNullException.ThrowIfNull(feature);
        if (FieldMapping is not null)
        {
            foreach (var (column, name) in FieldMapping)
            {
                if (string.Equals(name, feature, StringComparison.Ordinal))
                {
                    return column;
                }
            }
        }

        return feature;
    }

    /// <summary>Lists the Parquet files of this source, in name order.</summary>
    /// <returns>The file paths.</returns>
    /// <exception cref="FeatureStoreException">The path names neither a file nor a folder.</exception>
    public IReadOnlyList<string> ListFiles()
    {
        if (File.Exists(Path))
        {
            return [Path];
        }

        if (Directory.Exists(Path))
        {
            var files = Directory.GetFiles(Path, "*.parquet", SearchOption.TopDirectoryOnly);
            Array.Sort(files, StringComparer.Ordinal);
            return files;
        }

        throw new FeatureStoreException($"Parquet source '{Path}' is neither a file nor a folder; point it at a .parquet file or a folder of them.");
    }
}

/// <summary>
/// A feature view: a typed group of features keyed by its entities' join keys, read from a Parquet source.
/// Immutable and thread-safe.
/// </summary>
public sealed class FeatureView
{
    /// <summary>Creates a feature view.</summary>
    /// <param name="name">View name, unique in a catalogue; letters, digits and underscores.</param>
    /// <param name="entities">Entities whose join keys form the view's entity key (at least one).</param>
    /// <param name="schema">Typed feature columns (at least one).</param>
    /// <param name="source">The Parquet batch source.</param>
    /// <param name="ttl">How far back a point-in-time join looks from each entity timestamp; <see cref="TimeSpan.Zero"/>
    /// (the default) means no lower bound. Also the online max age (<see cref="Online.FeatureStatus.OutsideMaxAge"/>).</param>
    /// <param name="online">Whether the view is materialized and served online; default <see langword="true"/>.</param>
    /// <param name="tags">Free-form tags; optional.</param>
    /// <exception cref="FeatureDefinitionException">A name is blank or duplicated, or a list is empty.</exception>
    public FeatureView(string name, IReadOnlyList<Entity> entities, IReadOnlyList<FeatureField> schema, ParquetSource source,
        TimeSpan ttl = default, bool online = true, IReadOnlyDictionary<string, string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(entities);
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(source);
        Names.Check(name, "feature view");
        if (entities.Count == 0 || schema.Count == 0)
        {
            throw new FeatureDefinitionException($"Feature view '{name}' needs at least one entity and one feature.");
        }

        if (ttl < TimeSpan.Zero)
        {
            throw new FeatureDefinitionException($"Feature view '{name}' has a negative TTL {ttl}; use TimeSpan.Zero for no bound.");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var f in schema)
        {
            Names.Check(f.Name, "feature");
            if (!seen.Add(f.Name))
            {
                throw new FeatureDefinitionException($"Feature view '{name}' declares feature '{f.Name}' twice.");
            }
        }

        if (source.FieldMapping is { } mapping)
        {
            var targets = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (column, feature) in mapping)
            {
                if (entities.Any(e => e.JoinKey == column || e.JoinKey == feature) || column == source.TimestampField || feature == source.TimestampField
                    || column == source.CreatedTimestampColumn || feature == source.CreatedTimestampColumn)
                {
                    throw new FeatureDefinitionException($"Feature view '{name}' maps '{column}' to '{feature}', but a field mapping applies to feature columns only, not to join keys or timestamps.");
                }

                if (!targets.Add(feature))
                {
                    throw new FeatureDefinitionException($"Feature view '{name}' maps two source columns to feature '{feature}'; keep one.");
                }
            }
        }

        Name = name;
        Entities = [.. entities];
        Schema = [.. schema];
        Source = source;
        Ttl = ttl;
        Online = online;
        Tags = tags is null ? new Dictionary<string, string>() : new Dictionary<string, string>(tags);
        JoinKeys = [.. Entities.Select(static e => e.JoinKey)];
    }

    /// <summary>Gets the view name.</summary>
    public string Name { get; }

    /// <summary>Gets the entities.</summary>
    public IReadOnlyList<Entity> Entities { get; }

    /// <summary>Gets the join keys, in entity order.</summary>
    public IReadOnlyList<string> JoinKeys { get; }

    /// <summary>Gets the typed schema.</summary>
    public IReadOnlyList<FeatureField> Schema { get; }

    /// <summary>Gets the batch source.</summary>
    public ParquetSource Source { get; }

    /// <summary>Gets the TTL; zero means unbounded.</summary>
    public TimeSpan Ttl { get; }

    /// <summary>Gets whether the view is served online.</summary>
    public bool Online { get; }

    /// <summary>Gets the tags.</summary>
    public IReadOnlyDictionary<string, string> Tags { get; }

    /// <summary>Finds a feature of this view.</summary>
    /// <param name="feature">The feature name.</param>
    /// <returns>The field, or <see langword="null"/>.</returns>
    public FeatureField? Find(string feature)
    {
        foreach (var f in Schema)
        {
            if (string.Equals(f.Name, feature, StringComparison.Ordinal))
            {
                return f;
            }
        }

        return null;
    }
}

/// <summary>A named selection of features, typically one per model version.</summary>
/// <param name="Name">Service name.</param>
/// <param name="Features">Feature references <c>view:feature</c> (an on-demand view's outputs included).</param>
public sealed record FeatureService(string Name, IReadOnlyList<string> Features);

/// <summary>
/// An on-demand feature view: a C# function over other features and request values, run row by row in both
/// historical retrieval and online serving, so training and serving compute the feature identically.
/// </summary>
/// <param name="Name">View name.</param>
/// <param name="Inputs">Input feature references <c>view:feature</c>; the function sees them by bare feature name.</param>
/// <param name="RequestFields">Request-time values (entity-row columns online and offline) the function sees by name.</param>
/// <param name="Schema">Output features.</param>
/// <param name="Transform">The function: inputs by name (null when missing) to outputs by schema name. Must be pure.</param>
public sealed record OnDemandFeatureView(
    string Name,
    IReadOnlyList<string> Inputs,
    IReadOnlyList<FeatureField> RequestFields,
    IReadOnlyList<FeatureField> Schema,
    Func<IReadOnlyDictionary<string, object?>, IReadOnlyDictionary<string, object?>> Transform);

/// <summary>A parsed feature reference <c>view:feature</c>.</summary>
/// <param name="View">The view name.</param>
/// <param name="Feature">The feature name.</param>
public readonly record struct FeatureReference(string View, string Feature)
{
    /// <summary>Parses <c>view:feature</c>.</summary>
    /// <param name="reference">The reference.</param>
    /// <returns>The parsed reference.</returns>
    /// <exception cref="FeatureDefinitionException">The text is not <c>view:feature</c>.</exception>
    public static FeatureReference Parse(string reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var i = reference.IndexOf(':', StringComparison.Ordinal);
        if (i <= 0 || i == reference.Length - 1 || reference.IndexOf(':', i + 1) >= 0)
        {
            throw new FeatureDefinitionException($"Feature reference '{reference}' is not of the form 'view:feature'.");
        }

        return new FeatureReference(reference[..i], reference[(i + 1)..]);
    }

    /// <summary>Gets the output column name: <c>view__feature</c> when <paramref name="fullFeatureNames"/>, else the feature.</summary>
    /// <param name="fullFeatureNames">Whether to prefix the view name.</param>
    /// <returns>The column name.</returns>
    public string ColumnName(bool fullFeatureNames) => fullFeatureNames ? View + "__" + Feature : Feature;

    /// <inheritdoc />
    public override string ToString() => View + ":" + Feature;
}

internal static class Names
{
    public static void Check(string? name, string what)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new FeatureDefinitionException($"A {what} name is blank; use letters, digits and underscores.");
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                throw new FeatureDefinitionException($"The {what} name '{name}' contains '{c}'; use letters, digits and underscores.");
            }
        }
    }
}
