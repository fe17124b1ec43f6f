using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using MLOps.Tracking;

namespace MLOps.Mlflow.Tests;

/// <summary>The unchanged Tracker/TrackedRun over MlflowTrackingStore, resolved through AddTracking + AddMlflow.</summary>
public sealed class TrackerTests(ITestOutputHelper output)
{
    private static DiHarness New(Action<MlflowOptions>? configure = null) =>
        new(configure, services => services.AddMLOps().AddTracking(o =>
        {
            o.Tracker.CaptureLineage = false;
            o.Tracker.RecordCommandLine = false;
        }));

    [Fact]
    public async Task LogMetric_100000Points_100MetricRequestsAtMost101LogBatchesAllStored()
    {
        await using var h = New();
        var tracker = h.Provider.GetRequiredService<Tracker>();
        tracker.Store.Should().BeOfType<MlflowTrackingStore>();
        var run = await h.DriveAsync(tracker.StartRunAsync("bench", "r"), TimeSpan.FromMilliseconds(100));
        var before = h.Server.Requests.Count;
        var clock = Stopwatch.StartNew();

        for (var i = 0; i < 100_000; i++)
        {
            run.LogMetric("loss", 1.0 / (i + 1), i);
        }

        await h.DriveAsync(run.CompleteAsync().ContinueWith(static _ => 0, TaskScheduler.Default), TimeSpan.FromMilliseconds(100));
        clock.Stop();

        var batchRequests = h.Server.RequestsTo("/api/2.0/mlflow/runs/log-batch");
        var batches = batchRequests.Count;
        var withMetrics = batchRequests.Count(r => r.BodyText.Contains("\"metrics\":", StringComparison.Ordinal));

        var total = h.Server.Requests.Count - before;
        output.WriteLine($"100,000 points: {withMetrics} log-batch requests with metrics, {batches} log-batch requests, {total} requests in all after start (incl. runs/update), {clock.Elapsed.TotalMilliseconds:0} ms");
        // 100 when every flush holds a multiple of 1000 points; a flush on the interval timer can split one request.
        withMetrics.Should().BeInRange(100, 101);
        batches.Should().BeLessThanOrEqualTo(101, "issue 5: at most 101 requests for 100,000 points");
        h.Server.PointsOf(run.RunId).Should().HaveCount(100_000);
        h.Server.MetricEntriesReceived.Should().Be(100_000);
    }

    [Fact]
    public async Task Outage_503For30SimulatedSecondsMidRun_EveryPointArrivesExactlyOnce()
    {
        DateTimeOffset? outageStart = null;
        await using var h = New(o => o.RetryBaseDelay = TimeSpan.FromSeconds(1));
        h.Server.Outage = () => outageStart is { } s && h.Time.GetUtcNow() - s < TimeSpan.FromSeconds(30);
        var tracker = h.Provider.GetRequiredService<Tracker>();
        var run = await h.DriveAsync(tracker.StartRunAsync("outage", "r"), TimeSpan.FromMilliseconds(100));

        // Time moves on its own (as wall time would) while the training loop logs.
        using var stop = new CancellationTokenSource();
        var ticker = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await Task.Delay(2);
                h.Time.Advance(TimeSpan.FromMilliseconds(500));
            }
        });

        var maxLogCall = TimeSpan.Zero;
        var sw = new Stopwatch();
        for (var i = 0; i < 100_000; i++)
        {
            if (i == 50_000)
            {
                outageStart = h.Time.GetUtcNow();
            }

            sw.Restart();
            run.LogMetric("loss", i, i);
            sw.Stop();
            if (sw.Elapsed > maxLogCall)
            {
                maxLogCall = sw.Elapsed;
            }
        }

        await run.CompleteAsync().WaitAsync(TimeSpan.FromSeconds(60));
        await stop.CancelAsync();
        await ticker;

        output.WriteLine($"503 responses: {h.Server.Requests.Count(r => r.Path.EndsWith("log-batch", StringComparison.Ordinal) && outageStart is { } s && r.At - s < TimeSpan.FromSeconds(30) && r.At >= s)}; slowest LogMetric {maxLogCall.TotalMilliseconds:0.0} ms");
        outageStart.Should().NotBeNull();
        h.Server.PointsOf(run.RunId).Select(p => p.Step).Should().Equal(Enumerable.Range(0, 100_000).Select(i => (long)i));
        h.Server.MetricEntriesReceived.Should().Be(100_000, "no batch was applied twice");
        maxLogCall.Should().BeLessThan(TimeSpan.FromSeconds(1), "100,000 points fit the buffer: LogMetric never waited on the outage");
    }

    [Fact]
    public async Task Tracker_ParamsTagsInputsSearch_WorkAgainstMlflow()
    {
        await using var h = New();
        var tracker = h.Provider.GetRequiredService<Tracker>();
        var run = await h.DriveAsync(tracker.StartRunAsync("e2e", "first"), TimeSpan.FromMilliseconds(100));
        run.LogParam("lr", "0.1");
        run.LogMetric("acc", 0.9, 1);
        await h.DriveAsync(run.CompleteAsync().ContinueWith(static _ => 0, TaskScheduler.Default), TimeSpan.FromMilliseconds(100));

        var found = await tracker.SearchRunsAsync("e2e", "metrics.acc > 0.5");

        found.Items.Should().ContainSingle().Which.Params["lr"].Should().Be("0.1");
        found.Items[0].Info.Status.Should().Be(RunStatus.Finished);
    }
}
