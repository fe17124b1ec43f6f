namespace MLOps.Tracking.Sqlite;

/// <summary>Options of <see cref="SqliteTrackingStore"/>.</summary>
public sealed class SqliteTrackingStoreOptions
{
    /// <summary>
    /// Gets or sets how long a call waits for another connection or process that holds the write lock before it
    /// fails with a transient <see cref="TrackingStoreException"/>. Default: 30 seconds. Must be positive.
    /// </summary>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Gets or sets a value indicating whether each commit is flushed to the disk (<c>synchronous=FULL</c>), so a
    /// power cut loses nothing committed. Default: <see langword="false"/> (<c>synchronous=NORMAL</c>): in WAL mode
    /// a killed process still loses nothing committed, only an operating-system crash or power cut can.
    /// </summary>
    public bool DurableCommits { get; set; }
}
