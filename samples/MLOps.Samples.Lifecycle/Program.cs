// The main job: the whole lifecycle on embedded defaults, under ./.mlops (recreated on every run).
//
// card activity features in Parquet → point-in-time-correct training set → dataset fingerprint → train two ML.NET
// models, tracking params, per-epoch metrics, the dataset and the git commit → export ONNX → register both versions
// with lineage → promotion gate against the current champion → materialize the features to the online store →
// serve the champion through the dynamic batcher under 64 concurrent callers that read online features per request,
// following the registry alias → the inputs shift → the drift monitor raises WARNING then CRITICAL and the host falls
// back to the previous version → HTML drift report and run summary on disk.
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Apache.Arrow;
using Apache.Arrow.Types;
using Microsoft.ML;
using MLOps.Datasets;
using MLOps.Drift;
using MLOps.Features;
using MLOps.Features.Offline;
using MLOps.Features.Online;
using MLOps.Inference;
using MLOps.Inference.Hosting;
using MLOps.Registry;
using MLOps.Runs;
using MLOps.Tracking;

var clock = Stopwatch.StartNew();
var root = Path.GetFullPath(".mlops");
if (Directory.Exists(root))
{
    Directory.Delete(root, recursive: true);
}

Directory.CreateDirectory(root);
var database = Path.Combine(root, "mlops.db");
var featureFolder = Path.Combine(root, "features", "card_activity");
var catalogue = new FeatureCatalogue().Add(CardActivity.View(featureFolder));
var services = new ServiceCollection();
services.AddMLOps(o => o.RootDirectory = root)
    .AddLocalArtifactStore()
    .AddTracking(o => o.UseSqlite(database))
    .AddRegistry(o => o.UseSqlite(database))
    .AddFeatureStore(o => o.UseCatalogue(catalogue).UseSqlite(Path.Combine(root, "features", "online.db")))
    .AddModelHost("fraud", o =>
    {
        o.Model.ExecutionProvider = ExecutionProvider.Auto;   // CUDA when present, else the CPU
        o.Batching.MaxBatchSize = 64;
        o.Batching.MaxQueueDelay = TimeSpan.FromMilliseconds(1);
        o.RequestTimeout = TimeSpan.FromSeconds(2);
        o.RuleBasedFallback = Rules.Score;                   // last resort before "no answer"
    });
await using var provider = services.BuildServiceProvider();
var log = new StringBuilder("# MLOps.Sdk main job\n\n");
void Say(string line)
{
    Progress.Clear();
    Console.WriteLine(line);
    log.AppendLine(line.TrimStart('[').Replace("] ", ": ", StringComparison.Ordinal));
}

Say($"[setup]     embedded defaults under {root}");

// 1. Where and how: git commit, host, runtime, and the seed everything random derives from.
using var seed = Seeds.Set(42);
var context = RunContext.Capture();
Say($"[run]       commit {context.Git?.Commit?[..12] ?? "(not a git checkout)"}{(context.Git?.IsDirty == true ? " (dirty)" : "")}, {context.FrameworkDescription}, seed {seed.Seed}");

// 2. Features: two weeks of hourly card-activity snapshots in Parquet. The training set takes each transaction's
//    velocity from the snapshot that was current at the transaction's time (point-in-time join), never a later one.
var thisHour = TimeProvider.System.GetUtcNow();
thisHour = thisHour.AddTicks(-(thisHour.Ticks % TimeSpan.TicksPerHour));
var cards = new CardActivity(2_000, seed.Seed, end: thisHour.AddHours(1)); // the last snapshot is this hour's
await cards.WriteParquetAsync(Path.Combine(featureFolder, "part-0.parquet"));
var featureStore = provider.GetRequiredService<FeatureStore>();
var train = Transactions.Generate(cards, 60_000, seed.Seed);
var validation = Transactions.Generate(cards, 20_000, seed.Seed + 1);
var joinWatch = Stopwatch.StartNew();
var (trainJoin, trainMismatches) = await JoinVelocityAsync(featureStore, train);
var (_, validationMismatches) = await JoinVelocityAsync(featureStore, validation);
Say(string.Create(CultureInfo.InvariantCulture,
    $"[features]  card_activity: {cards.Rows:N0} snapshots of {cards.Cards:N0} cards; point-in-time join of {train.Count + validation.Count:N0} transactions in {joinWatch.Elapsed.TotalMilliseconds:F0} ms ({trainJoin.RowGroupsRead} of {trainJoin.RowGroupsRead + trainJoin.RowGroupsSkipped} row groups read), {trainMismatches + validationMismatches} rows differ from the generator's truth"));

