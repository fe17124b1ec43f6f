using MLOps.Features.Online;

namespace MLOps.Features.Redis;

/// <summary>Options of <see cref="RedisOnlineStore"/>: where Redis is, how to reach it, and Feast's layout settings.</summary>
public sealed class RedisOnlineStoreOptions
{
    /// <summary>
    /// Gets or sets the Feast project name; required. It is appended to every Redis key (Feast's <c>project</c> in
    /// <c>feature_store.yaml</c>), so it must match the Feast deployment whose data is shared.
    /// </summary>
    public string? Project { get; set; }

    /// <summary>Gets the endpoints, <c>host:port</c> (port 6379 when left out); at least one, or set <see cref="Configuration"/>.</summary>
    public IList<string> Endpoints { get; } = [];

    /// <summary>
    /// Gets or sets a StackExchange.Redis configuration string (<c>"host:6379,ssl=true,password=…"</c>); optional. It is
    /// parsed first; the other options here then override what they set.
    /// </summary>
    public string? Configuration { get; set; }

    /// <summary>Gets or sets the ACL user name (Redis 6+); default none.</summary>
    public string? User { get; set; }

    /// <summary>Gets or sets the password (with <see cref="User"/>, the ACL password); default none. Never logged.</summary>
    public string? Password { get; set; }

    /// <summary>Gets or sets whether to connect with TLS; default <see langword="false"/>.</summary>
    public bool UseTls { get; set; }

    /// <summary>Gets or sets the host name the server certificate must match when <see cref="UseTls"/>; default the endpoint host.</summary>
    public string? TlsHost { get; set; }

    /// <summary>Gets or sets the logical database; default 0 (Feast's <c>db=0</c>).</summary>
    public int Database { get; set; }

    /// <summary>Gets or sets the time to establish a connection; default 5 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Gets or sets the time one read, write or delete may take before it fails with a transient
    /// <see cref="RedisOnlineStoreException"/>; default 2 s. It also bounds waiting while the connection is down.
    /// </summary>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Gets or sets an expiry applied to an entity's whole Redis hash each time a row is written to it (Feast's
    /// <c>key_ttl_seconds</c>); default <see langword="null"/>, no expiry.
    /// </summary>
    public TimeSpan? KeyTtl { get; set; }

    /// <summary>
    /// Gets or sets Feast's <c>entity_key_serialization_version</c>: 3 (default, Feast 0.38 and later) or 2, to read a store
    /// that an older Feast wrote. Writes need version 3.
    /// </summary>
    public int EntityKeySerializationVersion { get; set; } = EntityKeySerializer.CurrentVersion;

    /// <summary>
    /// Gets or sets the number of requested fields (features plus <c>_ts</c>) from which a read uses <c>HGETALL</c> and
    /// picks the fields client-side instead of <c>HMGET</c>; default <see langword="null"/>: always <c>HMGET</c> of only the
    /// requested fields, as Feast's Python store does. Redis answers <c>HGETALL</c> several times faster than an
    /// <c>HMGET</c> of hundreds of fields (Feast's Java server switches at 50), but it returns every view's fields in the
    /// shared hash: set it when a read asks for most of what the hash holds.
    /// </summary>
    public int? HgetallFieldThreshold { get; set; }

    /// <summary>Gets or sets the client name shown by <c>CLIENT LIST</c>; default <c>mlops-features</c>.</summary>
    public string ClientName { get; set; } = "mlops-features";

    /// <summary>Sets <see cref="Project"/> and adds one endpoint.</summary>
    /// <param name="project">The Feast project.</param>
    /// <param name="endpoint">The endpoint, <c>host:port</c>.</param>
    /// <returns>These options.</returns>
    public RedisOnlineStoreOptions Use(string project, string endpoint)
    {
        Project = project;
        Endpoints.Add(endpoint);
        return this;
    }

    /// <summary>Checks the options.</summary>
    /// <returns>The problems, empty when valid.</returns>
    public IReadOnlyList<string> Validate() => Validate(requireEndpoint: true);

    internal IReadOnlyList<string> Validate(bool requireEndpoint)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(Project))
        {
            errors.Add("RedisOnlineStoreOptions.Project is not set; give the Feast project name (it is part of every key).");
        }

        if (requireEndpoint && Endpoints.Count == 0 && string.IsNullOrWhiteSpace(Configuration))
        {
            errors.Add("RedisOnlineStoreOptions has no endpoint; add one to Endpoints (\"host:6379\") or set Configuration.");
        }

        foreach (var e in Endpoints)
        {
            if (string.IsNullOrWhiteSpace(e))
            {
                errors.Add("RedisOnlineStoreOptions.Endpoints holds a blank endpoint.");
            }
        }

        if (ConnectTimeout <= TimeSpan.Zero || OperationTimeout <= TimeSpan.Zero)
        {
            errors.Add($"RedisOnlineStoreOptions timeouts must be positive (ConnectTimeout {ConnectTimeout}, OperationTimeout {OperationTimeout}).");
        }

        if (KeyTtl is { } ttl && ttl < TimeSpan.FromMilliseconds(1))
        {
            errors.Add($"RedisOnlineStoreOptions.KeyTtl must be at least 1 ms or null (was {ttl}).");
        }

        if (EntityKeySerializationVersion is not (2 or 3))
        {
            errors.Add($"RedisOnlineStoreOptions.EntityKeySerializationVersion must be 2 or 3 (was {EntityKeySerializationVersion}).");
        }

        if (HgetallFieldThreshold is < 1)
        {
            errors.Add($"RedisOnlineStoreOptions.HgetallFieldThreshold must be at least 1 or null (was {HgetallFieldThreshold}).");
        }

        if (Database < 0)
        {
            errors.Add($"RedisOnlineStoreOptions.Database must not be negative (was {Database}).");
        }

        return errors;
    }
}

/// <summary>A Redis online store operation failed; <see cref="MLOpsException.IsTransient"/> says whether a retry may succeed.</summary>
public sealed class RedisOnlineStoreException : FeatureStoreException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong and what to do.</param>
    /// <param name="isTransient">Whether a retry may succeed (connection lost, timeout, server loading).</param>
    /// <param name="innerException">The cause; optional.</param>
    public RedisOnlineStoreException(string message, bool isTransient, Exception? innerException = null)
        : base(message, isTransient, innerException)
    {
    }
}
