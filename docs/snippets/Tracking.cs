using Microsoft.Extensions.DependencyInjection;
using MLOps.Datasets;
using MLOps.Tracking;

namespace MLOps.Docs.Snippets;

/// <summary>The code of docs/guides/tracking.md.</summary>
public static class Tracking
{
    /// <summary>Registers tracking with its options.</summary>
    /// <param name="services">The host's services.</param>
    public static void Register(IServiceCollection services)
    {
        #region register
        services.AddMLOps()
            .AddLocalArtifactStore()                                 // where LogArtifactAsync writes; optional
            .AddTracking(o =>
            {
                o.UseSqlite(".mlops/mlops.db");                      // default: tracking.db under MLOpsOptions.RootDirectory
                o.Sqlite.BusyTimeout = TimeSpan.FromSeconds(30);
                o.Tracker.FlushInterval = TimeSpan.FromSeconds(1);   // bounds what a killed process loses
                o.Tracker.Backpressure = BackpressureMode.Drop;      // full buffer: drop and count instead of waiting
                o.Tracker.RecordCommandLine = false;                 // arguments may hold secrets
            });
        #endregion
    }

    /// <summary>Sets what a run does while its store is down.</summary>
    /// <param name="services">The host's services.</param>
    public static void OutagePolicy(IServiceCollection services)
    {
        #region outage-policy
        services.AddMLOps().AddTracking(o =>
        {
            o.Tracker.FlushRetryDelay = TimeSpan.FromMilliseconds(100);  // first wait after a transient failure, then doubling
            o.Tracker.FlushRetryMaxDelay = TimeSpan.FromSeconds(10);     // cap of that backoff
            o.Tracker.FlushRetryTimeout = TimeSpan.FromMinutes(15);      // default infinite: retry until the store is back
            o.Tracker.Backpressure = BackpressureMode.Wait;              // full buffer: block the training loop...
            o.Tracker.BackpressureTimeout = TimeSpan.FromMinutes(5);     // ...up to this long, then TrackingBufferFullException
        });
        #endregion
    }

    /// <summary>Ends a run and reports what an outage cost.</summary>
    /// <param name="run">The run.</param>
    /// <returns>A task that completes when the run has ended.</returns>
    public static async Task OutageReportAsync(TrackedRun run)
    {
        #region outage-report
        try
        {
            await run.CompleteAsync();                               // waits while the store fails transiently
        }
        catch (TrackingException ex)
        {
            // A flush failed permanently or past FlushRetryTimeout (its points were dropped), or the closing update failed.
            Console.WriteLine($"{ex.ErrorCode} (transient: {ex.IsTransient}): {ex.Message}");
        }

        Console.WriteLine($"written {run.PointsWritten}, dropped {run.PointsDropped}, flush retries {run.FlushRetries}");
        #endregion
    }

    /// <summary>Turns on system metrics.</summary>
    /// <param name="services">The host's services.</param>
    public static void SystemMetrics(IServiceCollection services)
    {
        #region system-metrics
        services.AddMLOps().AddTracking(o =>
        {
            o.Tracker.LogSystemMetrics = true;                       // opt-in, as in MLflow; top-level runs only
            o.Tracker.SystemMetrics.SamplingInterval = TimeSpan.FromSeconds(10);
            o.Tracker.SystemMetrics.SamplesBeforeLogging = 1;        // samples averaged into one point
            o.Tracker.SystemMetrics.NodeId = Environment.MachineName;   // system/<node>/... for runs spread over machines
        });
        #endregion
    }

    /// <summary>Logs a training run with a nested run per fold.</summary>
    /// <param name="tracker">The tracker.</param>
    /// <returns>A task that completes when the run has ended.</returns>
    public static async Task LogARunAsync(Tracker tracker)
    {
        #region log-a-run
        await using var run = await tracker.StartRunAsync("fraud-detection", "lr-0.01");
        try
        {
            run.LogParam("lr", 0.01);                                // invariant culture, MLflow's limits checked here
            run.LogParams([new("trainer", "LbfgsLogisticRegression"), new("features", "amount,hour")]);
            run.SetTag("team", "payments");
            await run.LogInputAsync(await DatasetFingerprint.ComputeAsync("data/train.csv"), context: "training");

            double total = 0;
            for (var fold = 0; fold < 3; fold++)
            {
                await using var child = await run.StartChildRunAsync($"fold-{fold}");   // tagged mlflow.parentRunId
                double f1 = 0;
                for (var epoch = 0; epoch < 10; epoch++)
                {
                    f1 = Train(fold, epoch);
                    child.LogMetric("val_f1", f1, step: epoch);                          // buffered: no I/O here
                }

                total += f1;
                await child.CompleteAsync();
            }

            run.LogMetric("val_f1", total / 3);                      // the parent's summary, for search

            await run.LogArtifactAsync("models/fraud.onnx", "model/model.onnx");
            await run.CompleteAsync();                               // flushes, then FINISHED
        }
        catch (Exception ex)
        {
            await run.FailAsync(ex);                                 // flushes, then FAILED
            throw;
        }
        #endregion
    }

    /// <summary>Searches and compares runs.</summary>
    /// <param name="tracker">The tracker.</param>
    /// <returns>A task that completes when done.</returns>
    public static async Task SearchAsync(Tracker tracker)
    {
        #region search
        Page<Run> page = await tracker.SearchRunsAsync("fraud-detection",
            "metrics.val_f1 > 0.8 and params.lr = '0.01' and tags.team = 'payments'",
            orderBy: ["metrics.val_f1 DESC"], maxResults: 10);
        foreach (Run found in page.Items)
        {
            Console.WriteLine($"{found.Info.RunName}: val_f1 {found.Metrics["val_f1"].Value} at step {found.Metrics["val_f1"].Step}");
        }

        Run? best = await tracker.FindBestRunAsync("fraud-detection", "val_f1");   // maximize by default
        if (best is not null && page.Items.Count > 0)
        {
            RunComparison table = await tracker.CompareRunsAsync([best.Info.RunId, page.Items[^1].Info.RunId]);
            foreach (var key in table.MetricKeys)
            {
                Console.WriteLine($"{key}: {table.Metric(0, key)} vs {table.Metric(1, key)}");
            }
        }
        #endregion
    }

    private static double Train(int fold, int epoch) => 0.7 + (0.01 * fold) + (0.02 * epoch);
}