// 3. Data: 60,000 training and 20,000 validation transactions, fingerprinted.
var dataFile = Path.Combine(root, "data", "train.csv");
Directory.CreateDirectory(Path.GetDirectoryName(dataFile)!);
await using (var writer = new StreamWriter(dataFile))
{
    await writer.WriteLineAsync("amount,hour,distance,velocity,is_fraud");
    for (var i = 0; i < train.Count; i++)
    {
        await writer.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{train.Amount[i]},{train.Hour[i]},{train.Distance[i]},{train.Velocity[i]},{(train.IsFraud[i] ? 1 : 0)}"));
    }
}

var dataset = await DatasetFingerprint.ComputeAsync(dataFile, new DatasetFingerprintOptions { Name = "transactions", RowCount = train.Count });
Say($"[data]      {train.Count:N0} training rows, sha256 {dataset.Sha256[..16]}…");

// 4. Train two candidates, tracked: a baseline on two features, then the full model. Metrics per epoch.
var tracker = provider.GetRequiredService<Tracker>();
var registry = provider.GetRequiredService<IModelRegistry>();
var gate = provider.GetRequiredService<PromotionGate>();
var ml = new MLContext(seed: seed.Seed);
var trainView = Training.Load(ml, train);
var validationView = Training.Load(ml, validation);
var candidates = new[] { ("baseline", new[] { "amount", "velocity" }), ("full", Transactions.FeatureNames) };
var versions = new List<(string Name, ModelVersion Version, double F1, PromotionDecision Decision)>();
foreach (var (name, features) in candidates)
{
    await using var run = await tracker.StartRunAsync("fraud-detection", name);
    run.LogParam("features", string.Join(',', features));
    run.LogParam("trainer", "LbfgsLogisticRegression");
    run.LogParam("l2", 0.01);
    await run.LogInputAsync(dataset, "training");
    ITransformer model = null!;
    double f1 = 0, auc = 0;
    for (var epoch = 1; epoch <= 5; epoch++)
    {
        Progress.Step($"[train]     {name}: epoch {epoch} of 5");
        model = Training.Train(ml, trainView, features, iterations: epoch * 4, l2: 0.01f);
        var metrics = Training.Evaluate(ml, model, validationView);
        (f1, auc) = (metrics.F1Score, metrics.AreaUnderRocCurve);
        run.LogMetric("val_f1", f1, step: epoch);
        run.LogMetric("val_auc", auc, step: epoch);
    }

    var onnx = Path.Combine(root, "models", $"fraud-{name}.onnx");
    Directory.CreateDirectory(Path.GetDirectoryName(onnx)!);
    Training.ExportOnnx(ml, model, onnx);
    await run.LogArtifactAsync(onnx, "model/model.onnx");
    await run.CompleteAsync();

    var version = await registry.CreateModelVersionAsync(new ModelVersionRequest
    {
        ModelName = "fraud",
        ArtifactFile = onnx,
        RunId = run.RunId,
        CreateModelIfMissing = true,
        Description = $"{name}: logistic regression on {string.Join(", ", features)}",
        Lineage = new ModelLineage
        {
            RunId = run.RunId,
            DatasetName = dataset.Name,
            DatasetFingerprint = dataset.Sha256,
            GitCommit = context.Git?.Commit,
            Parameters = new Dictionary<string, string> { ["features"] = string.Join(',', features), ["l2"] = "0.01" },
            Metrics = new Dictionary<string, double> { ["val_f1"] = f1, ["val_auc"] = auc },
        },
    });
    // Deploy only if the candidate beats the champion's F1 by more than 2%.
    var decision = await gate.EvaluateAsync("fraud", version.Version, new PromotionPolicy
    {
        Metric = "val_f1",
        Target = AssignmentTarget.Alias("champion"),
        OnPass = PromotionOnPass.PromoteToTarget,
    });
    versions.Add((name, version, f1, decision));
    Say(string.Create(CultureInfo.InvariantCulture,
        $"[train]     {name}: val F1 {f1:F4}, AUC {auc:F4} → run {run.RunId[..8]}, registered as version {version.Version}; gate: {(decision.Passed ? "promoted" : "kept out")} ({decision.Reason})"));
}

