// Usage:
//   MLOps.Tracking.CrashLogger crash <db> <flush interval ms>
//     Logs metric "x" with steps 0, 1, 2, ... at full speed from one thread, forever. After every completed
//     flush it prints "WRITTEN <n>" (n = points committed so far, a prefix of the steps). The parent kills it.
//   MLOps.Tracking.CrashLogger concurrent <db> <run id> <threads> <points per thread>
//     Resumes the run and logs points from several threads (key "p<thread>", steps 0..n-1), completes, prints "DONE".
using System.Globalization;
using MLOps.Tracking;
using MLOps.Tracking.Sqlite;

var store = new SqliteTrackingStore(args[1]);
var options = new TrackerOptions { CaptureLineage = false };
if (args[0] == "crash")
{
    options.FlushInterval = TimeSpan.FromMilliseconds(int.Parse(args[2], CultureInfo.InvariantCulture));
    options.FlushBatchSize = 50_000;
    options.BufferCapacity = 100_000;
    var tracker = new Tracker(store, options);
    var run = await tracker.StartRunAsync("crash");
    Console.WriteLine($"RUN {run.RunId}");
    var reporter = Task.Run(async () =>
    {
        long last = -1;
        while (true)
        {
            var written = run.PointsWritten;
            if (written != last)
            {
                Console.WriteLine($"WRITTEN {written}");
                last = written;
            }

            await Task.Delay(2);
        }
    });
    for (long step = 0; ; step++)
    {
        run.LogMetric("x", step * 0.5, step);
    }
}
else
{
    var tracker = new Tracker(store, options);
    await using var run = await tracker.ResumeRunAsync(args[2]);
    var threads = int.Parse(args[3], CultureInfo.InvariantCulture);
    var points = int.Parse(args[4], CultureInfo.InvariantCulture);
    var prefix = args.Length > 5 ? args[5] : "c";
    Console.WriteLine("READY");
    await Task.WhenAll(Enumerable.Range(0, threads).Select(t => Task.Run(() =>
    {
        var key = $"{prefix}{t}";
        for (var i = 0; i < points; i++)
        {
            run.LogMetric(key, i, i);
        }
    })));
    await run.FlushAsync();
    Console.WriteLine($"DONE {run.PointsWritten} {run.PointsDropped}");
}
