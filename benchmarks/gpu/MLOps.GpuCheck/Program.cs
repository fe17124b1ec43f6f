// CUDA end-to-end check for MLOps.Inference: a session on the CUDA execution provider, outputs equal to the CPU's,
// and dynamic-batcher throughput on the GPU against the naive pattern and raw 64-row runs. Prints a Markdown table.
// Exit codes: 0 checked, 2 CUDA unavailable on this host (the reason is printed), 1 outputs differ.
using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using MLOps.Inference;

var assets = Path.Combine(AppContext.BaseDirectory, "assets");
var models = new List<(string Name, string Path)> { ("mlp 32→64→2", Path.Combine(assets, "mlp.onnx")) };
var heavy = args.Length > 0 ? args[0] : Path.Combine(assets, "mlp_heavy.onnx");
if (File.Exists(heavy))
{
    models.Add(("mlp_heavy 512→2048→2048→2", heavy));
}

Console.WriteLine($"ONNX Runtime {OrtEnv.Instance().GetVersionString()}, providers built in: {string.Join(", ", OrtEnv.Instance().GetAvailableProviders())}");
var rows = new List<string>();
var worst = 0.0;
foreach (var (name, path) in models)
{
    using var cpu = OnnxModel.Load(path, new OnnxModelOptions { ExecutionProvider = ExecutionProvider.Cpu });
    OnnxModel cuda;
    try
    {
        cuda = OnnxModel.Load(path, new OnnxModelOptions { ExecutionProvider = ExecutionProvider.Cuda });
    }
    catch (ExecutionProviderUnavailableException ex)
    {
        Console.WriteLine($"CUDA unavailable: {ex.Message}");
        return 2;
    }

    using (cuda)
    {
        var width = (int)cpu.Inputs[0].Dimensions[1];
        var batch = Request(width, 64, seed: 1);
        var difference = MaxDifference(cpu.Run(batch), cuda.Run(batch));
        worst = Math.Max(worst, difference);

        var single = Enumerable.Range(0, 64).Select(i => Request(width, 1, seed: 100 + i)).ToArray();
        var naive = Measure(() => Parallel.For(0, 64, i =>
        {
            for (var r = 0; r < 16; r++)
            {
                cuda.Run(single[i]);
            }
        }), 64 * 16);
        var raw = Measure(() =>
        {
            for (var r = 0; r < 16; r++)
            {
                cuda.Run(batch);
            }
        }, 64 * 16);
        await using var batcher = new DynamicBatcher(cuda, new DynamicBatcherOptions { MaxBatchSize = 64, MaxQueueDelay = TimeSpan.FromMilliseconds(1) });
        var batched = await MeasureAsync(() => Task.WhenAll(single.Select(async request =>
        {
            for (var r = 0; r < 16; r++)
            {
                await batcher.InferAsync(request);
            }
        })), 64 * 16);
        rows.Add(string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {cuda.ActiveProvider} | {difference:E2} | {naive:N0} | {batched:N0} | {raw:N0} | {batched / naive:F1}× | {batched / raw:P0} |"));
    }
}

Console.WriteLine();
Console.WriteLine("| model | provider | max abs diff vs CPU | naive rows/s | batcher rows/s | raw 64-row rows/s | batcher/naive | batcher/raw |");
Console.WriteLine("|---|---|---|---|---|---|---|---|");
rows.ForEach(Console.WriteLine);
Console.WriteLine();
Console.WriteLine(worst <= 1e-4 ? $"PASS: CUDA outputs equal the CPU's within 1e-4 (worst {worst:E2})." : $"FAIL: CUDA outputs differ from the CPU's by {worst:E2}.");
return worst <= 1e-4 ? 0 : 1;

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
