using Microsoft.Data.Sqlite;

namespace MLOps.Registry.Tests;

/// <summary>The registry contract (<see cref="LifecycleContract"/>) on the embedded SQLite registry, plus what only SQLite has (lineage source, append-only history table, schema version, WAL).</summary>
public sealed class LifecycleTests : LifecycleContract
{
    private TestRegistry Sqlite => ((SqliteRegistryBackend)Backend).Test;

    protected override RegistryBackend CreateBackend() => new SqliteRegistryBackend();

    protected override async Task AssertStorageAfterModelDeleteAsync()
    {
        await using var connection = new SqliteConnection($"Data Source={Sqlite.DatabasePath}");
        await connection.OpenAsync();
        var command = connection.CreateCommand();
        command.CommandText = "SELECT (SELECT count(*) FROM registry_versions) + (SELECT count(*) FROM registry_aliases), (SELECT count(*) FROM registry_history)";
        await using var reader = await command.ExecuteReaderAsync();
        reader.Read();
        reader.GetInt64(0).Should().Be(0);
        reader.GetInt64(1).Should().Be(4);
    }

    [Fact]
    public async Task CreateModelVersionAsync_RunIdOnlyWithLineageSource_TakesLineageFromSource()
    {
        using var registry = new SqliteModelRegistry(Sqlite.Options, Sqlite.Artifacts, Sqlite.Time, lineageSource: new FakeLineage());

        var version = await registry.CreateModelVersionAsync(new ModelVersionRequest { ModelName = "fraud", Source = "file:///m.onnx", RunId = "run-7", CreateModelIfMissing = true });

        version.Lineage!.GitCommit.Should().Be("abc123");
        version.Lineage.RunId.Should().Be("run-7");
        version.Lineage.Metrics["f1"].Should().Be(0.5);
    }

    [Fact]
    public async Task History_UpdateOrDelete_IsRefusedByTheDatabase()
    {
        await AddVersionAsync("fraud");
        await Registry.SetAliasAsync("fraud", "champion", 1);
        await using var connection = new SqliteConnection($"Data Source={Sqlite.DatabasePath}");
        await connection.OpenAsync();
        var command = connection.CreateCommand();

        command.CommandText = "UPDATE registry_history SET version = 99";
        var update = () => command.ExecuteNonQuery();
        command.CommandText = "DELETE FROM registry_history";
        var delete = () => command.ExecuteNonQuery();

        update.Should().Throw<SqliteException>().WithMessage("*append-only*");
        delete.Should().Throw<SqliteException>().WithMessage("*append-only*");
    }

    [Fact]
    public async Task Schema_NewerVersionInFile_IsRefusedWithUpgradeAdvice()
    {
        await AddVersionAsync("fraud");
        await using (var connection = new SqliteConnection($"Data Source={Sqlite.DatabasePath}"))
        {
            await connection.OpenAsync();
            var command = connection.CreateCommand();
            command.CommandText = "UPDATE mlops_schema SET version = 99 WHERE component = 'registry'";
            await command.ExecuteNonQueryAsync();
        }

        using var other = Sqlite.OpenAnother();
        var act = async () => await other.GetRegisteredModelAsync("fraud");

        (await act.Should().ThrowAsync<RegistryStoreException>()).Which.Message.Should().Contain("schema version 99").And.Contain("Upgrade");
    }

    [Fact]
    public async Task Database_AfterFirstUse_IsInWalMode()
    {
        await Registry.CreateRegisteredModelAsync("fraud");
        await using var connection = new SqliteConnection($"Data Source={Sqlite.DatabasePath}");
        await connection.OpenAsync();
        var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";

        (await command.ExecuteScalarAsync()).Should().Be("wal");
    }

    private sealed class FakeLineage : ILineageSource
    {
        public ValueTask<ModelLineage?> GetLineageAsync(string runId, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult<ModelLineage?>(new ModelLineage { GitCommit = "abc123", Metrics = new Dictionary<string, double> { ["f1"] = 0.5 } });
    }
}