var best = await tracker.FindBestRunAsync("fraud-detection", "val_f1");
Say($"[tracking]  best run by val_f1: {best?.Info.RunName} ({best?.Info.RunId[..8]})");

// 5. Online features: the latest snapshot of every card, materialized from Parquet into the embedded online store.
var materialized = await featureStore.Materializer.MaterializeAsync(cards.SnapshotTime(CardActivity.Hours - 2), cards.SnapshotTime(CardActivity.Hours - 1).AddMinutes(59));
Say($"[features]  materialized {materialized.Sum(m => m.Written):N0} card rows into the online store (SQLite) from {materialized.Sum(m => m.Rows):N0} offline rows");

// 6. Serve: the host follows models:/fraud@champion, so the promotion above is what it loads.
var host = provider.GetRequiredKeyedService<ModelHost>("fraud");
using var stopFollowing = new CancellationTokenSource();
var baseline = versions[0].Version.Version.ToString(CultureInfo.InvariantCulture);
await host.DeployAsync(ModelHostRegistryExtensions.FromRegistry(registry, "fraud", versions[0].Version.Version)); // the fallback target
var following = host.FollowAsync(registry, ModelUri.Parse("models:/fraud@champion"), stopFollowing.Token);
var champion = (await registry.GetVersionByAliasAsync("fraud", "champion")).Version.ToString(CultureInfo.InvariantCulture);
while (host.ActiveVersion != champion)
{
    await Task.Delay(10);
}

Say($"[serve]     serving champion version {host.ActiveVersion} (previous version {host.PreviousVersion} kept loaded as the fallback)");

// 7. Drift monitoring against a reference profile of the training data and the champion's predictions on it.
var referencePredictions = await PredictAsync(host, train, count: 20_000);
var reference = ReferenceProfile.Create(Transactions.FeatureNames.Select((f, c) => new KeyValuePair<string, ColumnSample>(f, ColumnSample.Numerical(Column(train, c, 20_000))))
    .Append(new("prediction", ColumnSample.Numerical(referencePredictions))));
var monitorOptions = new DriftMonitorOptions { Reference = reference, WindowRows = 2_000 };
monitorOptions.Drift.Method = DriftMethod.Psi;
monitorOptions.AlertRules.Add(DriftAlertRule.ColumnStatistic(DriftMethod.Psi, warning: 0.1, critical: 0.2));
using var monitor = new DriftMonitor("fraud", monitorOptions);
var alerts = new ConcurrentQueue<DriftAlert>();
monitor.AlertRaised += (_, e) =>
{
    alerts.Enqueue(e.Alert);
    if (e.Alert.Level == AlertLevel.Critical && host.DegradedReason is null)
    {
        host.Degrade(e.Alert.Message); // stop trusting the champion: the fallback chain answers
    }
};

// 8. Traffic in the current hour: each request carries the card, amount, hour and distance; the velocity comes from
//    the online store. Normal for a while, then the inputs shift.
var normal = Transactions.Generate(cards, 16_000, seed.Seed + 2, now: true);
var shifted = Transactions.Generate(cards, 16_000, seed.Seed + 3, now: true, shift: true);
var reader = provider.GetRequiredService<IOnlineFeatureReader>();
var before = await ServeAsync(host, reader, monitor, normal, "normal");
var after = await ServeAsync(host, reader, monitor, shifted, "shifted");
Say($"[features]  online reads: {before.OnlineMismatches + after.OnlineMismatches} of {normal.Count + shifted.Count:N0} velocities differ from the generator's latest snapshot");
Say($"[serve]     normal traffic: {before.Describe()}");
Say($"[serve]     shifted traffic: {after.Describe()}");
foreach (var alert in alerts.OrderBy(a => a.WindowSequence).ThenBy(a => a.Column, StringComparer.Ordinal).Take(6))
{
    Say($"[drift]     {alert.Message}");
}

Say($"[drift]     {alerts.Count} alerts; the first CRITICAL degraded the host: \"{host.DegradedReason}\"");

