using BenchmarkDotNet.Running;
using MLOps.Benchmarks;

if (args is ["redis-latency", .. var rest])
{
    await RedisLatencyHarness.RunAsync(rest);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
