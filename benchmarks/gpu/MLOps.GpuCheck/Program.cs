// CUDA end-to-end check for MLOps.Inference: a session on the CUDA execution provider, outputs equal to the CPU's,
// and dynamic-batcher throughput on the GPU and on the CPU against the naive pattern and raw 64-row runs. Prints Markdown tables.
// Exit codes: 0 checked, 2 CUDA unavailable on this host (the reason is printed), 1 outputs differ.
using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using MLOps.Inference;

const int Callers = 64;
const int RequestsPerCaller = 16;
var assets = Path.Combine(AppContext.BaseDirectory, "assets");
var models = new List<(string Name, string Path)> { ("mlp 32→64→2", Path.Combine(assets, "mlp.onnx")) };
var heavy = args.Length > 0 ? args[0] : Path.Combine(assets, "mlp_heavy.onnx");
if (File.Exists(heavy))
{
    models.Add(("mlp_heavy 512→2048→2048→2", heavy));
}

Console.WriteLine($"ONNX Runtime {OrtEnv.Instance().GetVersionString()}, providers built in: {string.Join(", ", OrtEnv.Instance().GetAvailableProviders())}, {Environment.ProcessorCount} logical CPUs");
var rows = new List<string>();
var worst = 0.0;
var cudaUnavailable = false;
var differences = new List<string>();

// Rows per model run, read from the batcher's own mlops.inference.batch.size histogram.
var batchRows = new System.Collections.Concurrent.ConcurrentBag<int>();
using var listener = new System.Diagnostics.Metrics.MeterListener();
listener.InstrumentPublished = (instrument, l) =>
{
    if (instrument.Name == "mlops.inference.batch.size")
    {
        l.EnableMeasurementEvents(instrument);
    }
};
listener.SetMeasurementEventCallback<int>((_, value, _, _) => batchRows.Add(value));
listener.Start();
foreach (var (name, path) in models)
{
    using var cpu = OnnxModel.Load(path, new OnnxModelOptions { ExecutionProvider = ExecutionProvider.Cpu });
    OnnxModel? cuda = null;
    try
    {
        cuda = OnnxModel.Load(path, new OnnxModelOptions { ExecutionProvider = ExecutionProvider.Cuda });
    }
    catch (ExecutionProviderUnavailableException ex)
    {
        // Still measure the CPU below: the batching ratios on this host's cores are worth having.
        Console.WriteLine($"CUDA unavailable: {ex.Message}");
        cudaUnavailable = true;
    }

    using (cuda)
    {
        var width = (int)cpu.Inputs[0].Dimensions[1];
        var batch = Request(width, 64, seed: 1);
        if (cuda is not null)
        {
            // ONNX Runtime's CUDA provider lets cuBLAS use TF32 tensor cores for float32 by default (use_tf32=1), which
            // rounds the matrix-product inputs to a 10-bit mantissa; with use_tf32=0 the GPU computes in full float32.
            var tf32 = MaxDifference(cpu.Run(batch), cuda.Run(batch));
            var options = new OnnxModelOptions { ExecutionProvider = ExecutionProvider.Cuda };
            options.CudaProviderOptions["use_tf32"] = "0";
            using var exact = OnnxModel.Load(path, options);
            var difference = MaxDifference(cpu.Run(batch), exact.Run(batch));
            worst = Math.Max(worst, difference);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name}: CUDA vs CPU max abs difference over 64 rows: {difference:E2} with use_tf32=0, {tf32:E2} with the default TF32"));
            differences.Add(string.Create(CultureInfo.InvariantCulture, $"| {name} | {difference:E2} | {tf32:E2} |"));
        }

        // The same three patterns as benchmarks/MLOps.Benchmarks' *Batching* benchmarks: 64 callers each sending
        // single-row requests (naive: each runs its own; batcher: through one DynamicBatcher), against 64-row runs.
        var single = Enumerable.Range(0, Callers).Select(i => Request(width, 1, seed: 100 + i)).ToArray();
        foreach (var model in cuda is null ? [cpu] : new[] { cuda, cpu })
        {
            var naive = Measure(() => Parallel.For(0, Callers, new ParallelOptions { MaxDegreeOfParallelism = Callers }, i =>
            {
                for (var r = 0; r < RequestsPerCaller; r++)
                {
                    model.Run(single[i]);
                }
            }), Callers * RequestsPerCaller);
            var raw = Measure(() =>
            {
                for (var r = 0; r < RequestsPerCaller; r++)
                {
                    model.Run(batch);
                }
            }, 64 * RequestsPerCaller);
            foreach (var (label, options) in Variants())
            {
                await using var batcher = new DynamicBatcher(model, options);
                batchRows.Clear();
                var batched = await MeasureAsync(() => Task.WhenAll(single.Select(async request =>
                {
                    for (var r = 0; r < RequestsPerCaller; r++)
                    {
                        await batcher.InferAsync(request);
                    }
                })), Callers * RequestsPerCaller);
                var meanBatch = batchRows.Count == 0 ? 0 : batchRows.Average();
                var line = string.Create(CultureInfo.InvariantCulture,
                    $"| {name} | {model.ActiveProvider} | {label} | {naive:N0} | {batched:N0} | {meanBatch:F1} | {raw:N0} | {batched / naive:F1}× | {batched / raw:P0} |");
                Console.WriteLine(line);
                rows.Add(line);
            }
        }
    }
}

