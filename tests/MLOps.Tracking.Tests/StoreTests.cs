using Microsoft.Data.Sqlite;
using MLOps.Tracking.Sqlite;

namespace MLOps.Tracking.Tests;

/// <summary>The store contract (<see cref="StoreContract"/>) on the embedded SQLite store, plus what only SQLite has (schema migration, WAL).</summary>
public sealed class StoreTests : StoreContract
{
    private SqliteTrackingBackend Sqlite => (SqliteTrackingBackend)Backend;

    protected override TrackingBackend CreateBackend() => new SqliteTrackingBackend();

    [Fact]
    public async Task Open_MigratesOldSchemaForward_AndRefusesNewerSchema()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("old.db");
        new SqliteTrackingStore(path, null, null, schemaVersion: 1).Dispose();
        UserVersion(path).Should().Be(1);
        Indexes(path).Should().NotContain("params_key_value");

        using (var store = new SqliteTrackingStore(path))
        {
            (await store.GetExperimentAsync("0")).Name.Should().Be("Default");
        }

        UserVersion(path).Should().Be(SqliteTrackingStore.SchemaVersion);
        Indexes(path).Should().Contain("params_key_value");
        Exec(path, "PRAGMA user_version = 99");
        FluentActions.Invoking(() => new SqliteTrackingStore(path)).Should().Throw<TrackingStoreException>()
            .WithMessage("*schema version 99*newer*Upgrade*");
        SqliteConnection.ClearAllPools();
    }

    [Fact]
    public void Open_UsesWalJournal() => Scalar(Sqlite.Path, "PRAGMA journal_mode").Should().Be("wal");

    private static long UserVersion(string path) => (long)Scalar(path, "PRAGMA user_version")!;

    private static List<string> Indexes(string path)
    {
        using var c = new SqliteConnection($"Data Source={path};Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT name FROM sqlite_master WHERE type = 'index'";
        using var r = cmd.ExecuteReader();
        var list = new List<string>();
        while (r.Read())
        {
            list.Add(r.GetString(0));
        }

        return list;
    }

    private static object? Scalar(string path, string sql)
    {
        using var c = new SqliteConnection($"Data Source={path};Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        return cmd.ExecuteScalar();
    }

    private static void Exec(string path, string sql) => Scalar(path, sql);
}
