using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using MLOps.Tracking.Sqlite;

namespace MLOps.Tracking.Tests;

/// <summary>The embedded backend of the shared tracking contract: a fresh SQLite file in a temp folder, with a fake clock.</summary>
internal sealed class SqliteTrackingBackend : TrackingBackend
{
    private readonly SqliteTrackingStore _store;

    public SqliteTrackingBackend()
    {
        Directory = new TempDirectory("mlops-tracking-");
        Time = new FakeTimeProvider(Start);
        Path = Directory.Combine("tracking.db");
        _store = new SqliteTrackingStore(Path, null, Time);
    }

    public TempDirectory Directory { get; }

    public string Path { get; }

    public override ITrackingStore Store => _store;

    public override FakeTimeProvider Time { get; }

    /// <summary>Row counts, the schema objects and every run's status, read straight from the file.</summary>
    public override string RawSnapshot()
    {
        using var c = new SqliteConnection($"Data Source={Path};Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = """
            SELECT (SELECT count(*) FROM runs) || '/' || (SELECT count(*) FROM params) || '/' || (SELECT count(*) FROM tags) || '/' ||
                   (SELECT count(*) FROM metrics) || '/' || (SELECT group_concat(name) FROM sqlite_master) || '/' ||
                   (SELECT group_concat(status || lifecycle_stage) FROM runs)
            """;
        return (string)cmd.ExecuteScalar()!;
    }

    public override ValueTask DisposeAsync()
    {
        _store.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Dispose();
        return ValueTask.CompletedTask;
    }
}
