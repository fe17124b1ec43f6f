// The main job, on embedded defaults. It grows as the packages land; today it exercises MLOps.Core and
// MLOps.Inference: run context and seed → synthetic training data → dataset fingerprint → artifact store
// (content-addressed, verified read-back) → serve an ONNX model through the dynamic batcher under concurrent
// load → a run summary on disk. Everything is written under ./.mlops.
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using MLOps.Artifacts;
using MLOps.Datasets;
using MLOps.Inference;
using MLOps.Runs;

var clock = Stopwatch.StartNew();
var root = Path.GetFullPath(".mlops");
var services = new ServiceCollection();
services.AddMLOps(o => o.RootDirectory = root).AddLocalArtifactStore();
await using var provider = services.BuildServiceProvider();
var store = provider.GetRequiredService<IArtifactStore>();

Console.WriteLine($"MLOps.Sdk main job — embedded defaults under {root}");

// 0. Where and how this run happens: git commit, host, runtime, and the seed everything random derives from.
using var seed = Seeds.Set(42);
var context = RunContext.Capture();
Console.WriteLine($"[run]       commit {context.Git?.Commit?[..12] ?? "(not a git checkout)"}{(context.Git?.IsDirty == true ? " (dirty)" : "")}, " +
                  $"host {context.HostName}, {context.FrameworkDescription}, seed {seed.Seed} ({seed.Source})");

// 1. Synthetic fraud-like transactions (deterministic).
var dataDirectory = Path.Combine(root, "data");
Directory.CreateDirectory(dataDirectory);
var dataFile = Path.Combine(dataDirectory, "transactions.csv");
var rows = SyntheticData.WriteTransactions(dataFile, rows: 50_000, seed: seed.Seed);
var dataset = await DatasetFingerprint.ComputeAsync(dataFile, new DatasetFingerprintOptions { Name = "transactions", RowCount = rows });
Console.WriteLine($"[data]      {rows:N0} transactions → {Path.GetRelativePath(root, dataFile)}, sha256 {dataset.Sha256[..16]}…");

// 2. Store the dataset as an artifact and read it back with hash verification.
await using (var data = File.OpenRead(dataFile))
{
    var stored = await store.PutAsync("datasets/transactions.csv", data);
    Console.WriteLine($"[artifacts] datasets/transactions.csv sha256={stored.Sha256[..16]}… {stored.Length:N0} bytes");
}

await using (var check = await store.OpenReadAsync("datasets/transactions.csv", verify: true))
{
    await check.CopyToAsync(Stream.Null);
    Console.WriteLine("[artifacts] read back and verified against its SHA-256");
}

// 3. Storing identical bytes under another name costs nothing: one blob.
await using (var again = File.OpenRead(dataFile))
{
    await store.PutAsync("runs/latest/training-data.csv", again);
}

var blobs = Directory.GetFiles(Path.Combine(root, "artifacts", "blobs"), "*", SearchOption.AllDirectories).Length;
Console.WriteLine($"[artifacts] two paths, {blobs} blob(s) on disk");

// 4. Serve a model through the dynamic batcher: 64 concurrent callers, one row each.
var modelPath = Path.Combine(AppContext.BaseDirectory, "mlnet_fraud.onnx");
services.AddMLOps().AddOnnxInference("fraud", o =>
{
    o.ModelPath = modelPath;
    o.Batching.MaxBatchSize = 32;
    o.Batching.MaxQueueDelay = TimeSpan.FromMilliseconds(1);
});
await using var serving = services.BuildServiceProvider();
var batcher = serving.GetRequiredKeyedService<DynamicBatcher>("fraud");
var serveClock = Stopwatch.StartNew();
var flagged = 0;
await Parallel.ForAsync(0, 2_000, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (i, ct) =>
{
    var random = new Random(seed.Seed + i);
    var request = new InferenceRequest(new Dictionary<string, InferenceTensor>
    {
        ["amount"] = InferenceTensor.Create<float>(new[] { (float)Math.Exp(3 + random.NextDouble() * 3) }, 1, 1),
        ["hour"] = InferenceTensor.Create<float>(new[] { (float)random.Next(0, 24) }, 1, 1),
        ["distance"] = InferenceTensor.Create<float>(new[] { (float)(random.NextDouble() * 200) }, 1, 1),
        ["velocity"] = InferenceTensor.Create<float>(new[] { (float)random.Next(0, 10) }, 1, 1),
    });
    var result = await batcher.InferAsync(request, cancellationToken: ct);
    if (result.Get<bool>("PredictedLabel.output")[0])
    {
        Interlocked.Increment(ref flagged);
    }
});
var stats = batcher.Statistics;
Console.WriteLine($"[serve]     {stats.Requests:N0} requests from 64 callers in {serveClock.Elapsed.TotalMilliseconds:F0} ms on {batcher.Model.ActiveProvider}: " +
                  $"{stats.Executions:N0} runs, average batch {(double)stats.Rows / stats.Executions:F1} rows, {flagged} flagged as fraud");

// 5. Run summary.
var summary = new StringBuilder()
    .AppendLine("# MLOps.Sdk run summary")
    .AppendLine(CultureInfo.InvariantCulture, $"commit: {context.Git?.Commit ?? "unknown"}")
    .AppendLine(CultureInfo.InvariantCulture, $"seed: {seed.Seed}")
    .AppendLine(CultureInfo.InvariantCulture, $"dataset: {dataset.Name} sha256={dataset.Sha256} bytes={dataset.SizeBytes} rows={dataset.RowCount}")
    .AppendLine(CultureInfo.InvariantCulture, $"serving: requests={stats.Requests} runs={stats.Executions} rows={stats.Rows}")
    .AppendLine(CultureInfo.InvariantCulture, $"rows: {rows}")
    .AppendLine(CultureInfo.InvariantCulture, $"elapsed_ms: {clock.ElapsedMilliseconds}");
await foreach (var artifact in store.ListAsync())
{
    summary.AppendLine(CultureInfo.InvariantCulture, $"artifact: {artifact.Path} sha256={artifact.Sha256} bytes={artifact.Length}");
}

var summaryFile = Path.Combine(root, "run-summary.txt");
await File.WriteAllTextAsync(summaryFile, summary.ToString());
Console.WriteLine($"[summary]   {Path.GetRelativePath(root, summaryFile)} written in {clock.Elapsed.TotalSeconds:F1} s");
