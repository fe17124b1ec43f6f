using Apache.Arrow;
using Apache.Arrow.Types;
using Microsoft.Extensions.DependencyInjection;
using MLOps.Features;
using MLOps.Features.Contracts;
using MLOps.Features.Materialization;
using MLOps.Features.Offline;
using MLOps.Features.Online;

namespace MLOps.Docs.Snippets;

/// <summary>The code of docs/guides/features.md.</summary>
public static class Features
{
    /// <summary>The definitions, as code.</summary>
    /// <returns>The catalogue.</returns>
    public static FeatureCatalogue Definitions()
    {
        #region definitions
        var driver = new Entity("driver", "driver_id", FeatureValueType.Int64);
        var stats = new FeatureView("driver_stats", [driver],
            [new FeatureField("conv_rate", FeatureValueType.Float32), new FeatureField("trips", FeatureValueType.Int64)],
            new ParquetSource("data/driver_stats/", TimestampField: "event_timestamp", CreatedTimestampColumn: "created"),
            ttl: TimeSpan.FromHours(2));                             // look-back of the join, and the online max age

        var catalogue = new FeatureCatalogue()
            .Add(driver)
            .Add(stats)
            .Add(new FeatureService("model_v1", ["driver_stats:conv_rate", "driver_stats:trips"]));
        #endregion
        return catalogue;
    }

    /// <summary>Registers the feature store.</summary>
    /// <param name="services">The host's services.</param>
    /// <param name="catalogue">The definitions.</param>
    public static void Register(IServiceCollection services, FeatureCatalogue catalogue)
    {
        #region register
        services.AddMLOps()
            .AddFeatureStore(o =>
            {
                o.UseCatalogue(catalogue);
                o.UseSqlite(".mlops/features/online.db");            // the default path under MLOpsOptions.RootDirectory
                o.Materialization.BatchSize = 10_000;
            });
        #endregion
    }

    /// <summary>Builds a point-in-time-correct training set.</summary>
    /// <param name="store">The feature store.</param>
    /// <returns>The training rows.</returns>
    public static async Task<RecordBatch> TrainingSetAsync(FeatureStore store)
    {
        #region training-set
        // Entity rows: which driver, and the time at which the label was known.
        var ids = new Int64Array.Builder().Append(1001).Append(1002).Append(1001).Build();
        var times = new TimestampArray.Builder(new TimestampType(TimeUnit.Microsecond, "UTC"))
            .Append(new DateTimeOffset(2026, 11, 20, 9, 0, 0, TimeSpan.Zero))
            .Append(new DateTimeOffset(2026, 11, 20, 9, 30, 0, TimeSpan.Zero))
            .Append(new DateTimeOffset(2026, 11, 21, 18, 0, 0, TimeSpan.Zero))
            .Build();
        var entityRows = new RecordBatch(
            new Schema.Builder()
                .Field(new Field("driver_id", Int64Type.Default, nullable: false))
                .Field(new Field("event_timestamp", times.Data.DataType, nullable: false))
                .Build(),
            [ids, times], ids.Length);

        HistoricalFeatures training = await store.GetHistoricalFeaturesAsync(entityRows, ["driver_stats:conv_rate", "driver_stats:trips"]);
        RecordBatch batch = training.Batch;                         // entity columns + conv_rate + trips, in input order
        Console.WriteLine($"{batch.Length} rows; row groups read {training.RowGroupsRead}, skipped {training.RowGroupsSkipped}");
        #endregion
        return batch;
    }

    /// <summary>Materializes and serves features online.</summary>
    /// <param name="store">The feature store.</param>
    /// <returns>A task that completes when done.</returns>
    public static async Task OnlineAsync(FeatureStore store)
    {
        #region materialize-and-read
        var progress = new Progress<MaterializationProgress>(p => Console.WriteLine($"{p.View}: {p.RowsDone}/{p.RowsTotal}"));
        IReadOnlyList<MaterializedView> done = await store.Materializer.MaterializeIncrementalAsync(DateTimeOffset.UtcNow, progress: progress);
        Console.WriteLine($"{done.Count} views materialized");

        OnlineFeaturesResponse online = await store.GetOnlineFeaturesAsync(new OnlineFeaturesRequest
        {
            FeatureService = "model_v1",                             // or Features = ["driver_stats:conv_rate", ...]
            Entities = new Dictionary<string, IReadOnlyList<object?>> { ["driver_id"] = [1001L, 1002L, 9999L] },
        });
        OnlineFeatureColumn conv = online.Column("conv_rate");
        for (var i = 0; i < conv.Values.Count; i++)
        {
            // PRESENT, NULL_VALUE, NOT_FOUND (9999), or OUTSIDE_MAX_AGE (older than the view's TTL; value still returned)
            Console.WriteLine($"{online.Column("driver_id").Values[i]}: {conv.Values[i]} {conv.Statuses[i]} at {conv.EventTimestamps[i]:u}");
        }
        #endregion
    }

    /// <summary>Reads features from a Feast feature server.</summary>
    /// <param name="services">The host's services.</param>
    public static void FeastClient(IServiceCollection services)
    {
        #region feast-client
        services.AddMLOps().AddFeastFeatureServerClient(o =>
        {
            o.BaseAddress = new Uri("http://feast-feature-server:6566/");
            o.MaxRetryAttempts = 3;                                  // 408, 429 and 5xx are retried
            o.AttemptTimeout = TimeSpan.FromSeconds(2);
        });
        // Resolve FeastFeatureServerClient (an IOnlineFeatureReader): GetOnlineFeaturesAsync as above, and PushAsync.
        #endregion
    }

    /// <summary>Checks a batch against a data contract.</summary>
    /// <param name="catalogue">The definitions.</param>
    /// <param name="batch">The rows to check.</param>
    public static void Contract(FeatureCatalogue catalogue, RecordBatch batch)
    {
        #region data-contract
        var contract = new DataContract("driver_stats", [
            new ColumnRule { Name = "driver_id", Type = FeatureValueType.Int64, Nullable = false, Unique = true },
            new ColumnRule { Name = "conv_rate", Type = FeatureValueType.Float32, Min = 0, Max = 1 },
            new ColumnRule { Name = "trips", Type = FeatureValueType.Int64, Min = 0 },
        ], new FreshnessRule("event_timestamp", TimeSpan.FromHours(6)));

        ContractReport report = contract.Validate(batch);
        foreach (ContractViolation v in report.Violations)
        {
            Console.WriteLine($"{v.Column} {v.Check} row {v.Row}: {v.Message}");   // every violation, not only the first
        }

        DataContract.ForView(catalogue.GetFeatureView("driver_stats")).Validate(batch).ThrowIfInvalid();   // types from the view
        #endregion
    }
}
