using System.Diagnostics.Metrics;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using MLOps.Datasets;
using MLOps.Runs;
using MLOps.Tracking.Sqlite;

namespace MLOps.Tracking.Tests;

public sealed class RunApiTests
{
    [Fact]
    public async Task StartRun_LogEverything_Complete_StoredAsLogged()
    {
        await using var f = new StoreFixture();
        var data = f.Directory.WriteFile("data/train.csv", "a,b\n1,2\n");
        var dataset = await DatasetFingerprint.ComputeAsync(data, new DatasetFingerprintOptions { RowCount = 1 });
        string runId;
        await using (var run = await f.Tracker.StartRunAsync("fraud-detection-v2", "baseline"))
        {
            runId = run.RunId;
            run.LogParam("lr", 3e-4);
            run.LogParam("epochs", 3);
            run.LogParams([new("model", "xgb"), new("lr", "0.0003")]);
            run.SetTag("team", "risk");
            for (var epoch = 0; epoch < 3; epoch++)
            {
                run.LogMetric("val_f1", 0.5 + (epoch * 0.1), epoch);
                f.Time.Advance(TimeSpan.FromSeconds(1));
            }

            await run.LogInputAsync(dataset, "training");
            await run.LogArtifactAsync(new MemoryStream([1, 2, 3]), "model/model.onnx");
            (await run.ListArtifactsAsync()).Select(a => a.Path).Should().Equal("model/model.onnx");
            await run.CompleteAsync();
        }

        var stored = await f.Store.GetRunAsync(runId);
        stored.Info.Status.Should().Be(RunStatus.Finished);
        stored.Info.RunName.Should().Be("baseline");
        stored.Info.EndTime.Should().Be(f.Time.GetUtcNow().ToUnixTimeMilliseconds());
        stored.Params.Should().Equal(new Dictionary<string, string> { ["lr"] = "0.0003", ["epochs"] = "3", ["model"] = "xgb" });
        stored.Tags["team"].Should().Be("risk");
        stored.Metrics["val_f1"].Step.Should().Be(2);
        stored.Metrics["val_f1"].Value.Should().BeApproximately(0.7, 1e-12);
        (await f.Store.GetMetricHistoryAsync(runId, "val_f1")).Items.Should().HaveCount(3);
        var input = stored.Inputs.Single();
        input.Name.Should().Be("train.csv");
        input.Digest.Should().Be(dataset.Sha256[..36]);
        input.Context.Should().Be("training");
        input.Profile.Should().Contain(dataset.Sha256).And.Contain("\"num_rows\":1");
        (await f.Artifacts.GetInfoAsync($"{stored.Info.ArtifactUri}/model/model.onnx"))!.Length.Should().Be(3);
    }

    [Fact]
    public async Task LogParam_ChangedValue_ThrowsAtCallSite_SameValueIsNoOp()
    {
        await using var f = new StoreFixture();
        await using var run = await f.Tracker.StartRunAsync("e");
        run.LogParam("lr", "0.1");
        run.LogParam("lr", "0.1");
        FluentActions.Invoking(() => run.LogParam("lr", "0.2")).Should().Throw<ParamValueChangedException>().Which.OldValue.Should().Be("0.1");
        FluentActions.Invoking(() => run.LogParams([new("a", "1"), new("lr", "0.3")])).Should().Throw<ParamValueChangedException>();
        FluentActions.Invoking(() => run.LogMetric("bad//key", 1)).Should().Throw<InvalidTrackingValueException>();
        await run.FlushAsync();
        (await f.Store.GetRunAsync(run.RunId)).Params.Should().Equal(new Dictionary<string, string> { ["lr"] = "0.1" }, "LogParams is all-or-nothing");
    }

    [Fact]
    public async Task Flusher_WritesOnInterval_DrivenByTimeProvider()
    {
        await using var f = new StoreFixture(new TrackerOptions { FlushInterval = TimeSpan.FromSeconds(5), FlushBatchSize = 1000 });
        await using var run = await f.Tracker.StartRunAsync("e");
        run.LogMetric("m", 1);
        run.LogMetric("m", 2, 1);

        f.Time.Advance(TimeSpan.FromSeconds(4));
        await Poll(() => run.BufferedPoints == 2 && run.PointsWritten == 0);
        f.Time.Advance(TimeSpan.FromSeconds(1));
        await Poll(() => run.PointsWritten == 2);

        (await f.Store.GetMetricHistoryAsync(run.RunId, "m")).Items.Should().HaveCount(2);
    }

