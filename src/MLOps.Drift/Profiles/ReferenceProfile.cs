using System.Text.Json;
using System.Text.Json.Serialization;
using Apache.Arrow;

namespace MLOps.Drift;

/// <summary>
/// A precomputed, JSON-serialisable summary of a reference dataset, one <see cref="ColumnProfile"/> per column, so
/// production checks never rescan the training set. Immutable and thread-safe.
/// </summary>
/// <remarks>
/// <para>JSON schema (<see cref="SchemaName"/>, <see cref="CurrentVersion"/> 1), camelCase, enums as names:</para>
/// <code>
/// { "schema": "mlops.drift.reference-profile", "version": 1, "createdAt": "2026-01-01T00:00:00+00:00",
///   "columns": [ { "name", "kind": "Numerical|Categorical", "valueType": "Number|Boolean|Text",
///                  "rowCount", "nullCount", "nonFiniteCount", "count", "distinctCount",
///                  "representation": "Exact|QuantileSketch", "values": [..] | "categories": [..], "counts": [..],
///                  "min", "max", "mean", "std", "rankErrorBound", "transportCost",
///                  "histogram": { "edges": [..], "counts": [..] } } ] }
/// </code>
/// <para>Readers reject another schema name or a newer version; fields added later will be optional.</para>
/// </remarks>
public sealed class ReferenceProfile
{
    /// <summary>The value of the <c>schema</c> field.</summary>
    public const string SchemaName = "mlops.drift.reference-profile";

    /// <summary>The schema version this library writes and reads.</summary>
    public const int CurrentVersion = 1;

    private readonly Dictionary<string, ColumnProfile> _byName;

    /// <summary>Creates a profile from column profiles.</summary>
    /// <param name="columns">The columns; names must be unique.</param>
    /// <param name="createdAt">When the profile was built; optional.</param>
    /// <exception cref="ArgumentNullException"><paramref name="columns"/> is null.</exception>
    /// <exception cref="DriftException">Two columns share a name.</exception>
    public ReferenceProfile(IEnumerable<ColumnProfile> columns, DateTimeOffset? createdAt = null)
        : this(SchemaName, CurrentVersion, createdAt, columns is null ? throw new ArgumentNullException(nameof(columns)) : [.. columns])
    {
    }

    /// <summary>Creates a profile as read from JSON; checks the schema name and version.</summary>
    /// <param name="schema">Must be <see cref="SchemaName"/>.</param>
    /// <param name="version">Must be between 1 and <see cref="CurrentVersion"/>.</param>
    /// <param name="createdAt">When the profile was built.</param>
    /// <param name="columns">The columns.</param>
    /// <exception cref="DriftException">Wrong schema or version, or duplicate column names.</exception>
    [JsonConstructor]
    public ReferenceProfile(string schema, int version, DateTimeOffset? createdAt, IReadOnlyList<ColumnProfile> columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        if (!string.Equals(schema, SchemaName, StringComparison.Ordinal))
        {
            throw new DriftException($"Not a reference profile: the schema field is '{schema}', expected '{SchemaName}'.");
        }

        if (version < 1 || version > CurrentVersion)
        {
            throw new DriftException($"Reference profile version {version} is not supported; this library reads versions 1 to {CurrentVersion}. Upgrade MLOps.Drift or rebuild the profile.");
        }

        Version = version;
        CreatedAt = createdAt;
        Columns = [.. columns];
        _byName = new Dictionary<string, ColumnProfile>(StringComparer.Ordinal);
        foreach (ColumnProfile c in Columns)
        {
            ArgumentNullException.ThrowIfNull(c, nameof(columns));
            if (!_byName.TryAdd(c.Name, c))
            {
                throw new DriftException($"The reference profile has two columns named '{c.Name}'; column names must be unique.", c.Name);
            }
        }
    }

    /// <summary>Gets the schema name, <see cref="SchemaName"/>.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "Serialised as the schema field of every profile.")]
    public string Schema => SchemaName;

    /// <summary>Gets the schema version.</summary>
    public int Version { get; }

    /// <summary>Gets when the profile was built, if recorded.</summary>
    public DateTimeOffset? CreatedAt { get; }

    /// <summary>Gets the column profiles in order.</summary>
    public IReadOnlyList<ColumnProfile> Columns { get; }

