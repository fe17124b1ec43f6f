using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;
using MLOps.Tracking.Sqlite;

namespace MLOps.Tracking.Tests;

/// <summary>Real child processes (tests/MLOps.Tracking.CrashLogger) logging into the same SQLite file.</summary>
public sealed class ProcessTests : IDisposable
{
    private readonly TempDirectory _dir = new("mlops-tracking-proc-");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }

    [Fact]
    public async Task Crash_ChildKilledWithSigkill_DatabaseOpensCleanly_AndHoldsEveryFlushedPoint()
    {
        var db = _dir.Combine("crash.db");
        using var child = Start("crash", db, "20");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var runLine = await child.StandardOutput.ReadLineAsync(timeout.Token);
        runLine.Should().StartWith("RUN ", "stderr: {0}", child.HasExited ? await child.StandardError.ReadToEndAsync() : "");
        var runId = runLine![4..];

        // Wait until several flushes have completed and at least 200,000 points are committed, then SIGKILL mid-logging.
        long lastWritten = 0;
        var flushes = 0;
        while (lastWritten < 200_000 || flushes < 3)
        {
            var line = await child.StandardOutput.ReadLineAsync(timeout.Token);
            line.Should().NotBeNull();
            if (line!.StartsWith("WRITTEN ", StringComparison.Ordinal))
            {
                lastWritten = long.Parse(line[8..], CultureInfo.InvariantCulture);
                flushes++;
            }
        }

        child.Kill();
        await child.WaitForExitAsync(timeout.Token);
        child.ExitCode.Should().Be(137, "128 + SIGKILL(9)");

        Scalar(db, "PRAGMA integrity_check").Should().Be("ok");
        using var store = new SqliteTrackingStore(db);
        var history = await store.GetMetricHistoryAsync(runId, "x");
        var count = history.Items.Count;
        count.Should().BeGreaterThanOrEqualTo((int)lastWritten, "every point of every completed flush is committed");
        history.Items.Select(m => m.Step).Should().Equal(Enumerable.Range(0, count).Select(i => (long)i), "points are written in logging order, so what survives is a prefix");
        history.Items[^1].Value.Should().Be((count - 1) * 0.5);
        (await store.GetRunAsync(runId)).Info.Status.Should().Be(RunStatus.Running, "the killed process never ended its run");
    }

    [Fact]
    public async Task Concurrency_EightThreadsAndTwoProcesses_SameFile_LoseNoPoints()
    {
        const int ThreadPoints = 20_000;
        const int ChildThreads = 4;
        const int ChildPoints = 25_000;
        var db = _dir.Combine("shared.db");
        using var store = new SqliteTrackingStore(db);
        var options = new TrackerOptions { CaptureLineage = false, FlushInterval = TimeSpan.FromMilliseconds(5), BufferCapacity = 4096, FlushBatchSize = 1024 };
        await using var tracker = new Tracker(store, options);
        var experiment = await tracker.GetOrCreateExperimentAsync("shared");
        var childRuns = new[] { (await store.CreateRunAsync(experiment, "child-a", 1)).RunId, (await store.CreateRunAsync(experiment, "child-b", 1)).RunId };
        await using var run = await tracker.StartRunAsync("shared", "parent-process");

        var children = childRuns.Select((id, i) => Start("concurrent", db, id, ChildThreads.ToString(CultureInfo.InvariantCulture), ChildPoints.ToString(CultureInfo.InvariantCulture), $"k{i}_")).ToList();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        foreach (var child in children)
        {
            (await child.StandardOutput.ReadLineAsync(timeout.Token)).Should().Be("READY");
        }

        await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(() =>
        {
            var key = $"t{t}";
            for (var i = 0; i < ThreadPoints; i++)
            {
                run.LogMetric(key, i, i);
            }
        })));
        await run.FlushAsync();
        foreach (var child in children)
        {
            var done = await child.StandardOutput.ReadLineAsync(timeout.Token);
            done.Should().Be($"DONE {ChildThreads * ChildPoints} 0", "stderr: {0}", child.HasExited ? await child.StandardError.ReadToEndAsync() : "");
            await child.WaitForExitAsync(timeout.Token);
            child.ExitCode.Should().Be(0);
            child.Dispose();
        }

        run.PointsWritten.Should().Be(8 * ThreadPoints);
        run.PointsDropped.Should().Be(0);
        CountMetrics(db, run.RunId).Should().Be(8 * ThreadPoints);
        foreach (var id in childRuns)
        {
            CountMetrics(db, id).Should().Be(ChildThreads * ChildPoints);
        }

        for (var t = 0; t < 8; t++)
        {
            var latest = (await store.GetRunAsync(run.RunId)).Metrics[$"t{t}"];
            latest.Step.Should().Be(ThreadPoints - 1);
        }
    }

    private static long CountMetrics(string db, string runId) =>
        (long)Scalar(db, $"SELECT count(*) FROM metrics WHERE run_id = (SELECT id FROM runs WHERE run_uuid = '{runId}')")!;

    private static object? Scalar(string db, string sql)
    {
        using var c = new SqliteConnection($"Data Source={db};Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        return cmd.ExecuteScalar();
    }

    private static Process Start(params string[] arguments)
    {
        var info = new ProcessStartInfo(ProcessRunner.DotnetHost)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "MLOps.Tracking.CrashLogger.dll"));
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return Process.Start(info)!;
    }
}
