using MLOps.Tracking;
using MLOps.Tracking.Sqlite;

namespace MLOps.Mlflow.Tests;

/// <summary>
/// One set of ITrackingStore behaviour tests, run against two backends: the embedded SQLite store and the MLflow
/// backend (over the in-process server). Each test states MLflow's documented semantics (mlflow.md §2, §4, §5).
/// </summary>
public abstract class TrackingStoreContractTests : IAsyncLifetime
{
    protected ITrackingStore Store { get; set; } = null!;

    public abstract ValueTask InitializeAsync();

    public abstract ValueTask DisposeAsync();

    private async Task<string> RunAsync(string experiment = "contract", long start = 1000)
    {
        var exp = (await Store.GetExperimentByNameAsync(experiment))?.ExperimentId ?? await Store.CreateExperimentAsync(experiment);
        return (await Store.CreateRunAsync(exp, null, start)).RunId;
    }

    [Fact]
    public async Task CreateExperiment_ThenByName_SameIdAndDuplicateRejected()
    {
        var id = await Store.CreateExperimentAsync("e1", tags: [new RunTag("k", "v")]);

        var byName = await Store.GetExperimentByNameAsync("e1");
        var dup = () => Store.CreateExperimentAsync("e1");

        byName!.ExperimentId.Should().Be(id);
        byName.Tags.Should().Contain("k", "v");
        byName.LifecycleStage.Should().Be(LifecycleStage.Active);
        (await Store.GetExperimentByNameAsync("absent")).Should().BeNull();
        await dup.Should().ThrowAsync<ExperimentAlreadyExistsException>();
    }

    [Fact]
    public async Task LogBatch_ThenGetRun_LatestMetricByStepTimestampValueParamsTags()
    {
        var run = await RunAsync();
        await Store.LogBatchAsync(run, new Metric[] { new("loss", 0.9, 100, 1), new("loss", 0.5, 50, 3), new("loss", 0.7, 200, 2) }, [new Param("lr", "0.1")], [new RunTag("stage", "dev")]);

        var got = await Store.GetRunAsync(run);

        got.Metrics["loss"].Should().Be(new Metric("loss", 0.5, 50, 3), "the highest step wins, not the latest timestamp");
        got.Params.Should().Contain("lr", "0.1");
        got.Tags.Should().Contain("stage", "dev").And.ContainKey("mlflow.runName");
        got.Info.Status.Should().Be(RunStatus.Running);
    }

    [Fact]
    public async Task LogBatch_ChangedParam_Rejected_SameValueIdempotent()
    {
        var run = await RunAsync();
        await Store.LogBatchAsync(run, ReadOnlyMemory<Metric>.Empty, [new Param("p", "1")]);
        await Store.LogBatchAsync(run, ReadOnlyMemory<Metric>.Empty, [new Param("p", "1")]);

        var act = () => Store.LogBatchAsync(run, ReadOnlyMemory<Metric>.Empty, [new Param("p", "2")]);

        await act.Should().ThrowAsync<InvalidTrackingValueException>();
    }

    [Fact]
    public async Task GetMetricHistory_OrderedByStepWithNaN_AllPoints()
    {
        var run = await RunAsync();
        await Store.LogBatchAsync(run, new Metric[] { new("m", 3, 30, 2), new("m", double.NaN, 10, 0), new("m", 2, 20, 1) });

        var history = await Store.GetMetricHistoryAsync(run, "m");

        history.Items.Select(p => p.Step).Should().Equal(0, 1, 2);
        double.IsNaN(history.Items[0].Value).Should().BeTrue();
        history.NextPageToken.Should().BeNull();
    }