// 9. The drift report for humans: reference profile vs the shifted traffic.
var reportFile = Path.Combine(root, "reports", "drift.html");
Directory.CreateDirectory(Path.GetDirectoryName(reportFile)!);
var current = Transactions.FeatureNames.Select((f, c) => new KeyValuePair<string, ColumnSample>(f, ColumnSample.Numerical(Column(shifted, c, shifted.Count))));
var report = DriftReport.Create(reference, current, title: "fraud: training data vs shifted traffic");
await File.WriteAllTextAsync(reportFile, report.ToHtml());
Say($"[report]    {Path.GetRelativePath(root, reportFile)}: {report.DriftedColumns} of {report.Columns.Count} columns drifted");

await stopFollowing.CancelAsync();
try
{
    await following;
}
catch (OperationCanceledException)
{
}

var summary = Path.Combine(root, "run-summary.md");
Say($"[summary]   {Path.GetRelativePath(root, summary)} written in {clock.Elapsed.TotalSeconds:F1} s");
await File.WriteAllTextAsync(summary, log.ToString());
return host.DegradedReason is not null && after.Fallbacks > 0 && before.Fallbacks == 0
    && trainMismatches + validationMismatches == 0 && before.OnlineMismatches + after.OnlineMismatches == 0 ? 0 : 1;

// Fills t.Velocity from the offline store's point-in-time join; returns the join and how many rows differed from the
// generator's own truth (0 when the join is right).
static async Task<(HistoricalFeatures Join, int Mismatches)> JoinVelocityAsync(FeatureStore store, Transactions t)
{
    var schema = new Schema.Builder()
        .Field(f => f.Name("card_id").DataType(Int64Type.Default).Nullable(false))
        .Field(f => f.Name("event_timestamp").DataType(new TimestampType(TimeUnit.Microsecond, "UTC")).Nullable(false))
        .Build();
    var ids = new Int64Array.Builder().AppendRange(t.CardId).Build();
    var times = new TimestampArray.Builder(new TimestampType(TimeUnit.Microsecond, "UTC"));
    foreach (var time in t.Time)
    {
        times.Append(new DateTimeOffset(time, TimeSpan.Zero));
    }

    var join = await store.GetHistoricalFeaturesAsync(new RecordBatch(schema, [ids, times.Build()], t.Count), ["card_activity:velocity"]);
    var velocity = (FloatArray)join.Batch.Column("velocity");
    var mismatches = 0;
    for (var i = 0; i < t.Count; i++)
    {
        var joined = velocity.GetValue(i) ?? float.NaN;
        mismatches += joined.Equals(t.Velocity[i]) ? 0 : 1;
        t.Velocity[i] = joined;
    }

    return (join, mismatches);
}

static double[] Column(Transactions t, int column, int count) => System.Array.ConvertAll(t.Column(column)[..count], static v => (double)v);

static async Task<double[]> PredictAsync(ModelHost host, Transactions t, int count)
{
    var predictions = new double[count];
    await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (i, ct) =>
        predictions[i] = Probability((await host.InferAsync(Request(t, i), cancellationToken: ct)).Result!));
    return predictions;
}

static async Task<Traffic> ServeAsync(ModelHost host, IOnlineFeatureReader features, DriftMonitor monitor, Transactions t, string name)
{
    var served = new ConcurrentDictionary<ServedBy, int>();
    var mismatches = 0;
    var done = 0;
    using var progress = Progress.Show($"[serve]     {name} traffic", t.Count, () => Volatile.Read(ref done));
    var latencies = new double[t.Count];
    var watch = Stopwatch.StartNew();
    await Parallel.ForAsync(0, t.Count, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (i, ct) =>
    {
        var started = Stopwatch.GetTimestamp();
        var online = await features.GetOnlineFeaturesAsync(new OnlineFeaturesRequest
        {
            Features = ["card_activity:velocity"],
            Entities = new Dictionary<string, IReadOnlyList<object?>> { ["card_id"] = [t.CardId[i]] },
        }, ct);
        var column = online.Column("velocity");
        var velocity = column.Statuses[0] == FeatureStatus.Present ? (float)column.Values[0]! : 0f;
        if (!velocity.Equals(t.Velocity[i]))
        {
            Interlocked.Increment(ref mismatches);
        }

        var answer = await host.InferAsync(Request(t, i, velocity), routingKey: $"{name}-{i}", cancellationToken: ct);
        latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        served.AddOrUpdate(answer.ServedBy, 1, static (_, n) => n + 1);
        Interlocked.Increment(ref done);
        if (answer.Result is { } result)
        {
            monitor.Observe([t.Amount[i], t.Hour[i], t.Distance[i], velocity, Probability(result)], $"{name}-{i}");
        }
    });
    System.Array.Sort(latencies);
    return new Traffic(t.Count, watch.Elapsed, served, latencies[latencies.Length / 2], latencies[(int)(latencies.Length * 0.99)], mismatches);
}

