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

    /// <summary>
    /// Acceptance 3 with the default HTTP resilience (7 retries, exponential from 1 s here): the server answers 503
    /// from 40 s to 70 s of a 100 s run (simulated time, advanced 1 ms per logged point by the training loop); the HTTP
    /// layer keeps re-sending the refused batch (a 503 means MLflow did not apply it) while the buffer absorbs the
    /// points logged meanwhile, and every point arrives exactly once.
    /// </summary>
    [Fact]
    public async Task Outage_503For30SimulatedSecondsMidRun_EveryPointArrivesExactlyOnce()
    {
        await using var h = New(o => o.RetryBaseDelay = TimeSpan.FromSeconds(1));

        var result = await LogThroughOutageAsync(h, "outage");

        result.Refused.Should().BeGreaterThan(0, "the outage hit at least one flush");
        result.Run.PointsDropped.Should().Be(0);
        h.Server.PointsOf(result.Run.RunId).Select(p => p.Step).Should().Equal(Enumerable.Range(0, 100_000).Select(i => (long)i));
        h.Server.MetricEntriesReceived.Should().Be(100_000, "no batch was applied twice");
        result.SlowestLogMetric.Should().BeLessThan(TimeSpan.FromSeconds(1), "100,000 points fit the default buffer: LogMetric never waited on the outage");
    }

    /// <summary>
    /// Acceptance 3 with the outage outlasting the HTTP layer's retries (one retry, 1 s apart): the client fails the
    /// flush with <see cref="MlflowTransientException"/> while the server answers 503 (40 s to 70 s of a 100 s run,
    /// simulated), and the tracker's own retry policy has to carry the batch to the recovery. The buffer (20,000
    /// points, Wait, 30 s) is smaller than what is logged during the outage, so the training loop meets backpressure;
    /// it must never wait longer than the configured timeout, and no point may be dropped, lost or delivered twice.
    /// </summary>
    /// <remarks>
    /// Needs the tracker's retry-until-recovery policy (being changed in src/MLOps.Tracking on another branch): with
    /// the policy on this branch (3 retries, 50 ms apart, then the flush is dropped) this test fails.
    /// </remarks>
    [Fact]
    public async Task Outage_503Outlasts_HttpRetries_TrackerRetriesUntilRecovery_EveryPointExactlyOnce()
    {
        await using var h = new DiHarness(
            o =>
            {
                o.MaxRetries = 1;
                o.RetryBaseDelay = TimeSpan.FromSeconds(1);
            },
            services => services.AddMLOps().AddTracking(o =>
            {
                o.Tracker.CaptureLineage = false;
                o.Tracker.RecordCommandLine = false;
                o.Tracker.BufferCapacity = 20_000;
                o.Tracker.Backpressure = BackpressureMode.Wait;
                o.Tracker.BackpressureTimeout = TimeSpan.FromSeconds(30); // the default, stated
            }));

        var result = await LogThroughOutageAsync(h, "outage-tracker");

        result.Refused.Should().BeGreaterThan(0, "the outage hit at least one flush");
        result.Run.PointsDropped.Should().Be(0);
        h.Server.PointsOf(result.Run.RunId).Select(p => p.Step).Should().Equal(Enumerable.Range(0, 100_000).Select(i => (long)i));
        h.Server.MetricEntriesReceived.Should().Be(100_000, "no batch was delivered twice");
        result.SlowestLogMetric.Should().BeLessThanOrEqualTo(TimeSpan.FromSeconds(30) + TimeSpan.FromSeconds(1), "LogMetric waits at most BackpressureTimeout");
    }

    /// <summary>
    /// Logs 100,000 points, advancing the fake clock 1 ms per point (100 s of training), with the server answering 503
    /// from 40 s to 70 s; a background ticker also moves the clock (50 ms per tick, about 2 ms apart) so retry delays elapse while the
    /// training thread waits on backpressure and after it has finished; the loop also pauses 1 ms of real time every
    /// 1,000 points so flushes reach the server while it runs. Completes the run.
    /// </summary>
    private async Task<(TrackedRun Run, int Refused, TimeSpan SlowestLogMetric)> LogThroughOutageAsync(DiHarness h, string experiment)
    {
        var tracker = h.Provider.GetRequiredService<Tracker>();
        var run = await h.DriveAsync(tracker.StartRunAsync(experiment, "r"), TimeSpan.FromMilliseconds(100));
        var t0 = h.Time.GetUtcNow();
        var outageFrom = t0 + TimeSpan.FromSeconds(40);
        var outageTo = t0 + TimeSpan.FromSeconds(70);
        h.Server.Outage = () => h.Time.GetUtcNow() is var now && now >= outageFrom && now < outageTo;

        using var stop = new CancellationTokenSource();
        var ticker = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await Task.Delay(2);
                h.Time.Advance(TimeSpan.FromMilliseconds(50));
            }
        });

        var slowest = TimeSpan.Zero;
        var sw = new Stopwatch();
        try
        {
            for (var i = 0; i < 100_000; i++)
            {
                if (i % 1000 == 0)
                {
                    await Task.Delay(1); // a training step's real time, so the flusher's requests arrive while the loop runs
                }

                h.Time.Advance(TimeSpan.FromMilliseconds(1));
                sw.Restart();
                run.LogMetric("loss", i, i);
                sw.Stop();
                if (sw.Elapsed > slowest)
                {
                    slowest = sw.Elapsed;
                }
            }

            (h.Time.GetUtcNow() >= outageTo).Should().BeTrue("the outage is over before the run ends");
            await run.CompleteAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }
        finally
        {
            await stop.CancelAsync();
            await ticker;
        }

        var refused = h.Server.RequestsTo("/api/2.0/mlflow/runs/log-batch").Count(r => r.At >= outageFrom && r.At < outageTo);
        output.WriteLine($"log-batch requests answered 503: {refused}; log-batch requests in all: {h.Server.RequestsTo("/api/2.0/mlflow/runs/log-batch").Count}; dropped {run.PointsDropped}; slowest LogMetric {slowest.TotalMilliseconds:0.0} ms");
        return (run, refused, slowest);
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
