using Microsoft.Data.Sqlite;
using MLOps.Tracking.Sqlite;

namespace MLOps.Tracking.Tests;

public sealed class StoreTests : IAsyncLifetime
{
    private StoreFixture _f = null!;

    public ValueTask InitializeAsync()
    {
        _f = new StoreFixture();
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => _f.DisposeAsync();

    [Fact]
    public async Task LatestMetric_HighestStepWins_ThenTimestamp_ThenValue()
    {
        var run = await _f.NewRunAsync();
        // Hand-ordered: (step, timestamp, value); the expected latest of each key is the tuple maximum.
        await _f.Store.LogBatchAsync(run, new Metric[]
        {
            new("a", 5.0, 100, 2), new("a", 9.0, 999, 1), new("a", 1.0, 50, 2),   // step 2 beats step 1; ts 100 > 50
            new("b", 1.0, 100, 3), new("b", 7.0, 100, 3), new("b", 3.0, 100, 3),   // full tie on (step, ts): max value 7
            new("c", 2.0, 100, 0), new("c", double.NaN, 100, 0),                   // NaN never beats a number on a tie
            new("d", double.NaN, 10, 0),
        });
        await _f.Store.LogBatchAsync(run, new Metric[] { new("a", 0.5, 10, 2), new("b", 6.0, 100, 3), new("d", -1, 10, 0), new("e", double.PositiveInfinity, 1, -5) });

        var metrics = (await _f.Store.GetRunAsync(run)).Metrics;

        metrics["a"].Should().Be(new Metric("a", 5.0, 100, 2));
        metrics["b"].Should().Be(new Metric("b", 7.0, 100, 3));
        metrics["c"].Should().Be(new Metric("c", 2.0, 100, 0));
        metrics["d"].Should().Be(new Metric("d", -1, 10, 0));
        metrics["e"].Value.Should().Be(double.PositiveInfinity);
        metrics["e"].Step.Should().Be(-5);
    }

    [Fact]
    public async Task MetricHistory_KeepsEveryPoint_DedupsIdentical_NaNRoundTrips_Pages()
    {
        var run = await _f.NewRunAsync();
        await _f.Store.LogBatchAsync(run, new Metric[] { new("m", 1, 1, 0), new("m", 1, 1, 0), new("m", double.NaN, 2, 1), new("m", double.NegativeInfinity, 3, 2), new("m", 4, 4, 3) });

        var all = await _f.Store.GetMetricHistoryAsync(run, "m");
        all.Items.Select(m => m.Value).Should().Equal(1, double.NaN, double.NegativeInfinity, 4);
        all.NextPageToken.Should().BeNull();

        var first = await _f.Store.GetMetricHistoryAsync(run, "m", maxResults: 3);
        var second = await _f.Store.GetMetricHistoryAsync(run, "m", maxResults: 3, pageToken: first.NextPageToken);
        first.Items.Select(m => m.Step).Should().Equal(0, 1, 2);
        second.Items.Select(m => m.Step).Should().Equal(3);
        second.NextPageToken.Should().BeNull();
    }

    [Fact]
    public async Task LogBatch_ParamChanged_ThrowsAndWritesNothingOfTheBatch()
    {
        var run = await _f.NewRunAsync();
        await _f.Store.LogBatchAsync(run, ReadOnlyMemory<Metric>.Empty, [new Param("lr", "0.1")]);
        await _f.Store.LogBatchAsync(run, ReadOnlyMemory<Metric>.Empty, [new Param("lr", "0.1")]); // same value: fine

        var ex = await FluentActions.Awaiting(() => _f.Store.LogBatchAsync(run, new Metric[] { new("m", 1, 1, 0) }, [new Param("new", "x"), new Param("lr", "0.2")], [new RunTag("t", "v")]))
            .Should().ThrowAsync<ParamValueChangedException>();
        ex.Which.ErrorCode.Should().Be("INVALID_PARAMETER_VALUE");
        ex.Which.Message.Should().Contain("key='lr'").And.Contain("value='0.1'").And.Contain("'0.2'");

        var stored = await _f.Store.GetRunAsync(run);
        stored.Params.Should().Equal(new Dictionary<string, string> { ["lr"] = "0.1" });
        stored.Metrics.Should().BeEmpty();
        stored.Tags.Should().NotContainKey("t");
    }

    [Fact]
    public async Task LogBatch_InvalidItemAnywhere_WritesNothing()
    {
        var run = await _f.NewRunAsync();
        await FluentActions.Awaiting(() => _f.Store.LogBatchAsync(run, new Metric[] { new("ok", 1, 1, 0), new("bad//key", 1, 1, 0) }))
            .Should().ThrowAsync<InvalidTrackingValueException>();
        await FluentActions.Awaiting(() => _f.Store.LogBatchAsync(run, ReadOnlyMemory<Metric>.Empty, [new Param("a", "1"), new Param("a", "1")]))
            .Should().ThrowAsync<InvalidTrackingValueException>().WithMessage("Duplicate parameter keys*");
        await FluentActions.Awaiting(() => _f.Store.LogBatchAsync(run, new Metric[1001].Select((_, i) => new Metric("m", i, 1, i)).ToArray()))
            .Should().ThrowAsync<InvalidTrackingValueException>();

        (await _f.Store.GetMetricHistoryAsync(run, "ok")).Items.Should().BeEmpty();
        (await _f.Store.GetRunAsync(run)).Params.Should().BeEmpty();
    }

    [Fact]
    public async Task Tags_LastWins_Delete_RunNameTagRenamesRun()
    {
        var run = await _f.NewRunAsync();
        await _f.Store.LogBatchAsync(run, ReadOnlyMemory<Metric>.Empty, tags: [new RunTag("t", "1"), new RunTag("t", "2"), new RunTag(MlflowTags.RunName, "renamed")]);
        var stored = await _f.Store.GetRunAsync(run);
        stored.Tags["t"].Should().Be("2");
        stored.Info.RunName.Should().Be("renamed");

        await _f.Store.DeleteTagAsync(run, "t");
        (await _f.Store.GetRunAsync(run)).Tags.Should().NotContainKey("t");
        (await FluentActions.Awaiting(() => _f.Store.DeleteTagAsync(run, "t")).Should().ThrowAsync<TrackingResourceNotFoundException>())
            .Which.ErrorCode.Should().Be("RESOURCE_DOES_NOT_EXIST");
    }

    [Fact]
    public async Task CreateRun_NameAndRunNameTagDiffer_Throws()
    {
        var ex = await FluentActions.Awaiting(() => _f.Store.CreateRunAsync("0", "a", 0, [new RunTag(MlflowTags.RunName, "b")]))
            .Should().ThrowAsync<InvalidTrackingValueException>();
        ex.Which.ErrorCode.Should().Be("INVALID_PARAMETER_VALUE");
    }

    [Fact]
    public async Task Experiments_UniqueName_DeleteCascadesAndBlocksNewRuns_DefaultUndeletable()
    {
        var id = await _f.Store.CreateExperimentAsync("e1", tags: [new RunTag("team", "fraud")]);
        (await FluentActions.Awaiting(() => _f.Store.CreateExperimentAsync("e1")).Should().ThrowAsync<ExperimentAlreadyExistsException>())
            .Which.ErrorCode.Should().Be("RESOURCE_ALREADY_EXISTS");
        var run = await _f.Store.CreateRunAsync(id, "r", 1);

        await _f.Store.DeleteExperimentAsync(id);

        (await _f.Store.GetExperimentAsync(id)).LifecycleStage.Should().Be(LifecycleStage.Deleted);
        (await _f.Store.GetRunAsync(run.RunId)).Info.LifecycleStage.Should().Be(LifecycleStage.Deleted);
        (await FluentActions.Awaiting(() => _f.Store.CreateRunAsync(id, "r2", 1)).Should().ThrowAsync<InvalidRunStateException>()).Which.ErrorCode.Should().Be("INVALID_STATE");
        await FluentActions.Awaiting(() => _f.Store.CreateExperimentAsync("e1")).Should().ThrowAsync<ExperimentAlreadyExistsException>();
        await FluentActions.Awaiting(() => _f.Store.LogBatchAsync(run.RunId, new Metric[] { new("m", 1, 1, 1) })).Should().ThrowAsync<InvalidRunStateException>();
        await FluentActions.Awaiting(() => _f.Store.DeleteExperimentAsync("0")).Should().ThrowAsync<InvalidTrackingValueException>();

        await _f.Store.RestoreExperimentAsync(id);
        (await _f.Store.GetRunAsync(run.RunId)).Info.LifecycleStage.Should().Be(LifecycleStage.Active);
        (await _f.Store.GetExperimentByNameAsync("e1"))!.Tags["team"].Should().Be("fraud");
        (await _f.Store.GetExperimentAsync("0")).Name.Should().Be("Default");
    }

    [Fact]
    public async Task Get_Missing_ThrowsResourceDoesNotExist()
    {
        (await FluentActions.Awaiting(() => _f.Store.GetRunAsync("0123456789abcdef0123456789abcdef")).Should().ThrowAsync<TrackingResourceNotFoundException>())
            .Which.ErrorCode.Should().Be("RESOURCE_DOES_NOT_EXIST");
        await FluentActions.Awaiting(() => _f.Store.GetExperimentAsync("42")).Should().ThrowAsync<TrackingResourceNotFoundException>();
        (await _f.Store.GetExperimentByNameAsync("nope")).Should().BeNull();
    }

    [Fact]
    public async Task SearchExperiments_FilterOrderPage()
    {
        foreach (var name in new[] { "fraud-a", "fraud-b", "churn" })
        {
            await _f.Store.CreateExperimentAsync(name, tags: [new RunTag("team", name.StartsWith("fraud", StringComparison.Ordinal) ? "risk" : "growth")]);
            _f.Time.Advance(TimeSpan.FromSeconds(1));
        }

        var page = await _f.Store.SearchExperimentsAsync(new ExperimentSearch { Filter = "name LIKE 'fraud%' and tags.team = 'risk'", OrderBy = ["name DESC"], MaxResults = 1 });
        page.Items.Select(e => e.Name).Should().Equal("fraud-b");
        var next = await _f.Store.SearchExperimentsAsync(new ExperimentSearch { Filter = "name LIKE 'fraud%' and tags.team = 'risk'", OrderBy = ["name DESC"], MaxResults = 1, PageToken = page.NextPageToken });
        next.Items.Select(e => e.Name).Should().Equal("fraud-a");
        next.NextPageToken.Should().BeNull();
        (await _f.Store.SearchExperimentsAsync(new ExperimentSearch())).Items.Select(e => e.Name).Should().Equal("churn", "fraud-b", "Default", "fraud-a"); // Default and fraud-a share a creation time: experiment_id ASC breaks the tie
    }

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
    public void Open_UsesWalJournal() => Scalar(_f.Path, "PRAGMA journal_mode").Should().Be("wal");

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
