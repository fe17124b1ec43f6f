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
public class BatchingBenchmarks : BatchingBenchmarksBase
{
    /// <inheritdoc />
    protected override string ModelPath => Path.Combine(AppContext.BaseDirectory, "assets", "mlp.onnx");
}

/// <summary>
/// The same comparison on a compute-heavy MLP (512→2048→2048→2, 21 MB of weights: more than the caches hold), where
/// batching turns 64 matrix-vector products into one matrix-matrix product. The model is generated on first use by
/// <c>/usr/bin/python3 tests/assets/generators/make_models.py --heavy</c> (Debian's python3-onnx and python3-numpy).
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 2, iterationCount: 8)]
public class HeavyBatchingBenchmarks : BatchingBenchmarksBase
{
    /// <inheritdoc />
    protected override string ModelPath => HeavyModel.Path;
}

/// <summary>
/// The same comparison on an Identity model over one float: what is left is the cost of everything around the
/// model — for the batcher, its own CPU cost per request.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Throughput, launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class NoOpBatchingBenchmarks : BatchingBenchmarksBase
{
    /// <inheritdoc />
    protected override string ModelPath => Path.Combine(AppContext.BaseDirectory, "assets", "noop.onnx");
}

/// <summary>The benchmarks shared by the model sizes; each derived class names its model.</summary>
public abstract class BatchingBenchmarksBase
{
    private const int Callers = 64;
    private const int RequestsPerCaller = 64;
    private const int Rows = Callers * RequestsPerCaller; // the OperationsPerInvoke of every benchmark below

    /// <summary>Gets the model file.</summary>
    protected abstract string ModelPath { get; }

    private OnnxModel _model = null!;
    private DynamicBatcher _batcher = null!;
    private DynamicBatcher _delayedBatcher = null!;
    private InferenceRequest[] _single = null!;
    private InferenceRequest _batch64 = null!;
    private InferenceSession _session = null!;
    private OrtValue _raw64 = null!;
    private RunOptions _runOptions = null!;

    [GlobalSetup]
    public void Setup()
    {
        _model = OnnxModel.Load(ModelPath, new OnnxModelOptions { ExecutionProvider = ExecutionProvider.Cpu });
        _batcher = new DynamicBatcher(_model, new DynamicBatcherOptions { MaxBatchSize = 64 });
        _delayedBatcher = new DynamicBatcher(_model, new DynamicBatcherOptions { MaxBatchSize = 64, MaxQueueDelay = TimeSpan.FromMilliseconds(2) });
        var width = (int)_model.Inputs[0].Dimensions[1];
        var random = new Random(1);
        _single = new InferenceRequest[Callers];
        for (var i = 0; i < Callers; i++)
        {
            var row = new float[width];
            for (var c = 0; c < width; c++)
            {
                row[c] = (float)random.NextDouble();
            }

            _single[i] = new InferenceRequest("input", InferenceTensor.Create<float>(row, 1, width));
        }

        var rows = new float[64 * width];
        for (var i = 0; i < rows.Length; i++)
        {
            rows[i] = (float)random.NextDouble();
        }

        _batch64 = new InferenceRequest("input", InferenceTensor.Create<float>(rows, 64, width));
        _session = new InferenceSession(ModelPath);
        _raw64 = OrtValue.CreateTensorValueFromMemory(rows, [64, width]);
        _runOptions = new RunOptions();
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        await _batcher.DisposeAsync();
        await _delayedBatcher.DisposeAsync();
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
    public Task Batcher() => RunCallers(_batcher);

    [Benchmark(Description = "dynamic batcher, 64 callers, 2 ms max queue delay", OperationsPerInvoke = Rows)]
    public Task DelayedBatcher() => RunCallers(_delayedBatcher);

    private Task RunCallers(DynamicBatcher batcher)
    {
        var callers = new Task[Callers];
        for (var i = 0; i < Callers; i++)
        {
            callers[i] = CallerAsync(batcher, _single[i]);
        }

        return Task.WhenAll(callers);
    }

    [Benchmark(Description = "raw InferenceSession.Run, 64-row OrtValue", OperationsPerInvoke = Rows)]
    public void RawOrt64()
    {
        string[] inputs = ["input"];
        string[] outputs = [_model.Outputs[0].Name];
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

    private static async Task CallerAsync(DynamicBatcher batcher, InferenceRequest request)
    {
        for (var r = 0; r < RequestsPerCaller; r++)
        {
            await batcher.InferAsync(request);
        }
    }
}
