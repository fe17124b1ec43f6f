using MLOps.Tracking.Sqlite;

namespace MLOps.Tracking;

/// <summary>Options of <c>AddTracking</c>: where the embedded store lives, and how the tracker buffers and flushes.</summary>
public sealed class TrackingOptions
{
    /// <summary>
    /// Gets or sets the SQLite file. Default: <see langword="null"/>, which means <c>tracking.db</c> under
    /// <see cref="MLOpsOptions.RootDirectory"/>. Set it with <see cref="UseSqlite"/>.
    /// </summary>
    public string? DatabasePath { get; set; }

    /// <summary>Gets the SQLite store options (busy timeout, durability).</summary>
    public SqliteTrackingStoreOptions Sqlite { get; } = new();

    /// <summary>Gets the tracker options (flush interval, buffer, backpressure, lineage).</summary>
    public TrackerOptions Tracker { get; } = new();

    /// <summary>Keeps runs in a SQLite file.</summary>
    /// <param name="path">The file, for example <c>mlops.db</c>; relative paths resolve against the current directory.</param>
    /// <returns>These options, for chaining.</returns>
    public TrackingOptions UseSqlite(string path)
    {
        DatabasePath = path;
        return this;
    }
}
