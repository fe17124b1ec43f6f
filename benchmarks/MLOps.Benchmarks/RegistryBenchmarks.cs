using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using MLOps.Artifacts;
using MLOps.Registry;

namespace MLOps.Benchmarks;

/// <summary>
/// Rollback of an alias on the embedded SQLite registry, measured until a change-feed subscriber in the same
/// process has received the rollback record (what a serving host needs before it can hot-swap).
/// Each iteration first points <c>champion</c> at version 2 (not timed), then times the rollback to version 1.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 5, iterationCount: 40, invocationCount: 1)]
public class RegistryBenchmarks
{
    private string _root = "";
    private SqliteModelRegistry _registry = null!;
    private CancellationTokenSource _stop = null!;
    private Task _subscriber = Task.CompletedTask;
    private TaskCompletionSource<AssignmentRecord> _delivered = new();

    /// <summary>FULL (durable, fsync per commit) or NORMAL synchronous mode.</summary>
    [Params(true, false)]
    public bool DurableCommits { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _root = Directory.CreateTempSubdirectory("mlops-registry-bench-").FullName;
        var options = new RegistryOptions { DurableCommits = DurableCommits }.UseSqlite(Path.Combine(_root, "mlops.db"));
        _registry = new SqliteModelRegistry(options, new LocalArtifactStore(Path.Combine(_root, "artifacts")));
        for (var i = 0; i < 2; i++)
        {
            _registry.CreateModelVersionAsync(new ModelVersionRequest { ModelName = "fraud", Source = "s3://models/fraud", CreateModelIfMissing = true }).AsTask().GetAwaiter().GetResult();
        }

        _registry.SetAliasAsync("fraud", "champion", 1).AsTask().GetAwaiter().GetResult();
        _stop = new CancellationTokenSource();
        _subscriber = Task.Run(SubscribeAsync);
    }

    [IterationSetup]
    public void PointChampionAtVersionTwo() =>
        _registry.SetAliasAsync("fraud", "champion", 2).AsTask().GetAwaiter().GetResult();

    [Benchmark(Description = "RollbackAsync + change-feed delivery (same process)")]
    public async Task<int> RollbackAndDeliver()
    {
        _delivered = new TaskCompletionSource<AssignmentRecord>(TaskCreationOptions.RunContinuationsAsynchronously);
        var result = await _registry.RollbackAsync("fraud", AssignmentTarget.Alias("champion"));
        var record = await _delivered.Task;
        return result.ToVersion + record.Version!.Value;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _stop.Cancel();
        try
        {
            _subscriber.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
        }

        _registry.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    private async Task SubscribeAsync()
    {
        await foreach (var change in _registry.WatchAsync("fraud", cancellationToken: _stop.Token))
        {
            if (change.Action == AssignmentAction.Rollback)
            {
                _delivered.TrySetResult(change);
            }
        }
    }
}
