using BenchmarkDotNet.Running;
using MLOps.Benchmarks;

if (args is ["redis-latency", .. var rest])
{
    await RedisLatencyHarness.RunAsync(rest);
    return;
}

if (args is ["--tracking-interleaved", ..])
{
    // Raw SQLite insert and tracker alternated in one process, for a fair ratio on a shared, noisy machine.
    await MLOps.Benchmarks.TrackingThroughputBenchmarks.RunInterleavedAsync(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 7);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
