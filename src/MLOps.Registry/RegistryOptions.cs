namespace MLOps.Registry;

/// <summary>Options of the embedded SQLite model registry.</summary>
public sealed class RegistryOptions
{
    /// <summary>
    /// Gets or sets the SQLite connection string. Default (when left <see langword="null"/> under dependency
    /// injection): <c>Data Source=&lt;MLOpsOptions.RootDirectory&gt;/mlops.db</c>. The file may be shared with the
    /// tracking store: the registry's tables are prefixed <c>registry_</c>. Set it with <see cref="UseSqlite"/>.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// Gets or sets how long a write waits for another connection or process to release the database before
    /// failing with a transient <see cref="RegistryStoreException"/>. Default 30 s.
    /// </summary>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Gets or sets how often the change feed polls the database for changes made by other processes. Changes
    /// made through the same registry instance are delivered at once regardless. Default 1 s; at least 10 ms.
    /// </summary>
    public TimeSpan ChangePollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Gets or sets SQLite's <c>synchronous</c> level: <see langword="true"/> (default) for <c>FULL</c>, so a
    /// committed transition survives a power cut; <see langword="false"/> for <c>NORMAL</c> (WAL-safe, faster,
    /// may lose the last commits on power loss).
    /// </summary>
    public bool DurableCommits { get; set; } = true;

    /// <summary>Points the registry at a SQLite database file, created when missing (with its folder).</summary>
    /// <param name="databasePath">The file, e.g. <c>.mlops/mlops.db</c>.</param>
    /// <returns>These options.</returns>
    public RegistryOptions UseSqlite(string databasePath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(databasePath);
        ConnectionString = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder { DataSource = databasePath }.ToString();
        return this;
    }

    internal IEnumerable<string> Validate()
    {
        if (string.IsNullOrWhiteSpace(ConnectionString))
        {
            yield return "RegistryOptions.ConnectionString is not set; call o.UseSqlite(\"path/to/mlops.db\").";
        }

        if (BusyTimeout < TimeSpan.Zero || BusyTimeout > TimeSpan.FromHours(1))
        {
            yield return $"RegistryOptions.BusyTimeout is {BusyTimeout}; use 0 to 1 hour.";
        }

        if (ChangePollInterval < TimeSpan.FromMilliseconds(10) || ChangePollInterval > TimeSpan.FromHours(1))
        {
            yield return $"RegistryOptions.ChangePollInterval is {ChangePollInterval}; use 10 ms to 1 hour.";
        }
    }
}