// The velocity, when given, is the one the online store returned for this request (the others come with the request).
static InferenceRequest Request(Transactions t, int i, float? velocity = null) => new(Transactions.FeatureNames.Select((f, c) =>
    new KeyValuePair<string, InferenceTensor>(f, InferenceTensor.Create<float>(new[] { f == "velocity" && velocity is { } v ? v : t.Column(c)[i] }, 1, 1))));

static double Probability(InferenceResult result) => result.Get<float>("Probability.output")[0];

internal sealed record Traffic(int Requests, TimeSpan Elapsed, ConcurrentDictionary<ServedBy, int> Served, double P50Milliseconds, double P99Milliseconds, int OnlineMismatches)
{
    public int Fallbacks => Served.Where(kv => kv.Key is not (ServedBy.Active or ServedBy.Canary)).Sum(kv => kv.Value);

    public string Describe()
    {
        var by = string.Join(", ", Served.OrderBy(kv => kv.Key).Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Key} {kv.Value:N0}")));
        return string.Create(CultureInfo.InvariantCulture,
            $"{Requests:N0} requests from 64 callers in {Elapsed.TotalMilliseconds:F0} ms ({Requests / Elapsed.TotalSeconds:N0}/s, p50 {P50Milliseconds:F2} ms, p99 {P99Milliseconds:F2} ms); served by {by}");
    }
}

/// <summary>The rule-based fallback: what the fraud team used before the model.</summary>
internal static class Rules
{
    public static InferenceResult? Score(InferenceRequest request)
    {
        var amount = request.Find("amount")!.AsSpan<float>()[0];
        var hour = request.Find("hour")!.AsSpan<float>()[0];
        var fraud = amount > 800 && hour < 6;
        return new InferenceResult(
            [
                new KeyValuePair<string, InferenceTensor>("PredictedLabel.output", InferenceTensor.Create<bool>(new[] { fraud }, 1, 1)),
                new KeyValuePair<string, InferenceTensor>("Probability.output", InferenceTensor.Create<float>(new[] { fraud ? 0.9f : 0.1f }, 1, 1)),
            ],
            "fraud-rules",
            "rules-1");
    }
}

/// <summary>Progress on the long steps, on an interactive terminal only: one line redrawn in place, erased when done.</summary>
internal sealed class Progress : IDisposable
{
    private static readonly bool Interactive = !Console.IsOutputRedirected;
    private static readonly Lock Gate = new();
    private readonly Timer? _timer;
    private bool _disposed;

    private Progress(string label, int total, Func<int> done) =>
        _timer = new Timer(_ => Draw(this, $"{label}: {done():N0} of {total:N0}"), null, TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(200));

    private Progress()
    {
    }

    public static Progress Show(string label, int total, Func<int> done) => Interactive ? new Progress(label, total, done) : new Progress();

    public static void Step(string text) => Draw(null, text);

    /// <summary>Erases the progress line, before a summary line is printed.</summary>
    public static void Clear()
    {
        if (Interactive)
        {
            lock (Gate)
            {
                Console.Write("\r\u001b[K");
            }
        }
    }

    public void Dispose()
    {
        if (_timer is not null)
        {
            lock (Gate)
            {
                _disposed = true;
            }

            _timer.Dispose();
            Clear();
        }
    }

    private static void Draw(Progress? owner, string text)
    {
        if (Interactive)
        {
            lock (Gate)
            {
                if (owner?._disposed != true)
                {
                    Console.Write($"\r{text}…\u001b[K");
                }
            }
        }
    }
}