Console.WriteLine();
Console.WriteLine("| model | provider | batcher options | naive rows/s | batcher rows/s | mean rows per run | raw 64-row rows/s | batcher/naive | batcher/raw |");
Console.WriteLine("|---|---|---|---|---|---|---|---|---|");
rows.ForEach(Console.WriteLine);
Console.WriteLine();
Console.WriteLine("| model | max abs diff vs CPU, use_tf32=0 | max abs diff vs CPU, default TF32 |");
Console.WriteLine("|---|---|---|");
differences.ForEach(Console.WriteLine);
Console.WriteLine();
if (cudaUnavailable)
{
    Console.WriteLine("CUDA unavailable: only the CPU rows above were measured.");
    return 2;
}

Console.WriteLine(worst <= 1e-5 ? $"PASS: CUDA outputs (use_tf32=0) equal the CPU's within 1e-5 (worst {worst:E2})." : $"FAIL: CUDA outputs (use_tf32=0) differ from the CPU's by {worst:E2}.");
return worst <= 1e-5 ? 0 : 1;

static (string Label, DynamicBatcherOptions Options)[] Variants() =>
[
    ("delay 0", new DynamicBatcherOptions { MaxBatchSize = 64 }),
    ("delay 500 µs", new DynamicBatcherOptions { MaxBatchSize = 64, MaxQueueDelay = TimeSpan.FromMicroseconds(500) }),
    ("delay 500 µs, 2 instances", new DynamicBatcherOptions { MaxBatchSize = 64, MaxQueueDelay = TimeSpan.FromMicroseconds(500), InstanceCount = 2 }),
];

static InferenceRequest Request(int width, int count, int seed)
{
    var random = new Random(seed);
    var data = new float[width * count];
    for (var i = 0; i < data.Length; i++)
    {
        data[i] = (float)(random.NextDouble() * 2 - 1);
    }

    return new InferenceRequest("input", InferenceTensor.Create<float>(data, count, width));
}

static double MaxDifference(InferenceResult a, InferenceResult b)
{
    var x = a.Get<float>("probabilities");
    var y = b.Get<float>("probabilities");
    var max = 0.0;
    for (var i = 0; i < x.Length; i++)
    {
        max = Math.Max(max, Math.Abs((double)x[i] - y[i]));
    }

    return max;
}

static double Measure(Action run, int rowsPerRun)
{
    run(); // warm up: cuDNN picks algorithms per shape on first use
    var clock = Stopwatch.StartNew();
    var runs = 0;
    do
    {
        run();
        runs++;
    }
    while (clock.Elapsed < TimeSpan.FromSeconds(2));
    return runs * rowsPerRun / clock.Elapsed.TotalSeconds;
}

static async Task<double> MeasureAsync(Func<Task> run, int rowsPerRun)
{
    await run();
    var clock = Stopwatch.StartNew();
    var runs = 0;
    do
    {
        await run();
        runs++;
    }
    while (clock.Elapsed < TimeSpan.FromSeconds(2));
    return runs * rowsPerRun / clock.Elapsed.TotalSeconds;
}
