// The main job, on embedded defaults. It grows as the packages land; today it exercises MLOps.Core:
// synthetic training data → dataset fingerprint → artifact store (content-addressed, verified read-back)
// → a run summary on disk. Everything is written under ./.mlops.
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using MLOps.Artifacts;

var clock = Stopwatch.StartNew();
var root = Path.GetFullPath(".mlops");
var services = new ServiceCollection();
services.AddMLOps(o => o.RootDirectory = root).AddLocalArtifactStore();
await using var provider = services.BuildServiceProvider();
var store = provider.GetRequiredService<IArtifactStore>();

Console.WriteLine($"MLOps.Sdk main job — embedded defaults under {root}");

// 1. Synthetic fraud-like transactions (deterministic).
var dataDirectory = Path.Combine(root, "data");
Directory.CreateDirectory(dataDirectory);
var dataFile = Path.Combine(dataDirectory, "transactions.csv");
var rows = SyntheticData.WriteTransactions(dataFile, rows: 50_000, seed: 42);
Console.WriteLine($"[data]      {rows:N0} transactions → {Path.GetRelativePath(root, dataFile)}");

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

// 4. Run summary.
var summary = new StringBuilder()
    .AppendLine("# MLOps.Sdk run summary")
    .AppendLine(CultureInfo.InvariantCulture, $"rows: {rows}")
    .AppendLine(CultureInfo.InvariantCulture, $"elapsed_ms: {clock.ElapsedMilliseconds}");
await foreach (var artifact in store.ListAsync())
{
    summary.AppendLine(CultureInfo.InvariantCulture, $"artifact: {artifact.Path} sha256={artifact.Sha256} bytes={artifact.Length}");
}

var summaryFile = Path.Combine(root, "run-summary.txt");
await File.WriteAllTextAsync(summaryFile, summary.ToString());
Console.WriteLine($"[summary]   {Path.GetRelativePath(root, summaryFile)} written in {clock.Elapsed.TotalSeconds:F1} s");