    [Fact]
    public async Task Flusher_WritesOnBatchSize_WithoutTimePassing()
    {
        await using var f = new StoreFixture(new TrackerOptions { FlushInterval = TimeSpan.FromHours(1), FlushBatchSize = 100 });
        await using var run = await f.Tracker.StartRunAsync("e");
        for (var i = 0; i < 100; i++)
        {
            run.LogMetric("m", i, i);
        }

        await Poll(() => run.PointsWritten == 100);
    }

    [Fact]
    public async Task Backpressure_Drop_CountsDroppedPoints_AndMeterReportsThem()
    {
        var store = new BlockingStore();
        using var meterFactory = new TestMeterFactory();
        var options = new TrackerOptions { BufferCapacity = 16, FlushBatchSize = 16, Backpressure = BackpressureMode.Drop, CaptureLineage = false, FlushInterval = TimeSpan.FromHours(1) };
        await using var tracker = new Tracker(store, options, meterFactory: meterFactory);
        using var dropped = new MetricCollector<long>(meterFactory, "MLOps.Tracking", "mlops.tracking.points.dropped");
        var run = await tracker.StartRunAsync("e");

        for (var i = 0; i < 16; i++)
        {
            run.LogMetric("m", i, i); // the 16th wakes the flusher, which takes these 16 and blocks in the store
        }

        await store.Entered.Task;
        for (var i = 0; i < 20; i++)
        {
            run.LogMetric("m", i, i); // 16 fit the second buffer, 4 are dropped
        }

        run.PointsDropped.Should().Be(4);
        dropped.GetMeasurementSnapshot().EvaluateAsCounter().Should().Be(4);
        store.Release.SetResult();
        await run.CompleteAsync();
        run.PointsWritten.Should().Be(32);
    }

    [Fact]
    public async Task Backpressure_Throw_ThrowsTypedException()
    {
        var store = new BlockingStore();
        await using var tracker = new Tracker(store, new TrackerOptions { BufferCapacity = 16, FlushBatchSize = 16, Backpressure = BackpressureMode.Throw, CaptureLineage = false });
        var run = await tracker.StartRunAsync("e");
        for (var i = 0; i < 16; i++)
        {
            run.LogMetric("m", i);
        }

        await store.Entered.Task;
        for (var i = 0; i < 16; i++)
        {
            run.LogMetric("m", i);
        }

        var ex = FluentActions.Invoking(() => run.LogMetric("m", 1)).Should().Throw<TrackingBufferFullException>().Which;
        ex.Capacity.Should().Be(16);
        ex.ErrorCode.Should().Be("RESOURCE_EXHAUSTED");
        ex.IsTransient.Should().BeTrue();
        store.Release.SetResult();
    }

    [Fact]
    public async Task Backpressure_Wait_BlocksUntilFlushMakesRoom_LosesNothing()
    {
        await using var f = new StoreFixture(new TrackerOptions { BufferCapacity = 16, FlushBatchSize = 8, FlushInterval = TimeSpan.FromHours(1) });
        await using var run = await f.Tracker.StartRunAsync("e");
        for (var i = 0; i < 5000; i++)
        {
            run.LogMetric("m", i, i);
        }

        await run.FlushAsync();
        run.PointsWritten.Should().Be(5000);
        run.PointsDropped.Should().Be(0);
        (await f.Store.GetMetricHistoryAsync(run.RunId, "m")).Items.Select(m => m.Step).Should().Equal(Enumerable.Range(0, 5000).Select(i => (long)i));
    }

    [Fact]
    public async Task Dispose_WithoutComplete_EndsRunAsKilled_AndFlushes()
    {
        await using var f = new StoreFixture();
        string id;
        await using (var run = await f.Tracker.StartRunAsync("e"))
        {
            id = run.RunId;
            run.LogMetric("m", 1);
        }

        var stored = await f.Store.GetRunAsync(id);
        stored.Info.Status.Should().Be(RunStatus.Killed);
        stored.Info.EndTime.Should().NotBeNull();
        stored.Metrics.Should().ContainKey("m");
    }

