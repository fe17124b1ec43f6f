using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace MLOps.Tracking.Tests;

/// <summary>The SQLite store's bulk path (one transaction per flush, beyond MLflow's per-request counts) and the options around it.</summary>
public sealed class BulkFlushTests
{
    [Fact]
    public async Task LogBulk_MoreThanLogBatchLimits_WritesAllAndKeepsTheLatestRule()
    {
        await using var f = new StoreFixture();
        var runId = await f.NewRunAsync();
        var metrics = new List<Metric>();
        for (var i = 0; i < 5_003; i++)
        {
            metrics.Add(new Metric(i % 2 == 0 ? "loss" : "acc", i, 1_000 + (i % 7), i / 10));
        }

        metrics.Add(new Metric("acc", double.NaN, 9_999, 500)); // same step as the last acc points, later timestamp: NaN is latest by (step, timestamp)
        var parameters = Enumerable.Range(0, 150).Select(i => new Param($"p{i}", $"{i}")).ToList(); // more than log-batch's 100
        await f.Store.LogBulkAsync(runId, metrics.ToArray(), parameters, [new RunTag("team", "a"), new RunTag("team", "b")]);

        var run = await f.Store.GetRunAsync(runId);
        run.Params.Should().HaveCount(150);
        run.Tags["team"].Should().Be("b", "tags are last-wins in order");
        (await f.Store.GetMetricHistoryAsync(runId, "loss")).Items.Should().HaveCount(2_502);
        (await f.Store.GetMetricHistoryAsync(runId, "acc")).Items.Should().HaveCount(2_502);
        // loss: the highest step is 500 (i = 5000..5002 → i/10 = 500; loss at i = 5000 and 5002); of those the later timestamp wins:
        // i = 5000 → ts 1000 + 2 = 1002, i = 5002 → ts 1000 + 4 = 1004, so value 5002.
        run.Metrics["loss"].Value.Should().Be(5002);
        double.IsNaN(run.Metrics["acc"].Value).Should().BeTrue();
    }

    [Fact]
    public async Task LogBulk_OneInvalidKey_WritesNothing()
    {
        await using var f = new StoreFixture();
        var runId = await f.NewRunAsync();
        Metric[] metrics = [new("ok", 1, 1, 0), new("bad\u0000key", 2, 1, 0)];
        var act = () => f.Store.LogBulkAsync(runId, metrics, [new Param("lr", "0.1")]);
        await act.Should().ThrowAsync<InvalidTrackingValueException>();
        var run = await f.Store.GetRunAsync(runId);
        run.Metrics.Should().BeEmpty();
        run.Params.Should().BeEmpty();
    }

    [Fact]
    public async Task LogBulk_OverMaxMetricsPerCall_Rejected()
    {
        await using var f = new StoreFixture();
        var runId = await f.NewRunAsync();
        var act = () => f.Store.LogBulkAsync(runId, new Metric[IBulkTrackingStore.MaxMetricsPerCall + 1].Select((_, i) => new Metric("m", i, 1, i)).ToArray());
        (await act.Should().ThrowAsync<InvalidTrackingValueException>()).Which.Message.Should().Contain("65536");
    }

    [Fact]
    public async Task LogBatch_StillEnforcesMlflowLimits()
    {
        await using var f = new StoreFixture();
        var runId = await f.NewRunAsync();
        var act = () => f.Store.LogBatchAsync(runId, Enumerable.Range(0, 1001).Select(i => new Metric("m", i, 1, i)).ToArray());
        await act.Should().ThrowAsync<InvalidTrackingValueException>();
        (await f.Store.GetRunAsync(runId)).Metrics.Should().BeEmpty();
    }

    [Fact]
    public async Task Tracker_OverBulkStore_FlushOfManyPointsIsOneTransactionPerChunk()
    {
        await using var env = new OutageEnvironment(bulk: true, new TrackerOptions { BufferCapacity = 200_000, FlushBatchSize = 200_000 });
        var run = await env.Tracker.StartRunAsync("bulk");
        for (var i = 0; i < 70_000; i++)
        {
            run.LogMetric("loss", i, i);
        }

        await run.FlushAsync();
        env.Store.Attempts.Should().Be(2, "70,000 points are two bulk calls of at most 65,536");
        (await env.CountRowsAsync(run.RunId)).Should().Be(70_000);
        await run.CompleteAsync();
    }

    [Fact]
    public async Task Tracker_RunsOneAfterAnother_ReuseBuffersAndLoseNothing()
    {
        await using var f = new StoreFixture(new TrackerOptions { BufferCapacity = 4_096, FlushBatchSize = 1_000 });
        for (var r = 0; r < 3; r++)
        {
            var run = await f.Tracker.StartRunAsync("reuse");
            for (var i = 0; i < 10_000; i++)
            {
                run.LogMetric("loss", i, i);
            }

            await run.CompleteAsync();
            run.PointsWritten.Should().Be(10_000);
            (await f.Store.GetMetricHistoryAsync(run.RunId, "loss")).Items.Select(m => m.Step).Should().Equal(Enumerable.Range(0, 10_000).Select(i => (long)i));
        }
    }

    [Fact]
    public async Task AddTracking_SystemMetricsAndRetryOptions_ValidatedAtStart()
    {
        var services = new ServiceCollection();
        services.AddMLOps().AddTracking(o =>
        {
            o.Tracker.LogSystemMetrics = true;
            o.Tracker.SystemMetrics.SamplingInterval = TimeSpan.Zero;
            o.Tracker.FlushRetryMaxDelay = TimeSpan.FromHours(2);
        });
        await using var provider = services.BuildServiceProvider();
        var ex = FluentActions.Invoking(() => provider.GetRequiredService<IOptions<TrackingOptions>>().Value).Should().Throw<OptionsValidationException>().Which;
        ex.Message.Should().Contain("SamplingInterval").And.Contain("FlushRetryMaxDelay");
    }
}
