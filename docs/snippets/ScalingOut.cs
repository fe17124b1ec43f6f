using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MLOps.Features;
using OpenTelemetry.Metrics;

namespace MLOps.Docs.Snippets;

/// <summary>The code of docs/scaling-out.md: one host's registrations, embedded and scaled out.</summary>
public static class ScalingOut
{
    /// <summary>Everything on one machine.</summary>
    /// <param name="services">The host's services.</param>
    /// <param name="catalogue">The feature definitions.</param>
    public static void Embedded(IServiceCollection services, FeatureCatalogue catalogue)
    {
        #region embedded
        services.AddMLOps(o => o.RootDirectory = "/var/lib/fraud/.mlops")
            .AddLocalArtifactStore()                                 // <root>/artifacts
            .AddTracking(o => o.UseSqlite("/var/lib/fraud/.mlops/mlops.db"))
            .AddRegistry(o => o.UseSqlite("/var/lib/fraud/.mlops/mlops.db"))
            .AddFeatureStore(o => o.UseCatalogue(catalogue))         // <root>/features/online.db
            .AddOnnxInference("fraud", o => o.ModelPath = "models/fraud.onnx")
            .AddLocalInferenceClient("fraud");                       // IInferenceClient over the in-process batcher
        #endregion
    }

    /// <summary>The same host against servers.</summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configuration">The host's configuration (secrets from a secret store or the environment).</param>
    /// <param name="catalogue">The feature definitions.</param>
    public static void Servers(IServiceCollection services, IConfiguration configuration, FeatureCatalogue catalogue)
    {
        #region servers
        services.AddMLOps()
            .AddTracking()
            .AddRegistry()
            .AddMlflow(configuration.GetSection("Mlflow"))           // ITrackingStore and IModelRegistry → MLflow REST
            .UseMlflowArtifactStore()                                // IArtifactStore → mlflow-artifacts proxy
            .AddFeatureStore(o => o
                .UseCatalogue(catalogue)
                .UseRedisOnlineStore(r =>                            // IOnlineStore → Redis, Feast's layout
                {
                    r.Project = "fraud";
                    r.Configuration = configuration["Redis:Configuration"];   // endpoints, TLS, password
                }))
            .AddOpenInferenceClient("fraud", o =>                    // IInferenceClient → KServe / Triton over v2
            {
                o.BaseAddress = new Uri(configuration["Inference:BaseAddress"]!);
                o.AttemptTimeout = TimeSpan.FromSeconds(2);
            });
        #endregion
    }

    /// <summary>Feature definitions over Parquet files on shared storage.</summary>
    /// <returns>The catalogue.</returns>
    public static FeatureCatalogue SharedOffline()
    {
        #region offline-shared
        // The same definitions; only the source path moves to storage every trainer and materializer can read.
        var driver = new Entity("driver", "driver_id", FeatureValueType.Int64);
        var stats = new FeatureView("driver_stats", [driver],
            [new FeatureField("conv_rate", FeatureValueType.Float32), new FeatureField("trips", FeatureValueType.Int64)],
            new ParquetSource("/mnt/features/driver_stats/", CreatedTimestampColumn: "created"),   // an NFS or blob-fuse mount
            ttl: TimeSpan.FromHours(2));
        var catalogue = new FeatureCatalogue().Add(driver).Add(stats);
        #endregion
        return catalogue;
    }

    /// <summary>Metrics out of the process.</summary>
    /// <param name="services">The host's services.</param>
    public static void Telemetry(IServiceCollection services)
    {
        #region telemetry
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter("MLOps.Tracking", "MLOps.Registry", "MLOps.Inference", "MLOps.Drift")
            .AddPrometheusExporter());                               // app.MapPrometheusScrapingEndpoint() serves GET /metrics
        #endregion
    }
}