    [Fact]
    public async Task SearchRuns_FilterOrderAndPages_AsMlflow()
    {
        string[] runs = [await RunAsync(start: 1), await RunAsync(start: 2), await RunAsync(start: 3), await RunAsync(start: 4)];
        double[] acc = [0.2, 0.9, 0.6, 0.8];
        for (var i = 0; i < runs.Length; i++)
        {
            await Store.LogBatchAsync(runs[i], new Metric[] { new("acc", acc[i], 1, 0) });
        }

        var exp = (await Store.GetExperimentByNameAsync("contract"))!.ExperimentId;
        var found = new List<string>();
        string? token = null;
        do
        {
            var page = await Store.SearchRunsAsync(new RunSearch { ExperimentIds = [exp], Filter = "metrics.acc > 0.5", OrderBy = ["metrics.acc DESC"], MaxResults = 2, PageToken = token });
            found.AddRange(page.Items.Select(r => r.Info.RunId));
            token = page.NextPageToken;
        }
        while (token is not null);

        found.Should().Equal(runs[1], runs[3], runs[2]);
    }

    [Fact]
    public async Task DeleteRun_HiddenFromActiveSearch_StillGettable_Restorable()
    {
        var run = await RunAsync();
        var exp = (await Store.GetExperimentByNameAsync("contract"))!.ExperimentId;

        await Store.DeleteRunAsync(run);

        (await Store.GetRunAsync(run)).Info.LifecycleStage.Should().Be(LifecycleStage.Deleted);
        (await Store.SearchRunsAsync(new RunSearch { ExperimentIds = [exp] })).Items.Should().BeEmpty();
        (await Store.SearchRunsAsync(new RunSearch { ExperimentIds = [exp], ViewType = ViewType.DeletedOnly })).Items.Should().ContainSingle();
        await Store.RestoreRunAsync(run);
        (await Store.GetRunAsync(run)).Info.LifecycleStage.Should().Be(LifecycleStage.Active);
    }

    [Fact]
    public async Task UpdateRun_Finished_StatusAndEndTime()
    {
        var run = await RunAsync();

        var info = await Store.UpdateRunAsync(run, new RunUpdate(RunStatus.Finished, 5000));

        info.Status.Should().Be(RunStatus.Finished);
        info.EndTime.Should().Be(5000);
        (await Store.GetRunAsync(run)).Info.EndTime.Should().Be(5000);
    }

    [Fact]
    public async Task Missing_RunOrTag_TrackingResourceNotFound()
    {
        var run = await RunAsync();

        var noRun = () => Store.GetRunAsync("0123456789abcdef0123456789abcdef");
        var noTag = () => Store.DeleteTagAsync(run, "absent");

        await noRun.Should().ThrowAsync<TrackingResourceNotFoundException>();
        await noTag.Should().ThrowAsync<TrackingResourceNotFoundException>();
    }

    [Fact]
    public async Task LogInputs_DatasetWithContext_OnRun()
    {
        var run = await RunAsync();
        var input = new DatasetInput { Name = "train", Digest = "abc123", SourceType = "local", Source = "{\"uri\":\"/d\"}", Tags = new Dictionary<string, string> { ["mlflow.data.context"] = "training" } };

        await Store.LogInputsAsync(run, [input]);

        var got = (await Store.GetRunAsync(run)).Inputs.Should().ContainSingle().Which;
        got.Name.Should().Be("train");
        got.Context.Should().Be("training");
    }
}

/// <summary>The contract on the embedded SQLite store.</summary>
public sealed class SqliteTrackingStoreContractTests : TrackingStoreContractTests
{
    private TempDirectory? _dir;

    public override ValueTask InitializeAsync()
    {
        _dir = new TempDirectory("mlops-contract-");
        Store = new SqliteTrackingStore(_dir.Combine("t.db"));
        return ValueTask.CompletedTask;
    }

    public override ValueTask DisposeAsync()
    {
        ((SqliteTrackingStore)Store).Dispose();
        _dir!.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>The contract on the MLflow backend.</summary>
public sealed class MlflowTrackingStoreContractTests : TrackingStoreContractTests
{
    private Harness? _harness;

    public override ValueTask InitializeAsync()
    {
        _harness = new Harness();
        Store = new MlflowTrackingStore(_harness.Client);
        return ValueTask.CompletedTask;
    }

    public override ValueTask DisposeAsync() => _harness!.DisposeAsync();
}