    [Fact]
    public async Task Fail_SetsStatusAndFailureTag_LoggingAfterEndThrows()
    {
        await using var f = new StoreFixture();
        await using var run = await f.Tracker.StartRunAsync("e");
        await run.FailAsync(new InvalidOperationException("out of memory on batch 7"));

        var stored = await f.Store.GetRunAsync(run.RunId);
        stored.Info.Status.Should().Be(RunStatus.Failed);
        stored.Tags[MlflowTags.Failure].Should().Be("System.InvalidOperationException: out of memory on batch 7");
        FluentActions.Invoking(() => run.LogMetric("m", 1)).Should().Throw<InvalidRunStateException>().Which.ErrorCode.Should().Be("INVALID_STATE");
        await FluentActions.Awaiting(() => run.CompleteAsync()).Should().ThrowAsync<InvalidRunStateException>();
    }

    [Fact]
    public async Task Resume_ReopensRun_KeepsParamsImmutable_AppendsMetrics()
    {
        await using var f = new StoreFixture();
        string id;
        await using (var run = await f.Tracker.StartRunAsync("e"))
        {
            id = run.RunId;
            run.LogParam("lr", "0.1");
            run.LogMetric("m", 1, 0);
            await run.CompleteAsync();
        }

        await using (var resumed = await f.Tracker.ResumeRunAsync(id))
        {
            (await f.Store.GetRunAsync(id)).Info.Status.Should().Be(RunStatus.Running);
            FluentActions.Invoking(() => resumed.LogParam("lr", "0.2")).Should().Throw<ParamValueChangedException>();
            resumed.LogMetric("m", 2, 1);
            await resumed.CompleteAsync();
        }

        (await f.Store.GetMetricHistoryAsync(id, "m")).Items.Should().HaveCount(2);
        (await f.Store.GetRunAsync(id)).Info.Status.Should().Be(RunStatus.Finished);
    }

    [Fact]
    public async Task NestedRun_TaggedWithParent_SameExperiment()
    {
        await using var f = new StoreFixture();
        await using var parent = await f.Tracker.StartRunAsync("sweep", "parent");
        await using var child = await parent.StartChildRunAsync("trial-1");

        child.Parent.Should().BeSameAs(parent);
        var stored = await f.Store.GetRunAsync(child.RunId);
        stored.Tags[MlflowTags.ParentRunId].Should().Be(parent.RunId);
        stored.Info.ExperimentId.Should().Be(parent.Info.ExperimentId);
        (await f.Store.SearchRunsAsync(new RunSearch { ExperimentIds = [parent.Info.ExperimentId], Filter = $"tags.mlflow.parentRunId = '{parent.RunId}'" }))
            .Items.Select(r => r.Info.RunName).Should().Equal("trial-1");
    }

    [Fact]
    public async Task Lineage_TagsWithMlflowReservedNames()
    {
        using var dir = new TempDirectory();
        using var store = new SqliteTrackingStore(dir.Combine("t.db"));
        await using var tracker = new Tracker(store, new TrackerOptions { WorkingDirectory = Repository.Root });
        using var seed = Seeds.Set(1234);
        await using var run = await tracker.StartRunAsync("lineage");

        var context = RunContext.Capture(new RunContextOptions { WorkingDirectory = Repository.Root, DetectDirtyWorkTree = false });
        var tags = (await store.GetRunAsync(run.RunId)).Tags;
        tags[MlflowTags.GitCommit].Should().Be(context.Git!.Commit).And.MatchRegex("^[0-9a-f]{40}$");
        tags[MlflowTags.SourceType].Should().Be("LOCAL");
        tags[MlflowTags.SourceName].Should().Be(Environment.GetCommandLineArgs()[0]);
        tags[MlflowTags.User].Should().Be(Environment.UserName);
        tags[MlflowTags.Host].Should().Be(Environment.MachineName);
        tags[MlflowTags.DotNet].Should().Be(System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription);
        tags[MlflowTags.Seed].Should().Be(Environment.GetEnvironmentVariable(Seeds.EnvironmentVariable) is { Length: > 0 } env ? env.Trim() : "1234");
        tags.Should().ContainKey(MlflowTags.GitDirty);
        tags.Should().ContainKey(MlflowTags.RunName);
    }

