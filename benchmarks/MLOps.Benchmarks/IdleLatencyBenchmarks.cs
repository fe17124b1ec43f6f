using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using MLOps.Inference;

namespace MLOps.Benchmarks;

/// <summary>
/// One caller at a time (idle load) on the small MLP: what the dynamic batcher (max queue delay 0) adds to a
/// direct <see cref="OnnxModel.Run"/> of the same one-row request. The difference of the medians is the batcher's
/// latency cost: queueing, a worker hand-off, and the completion hop back to the caller.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[SimpleJob(RunStrategy.Throughput, launchCount: 1, warmupCount: 3, iterationCount: 15)]
public class IdleLatencyBenchmarks
{
    private OnnxModel _model = null!;
    private DynamicBatcher _batcher = null!;
    private InferenceRequest _request = null!;

    [GlobalSetup]
    public void Setup()
    {
        _model = OnnxModel.Load(Path.Combine(AppContext.BaseDirectory, "assets", "mlp.onnx"), new OnnxModelOptions { ExecutionProvider = ExecutionProvider.Cpu });
        _batcher = new DynamicBatcher(_model, new DynamicBatcherOptions { MaxBatchSize = 64, MaxQueueDelay = TimeSpan.Zero });
        var row = new float[32];
        for (var c = 0; c < row.Length; c++)
        {
            row[c] = c / 32f;
        }

        _request = new InferenceRequest("input", InferenceTensor.Create<float>(row, 1, 32));
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        await _batcher.DisposeAsync();
        _model.Dispose();
    }

    [Benchmark(Baseline = true, Description = "direct OnnxModel.Run, 1 row")]
    public InferenceResult Direct() => _model.Run(_request);

    [Benchmark(Description = "DynamicBatcher.InferAsync, 1 row, idle")]
    public async Task<InferenceResult> Batched() => await _batcher.InferAsync(_request);
}
