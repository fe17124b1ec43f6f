using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Microsoft.ML.OnnxRuntime;
using MLOps.Inference;

namespace MLOps.Benchmarks;

/// <summary>
/// 64 concurrent single-row callers on the small MLP (32→64→2): the dynamic batcher against the naive pattern
/// (each request calls the session's Run itself, as a FastAPI + ONNX Runtime service does) and against raw
/// ONNX Runtime runs of 64 rows, the batcher's largest batch. Every benchmark processes the same number of rows;
/// the reported time is per row (OperationsPerInvoke).
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Throughput, launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class BatchingBenchmarks
{
    private const int Callers = 64;
    private const int RequestsPerCaller = 64;
    private const int Rows = Callers * RequestsPerCaller;

    private OnnxModel _model = null!;
    private DynamicBatcher _batcher = null!;
    private InferenceRequest[] _single = null!;
    private InferenceRequest _batch64 = null!;
    private InferenceSession _session = null!;
    private OrtValue _raw64 = null!;
    private RunOptions _runOptions = null!;

    [GlobalSetup]
    public void Setup()
    {
        _model = OnnxModel.Load(Path.Combine(AppContext.BaseDirectory, "assets", "mlp.onnx"), new OnnxModelOptions { ExecutionProvider = ExecutionProvider.Cpu });
        _batcher = new DynamicBatcher(_model, new DynamicBatcherOptions { MaxBatchSize = 64 });
        var random = new Random(1);
        _single = new InferenceRequest[Callers];
        for (var i = 0; i < Callers; i++)
        {
            var row = new float[32];
            for (var c = 0; c < 32; c++)
            {
                row[c] = (float)random.NextDouble();
            }

            _single[i] = new InferenceRequest("input", InferenceTensor.Create<float>(row, 1, 32));
        }

        var rows = new float[64 * 32];
        for (var i = 0; i < rows.Length; i++)
        {
            rows[i] = (float)random.NextDouble();
        }

        _batch64 = new InferenceRequest("input", InferenceTensor.Create<float>(rows, 64, 32));
        _session = new InferenceSession(Path.Combine(AppContext.BaseDirectory, "assets", "mlp.onnx"));
        _raw64 = OrtValue.CreateTensorValueFromMemory(rows, [64, 32]);
        _runOptions = new RunOptions();
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        await _batcher.DisposeAsync();
        _model.Dispose();
        _raw64.Dispose();
        _runOptions.Dispose();
        _session.Dispose();
    }

    [Benchmark(Baseline = true, Description = "naive: each caller runs its own request", OperationsPerInvoke = Rows)]
    public void Naive() => Parallel.For(0, Callers, new ParallelOptions { MaxDegreeOfParallelism = Callers }, caller =>
    {
        for (var r = 0; r < RequestsPerCaller; r++)
        {
            _model.Run(_single[caller]);
        }
    });

    [Benchmark(Description = "dynamic batcher, 64 callers", OperationsPerInvoke = Rows)]
    public Task Batcher()
    {
        var callers = new Task[Callers];
        for (var i = 0; i < Callers; i++)
        {
            callers[i] = CallerAsync(_single[i]);
        }

        return Task.WhenAll(callers);
    }

    [Benchmark(Description = "raw InferenceSession.Run, 64-row OrtValue", OperationsPerInvoke = Rows)]
    public void RawOrt64()
    {
        string[] inputs = ["input"];
        string[] outputs = ["probabilities"];
        OrtValue[] values = [_raw64];
        for (var i = 0; i < Rows / 64; i++)
        {
            using var result = _session.Run(_runOptions, inputs, values, outputs);
        }
    }

    [Benchmark(Description = "OnnxModel.Run, 64-row requests", OperationsPerInvoke = Rows)]
    public void RawBatch64()
    {
        for (var i = 0; i < Rows / 64; i++)
        {
            _model.Run(_batch64);
        }
    }

    private async Task CallerAsync(InferenceRequest request)
    {
        for (var r = 0; r < RequestsPerCaller; r++)
        {
            await _batcher.InferAsync(request);
        }
    }
}