    [Fact]
    public async Task FindBestRun_AndCompareRuns()
    {
        await using var f = new StoreFixture();
        var ids = new List<string>();
        foreach (var (lr, f1) in new[] { ("0.1", 0.7), ("0.01", 0.9), ("0.001", 0.8) })
        {
            await using var run = await f.Tracker.StartRunAsync("best");
            run.LogParam("lr", lr);
            run.LogMetric("val_f1", f1);
            run.LogMetric("loss", 1 - f1);
            await run.CompleteAsync();
            ids.Add(run.RunId);
            f.Time.Advance(TimeSpan.FromSeconds(1));
        }

        (await f.Tracker.FindBestRunAsync("best", "val_f1"))!.Params["lr"].Should().Be("0.01");
        (await f.Tracker.FindBestRunAsync("best", "loss", maximize: false))!.Params["lr"].Should().Be("0.01");
        (await f.Tracker.FindBestRunAsync("best", "missing")).Should().BeNull();
        (await f.Tracker.FindBestRunAsync("nope", "val_f1")).Should().BeNull();

        var table = await f.Tracker.CompareRunsAsync(ids);
        table.ParamKeys.Should().Equal("lr");
        table.MetricKeys.Should().Equal("loss", "val_f1");
        table.Param(2, "lr").Should().Be("0.001");
        table.Metric(0, "val_f1").Should().Be(0.7);
        table.Metric(0, "nope").Should().BeNull();
    }

    [Fact]
    public void Options_OutOfRange_RejectedWithEachProblem()
    {
        using var dir = new TempDirectory();
        using var store = new SqliteTrackingStore(dir.Combine("t.db"));
        var act = () => new Tracker(store, new TrackerOptions { BufferCapacity = 8, FlushInterval = TimeSpan.Zero });
        act.Should().Throw<ArgumentException>().WithMessage("*BufferCapacity is 8*").WithMessage("*FlushInterval*");
    }

    private static async Task Poll(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (!condition())
        {
            await Task.Yield();
            await Task.Delay(1, timeout.Token);
        }
    }

    /// <summary>A store whose first LogBatch blocks until released, so a test can hold the flusher mid-write.</summary>
    private sealed class BlockingStore : ITrackingStore
    {
        private int _calls;

        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task LogBatchAsync(string runId, ReadOnlyMemory<Metric> metrics, IReadOnlyList<Param>? parameters = null, IReadOnlyList<RunTag>? tags = null, CancellationToken cancellationToken = default)
        {
            if (Interlocked.Increment(ref _calls) == 1)
            {
                Entered.SetResult();
                await Release.Task;
            }
        }

        public Task<string> CreateExperimentAsync(string name, string? artifactLocation = null, IReadOnlyList<RunTag>? tags = null, CancellationToken cancellationToken = default) => Task.FromResult("1");

        public Task<Experiment?> GetExperimentByNameAsync(string name, CancellationToken cancellationToken = default) => Task.FromResult<Experiment?>(null);

        public Task<RunInfo> CreateRunAsync(string experimentId, string? runName, long startTime, IReadOnlyList<RunTag>? tags = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new RunInfo { RunId = "r", RunName = "r", ExperimentId = experimentId, Status = RunStatus.Running, StartTime = startTime, ArtifactUri = "a", LifecycleStage = LifecycleStage.Active });

        public Task<RunInfo> UpdateRunAsync(string runId, RunUpdate update, CancellationToken cancellationToken = default) =>
            Task.FromResult(new RunInfo { RunId = "r", RunName = "r", ExperimentId = "1", Status = update.Status ?? RunStatus.Running, StartTime = 0, ArtifactUri = "a", LifecycleStage = LifecycleStage.Active });

        public Task<Experiment> GetExperimentAsync(string experimentId, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<Page<Experiment>> SearchExperimentsAsync(ExperimentSearch search, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task SetExperimentTagAsync(string experimentId, string key, string value, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task DeleteExperimentAsync(string experimentId, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task RestoreExperimentAsync(string experimentId, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<Run> GetRunAsync(string runId, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task DeleteRunAsync(string runId, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task RestoreRunAsync(string runId, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task DeleteTagAsync(string runId, string key, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task LogInputsAsync(string runId, IReadOnlyList<DatasetInput> inputs, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<Page<Metric>> GetMetricHistoryAsync(string runId, string key, int? maxResults = null, string? pageToken = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<Page<Run>> SearchRunsAsync(RunSearch search, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }
}

internal sealed class TestMeterFactory : IMeterFactory
{
    private readonly List<Meter> _meters = [];

    public Meter Create(MeterOptions options)
    {
        var meter = new Meter(options.Name, options.Version, options.Tags, this);
        _meters.Add(meter);
        return meter;
    }

    public void Dispose()
    {
        foreach (var meter in _meters)
        {
            meter.Dispose();
        }
    }
}
