using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using MLOps.Datasets;
using MLOps.Drift;
using MLOps.Features;
using MLOps.Features.Online;
using MLOps.Inference;
using MLOps.Registry;
using MLOps.Tracking;

namespace MLOps.Docs.Snippets;

/// <summary>The five-minute tour of docs/getting-started.md, in order.</summary>
public static class GettingStarted
{
    /// <summary>Runs the tour from the current directory (data/, models/fraud.onnx and features/ must exist).</summary>
    /// <returns>A task that completes when the tour is done.</returns>
    public static async Task TourAsync()
    {
        #region define-features
        var customer = new Entity("customer", "customer_id", FeatureValueType.Int64);
        var stats = new FeatureView("customer_stats", [customer],
            [new FeatureField("avg_amount_7d", FeatureValueType.Float64), new FeatureField("tx_count_24h", FeatureValueType.Int64)],
            new ParquetSource("features/customer_stats/"), ttl: TimeSpan.FromDays(2));
        var catalogue = new FeatureCatalogue().Add(stats);
        #endregion

        #region di-setup
        var services = new ServiceCollection();
        services.AddMLOps(o => o.RootDirectory = ".mlops")           // every embedded default lives under .mlops
            .AddLocalArtifactStore()                                 // IArtifactStore: .mlops/artifacts
            .AddTracking(o => o.UseSqlite(".mlops/mlops.db"))        // Tracker
            .AddRegistry(o => o.UseSqlite(".mlops/mlops.db"))        // IModelRegistry and PromotionGate, same file
            .AddOnnxInference("fraud", o =>                          // keyed DynamicBatcher "fraud"
            {
                o.ModelPath = "models/fraud.onnx";
                o.Batching.MaxBatchSize = 64;
                o.Batching.MaxQueueDelay = TimeSpan.FromMilliseconds(1);
            })
            .AddFeatureStore(o => o.UseCatalogue(catalogue));        // FeatureStore; online store .mlops/features/online.db
        await using var provider = services.BuildServiceProvider();
        #endregion

        #region log-a-run
        var tracker = provider.GetRequiredService<Tracker>();
        DatasetRef data = await DatasetFingerprint.ComputeAsync("data/train.csv", new DatasetFingerprintOptions { Name = "transactions" });

        await using var run = await tracker.StartRunAsync("fraud-detection", "baseline");
        run.LogParam("l2", 0.01);
        await run.LogInputAsync(data, "training");
        double f1 = 0;
        for (var epoch = 1; epoch <= 5; epoch++)
        {
            f1 = TrainOneEpoch(epoch);
            run.LogMetric("val_f1", f1, step: epoch);                // appends to a buffer; a background flush writes it
        }

        await run.LogArtifactAsync("models/fraud.onnx", "model/model.onnx");
        await run.CompleteAsync();                                   // FINISHED; a run disposed without this is KILLED
        #endregion

        #region register-a-model
        var registry = provider.GetRequiredService<IModelRegistry>();
        ModelVersion version = await registry.CreateModelVersionAsync(new ModelVersionRequest
        {
            ModelName = "fraud",
            ArtifactFile = "models/fraud.onnx",
            RunId = run.RunId,
            CreateModelIfMissing = true,
            Lineage = new ModelLineage
            {
                RunId = run.RunId,
                DatasetName = data.Name,
                DatasetFingerprint = data.Sha256,
                Metrics = new Dictionary<string, double> { ["val_f1"] = f1 },
            },
        });

        var gate = provider.GetRequiredService<PromotionGate>();
        PromotionDecision decision = await gate.EvaluateAsync("fraud", version.Version, new PromotionPolicy
        {
            Metric = "val_f1",                                       // from the version's lineage
            Target = AssignmentTarget.Alias("champion"),
            OnPass = PromotionOnPass.PromoteToTarget,                // default: record the decision only
        });
        Console.WriteLine($"version {version.Version}: {(decision.Passed ? "promoted" : "kept out")} ({decision.Reason})");
        #endregion

        #region serve
        var batcher = provider.GetRequiredKeyedService<DynamicBatcher>("fraud");
        var request = new InferenceRequest(
        [
            new("amount", InferenceTensor.Create<float>(new[] { 912.5f }, 1, 1)),
            new("hour", InferenceTensor.Create<float>(new[] { 3f }, 1, 1)),
            new("distance", InferenceTensor.Create<float>(new[] { 48.2f }, 1, 1)),
            new("velocity", InferenceTensor.Create<float>(new[] { 6f }, 1, 1)),
        ]);

        // Concurrent callers are queued and run together as one batch; each gets exactly its own rows back.
        InferenceResult result = await batcher.InferAsync(request);
        float probability = result.Get<float>("Probability.output")[0];
        Console.WriteLine($"fraud probability {probability:F3} from {result.ModelName} v{result.ModelVersion}, batch of {result.BatchRows}");
        #endregion

        #region check-drift
        double[] trainingAmounts = ReadColumn("data/train.csv", "amount");
        double[] servedAmounts = ReadColumn("data/served-last-hour.csv", "amount");
        DriftTestResult psi = DriftTests.Run(DriftMethod.Psi, trainingAmounts, servedAmounts);
        Console.WriteLine($"amount: PSI {psi.Statistic:F3} (threshold {psi.Threshold}), drifted: {psi.Drifted}");
        #endregion

        #region online-features
        var features = provider.GetRequiredService<FeatureStore>();
        await features.Materializer.MaterializeIncrementalAsync(DateTimeOffset.UtcNow);   // Parquet → online store

        OnlineFeaturesResponse online = await features.GetOnlineFeaturesAsync(new OnlineFeaturesRequest
        {
            Features = ["customer_stats:avg_amount_7d", "customer_stats:tx_count_24h"],
            Entities = new Dictionary<string, IReadOnlyList<object?>> { ["customer_id"] = [1001L, 1002L] },
        });
        OnlineFeatureColumn average = online.Column("avg_amount_7d");
        Console.WriteLine($"customer 1001: {average.Values[0]} ({average.Statuses[0]})");   // PRESENT, NULL_VALUE, NOT_FOUND or OUTSIDE_MAX_AGE
        #endregion
    }

    private static double TrainOneEpoch(int epoch) => 0.8 + (0.02 * epoch);

    /// <summary>Reads one numeric column of a CSV file with a header row (no quoting).</summary>
    private static double[] ReadColumn(string csvPath, string column)
    {
        var lines = File.ReadAllLines(csvPath);
        var index = Array.IndexOf(lines[0].Split(','), column);
        return [.. lines.Skip(1).Select(line => double.Parse(line.Split(',')[index], CultureInfo.InvariantCulture))];
    }
}