    /// <summary>Gets a column by name.</summary>
    /// <param name="name">The column name (ordinal).</param>
    /// <param name="column">The column, when found.</param>
    /// <returns>Whether the column exists.</returns>
    public bool TryGetColumn(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ColumnProfile? column) =>
        _byName.TryGetValue(name, out column);

    /// <summary>Profiles every column of an Arrow record batch (nulls counted and excluded).</summary>
    /// <param name="batch">The reference data.</param>
    /// <param name="options">Options; defaults when <see langword="null"/>.</param>
    /// <param name="kinds">Column kinds overriding the inferred ones, by name; optional.</param>
    /// <param name="timeProvider">Stamps <see cref="CreatedAt"/>; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <returns>The profile.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="batch"/> is null.</exception>
    /// <exception cref="DriftException">A column cannot be profiled.</exception>
    public static ReferenceProfile Create(RecordBatch batch, ProfileOptions? options = null, IReadOnlyDictionary<string, ColumnKind>? kinds = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var columns = new List<ColumnProfile>(batch.ColumnCount);
        for (int i = 0; i < batch.ColumnCount; i++)
        {
            string name = batch.Schema.GetFieldByIndex(i).Name;
            ColumnKind? kind = kinds is not null && kinds.TryGetValue(name, out ColumnKind k) ? k : null;
            columns.Add(ColumnProfile.Create(name, ColumnSample.FromArrow(batch.Column(i), kind), options));
        }

        return new ReferenceProfile(columns, (timeProvider ?? TimeProvider.System).GetUtcNow());
    }

    /// <summary>Profiles named samples.</summary>
    /// <param name="columns">The reference columns by name.</param>
    /// <param name="options">Options; defaults when <see langword="null"/>.</param>
    /// <param name="timeProvider">Stamps <see cref="CreatedAt"/>; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <returns>The profile.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="columns"/> is null.</exception>
    /// <exception cref="DriftException">A column cannot be profiled.</exception>
    public static ReferenceProfile Create(IEnumerable<KeyValuePair<string, ColumnSample>> columns, ProfileOptions? options = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(columns);
        var list = new List<ColumnProfile>();
        foreach (KeyValuePair<string, ColumnSample> kv in columns)
        {
            list.Add(ColumnProfile.Create(kv.Key, kv.Value, options));
        }

        return new ReferenceProfile(list, (timeProvider ?? TimeProvider.System).GetUtcNow());
    }

    /// <summary>Serialises to JSON (the schema in the remarks).</summary>
    /// <returns>The JSON text.</returns>
    public string ToJson() => JsonSerializer.Serialize(this, DriftJsonContext.Default.ReferenceProfile);

    /// <summary>Writes JSON to a stream.</summary>
    /// <param name="stream">The destination; left open.</param>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is null.</exception>
    public void WriteJson(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        JsonSerializer.Serialize(stream, this, DriftJsonContext.Default.ReferenceProfile);
    }

    /// <summary>Reads a profile from JSON.</summary>
    /// <param name="json">The JSON text.</param>
    /// <returns>The profile.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="json"/> is null.</exception>
    /// <exception cref="DriftException">The text is not a valid profile of a supported version.</exception>
    public static ReferenceProfile FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            return JsonSerializer.Deserialize(json, DriftJsonContext.Default.ReferenceProfile)
                ?? throw new DriftException("The JSON holds null instead of a reference profile.");
        }
        catch (JsonException ex)
        {
            throw new DriftException($"The reference profile JSON is malformed: {ex.Message}", ex);
        }
    }

    /// <summary>Reads a profile from a JSON stream.</summary>
    /// <param name="stream">The source; left open.</param>
    /// <returns>The profile.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is null.</exception>
    /// <exception cref="DriftException">The content is not a valid profile of a supported version.</exception>
    public static ReferenceProfile ReadJson(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        try
        {
            return JsonSerializer.Deserialize(stream, DriftJsonContext.Default.ReferenceProfile)
                ?? throw new DriftException("The JSON holds null instead of a reference profile.");
        }
        catch (JsonException ex)
        {
            throw new DriftException($"The reference profile JSON is malformed: {ex.Message}", ex);
        }
    }
}
