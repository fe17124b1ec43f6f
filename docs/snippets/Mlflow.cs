using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MLOps.Mlflow;
using MLOps.Tracking;

namespace MLOps.Docs.Snippets;

/// <summary>The code of docs/guides/mlflow.md.</summary>
public static class Mlflow
{
    /// <summary>Points tracking and the registry at an MLflow server.</summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configuration">The host's configuration.</param>
    public static void AddMlflow(IServiceCollection services, IConfiguration configuration)
    {
        #region add-mlflow
        services.AddMLOps()
            .AddTracking()                                           // Tracker: same API, MLflow behind it
            .AddRegistry()                                           // IModelRegistry: MLflow's registry once AddMlflow runs
            .AddMlflow(o =>
            {
                o.TrackingUri = new Uri("https://mlflow.internal/");  // or MLFLOW_TRACKING_URI
                o.Token = configuration["Mlflow:Token"];             // or MLFLOW_TRACKING_TOKEN; never logged
                o.AttemptTimeout = TimeSpan.FromSeconds(30);
                o.TotalTimeout = TimeSpan.FromMinutes(10);           // per call, retries included
            })
            .UseMlflowArtifactStore();                               // optional: IArtifactStore through mlflow-artifacts
        #endregion
    }

    /// <summary>Switches tracking only, or the registry only, to MLflow inside the feature's own options.</summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configuration">The host's configuration.</param>
    public static void UseMlflow(IServiceCollection services, IConfiguration configuration)
    {
        #region use-mlflow
        services.AddMLOps()
            .AddTracking(o =>
            {
                o.Tracker.FlushRetryTimeout = TimeSpan.FromMinutes(30);   // other settings in the delegate still apply
                return o.UseMlflow(new Uri("https://mlflow.internal/"));  // return it: a discarded choice keeps SQLite
            })
            .AddRegistry(o => o.UseMlflow(m =>                       // IModelRegistry → MlflowModelRegistry
            {
                m.TrackingUri = new Uri("https://mlflow.internal/");
                m.Token = configuration["Mlflow:Token"];             // or MLFLOW_TRACKING_TOKEN; never logged
            }));
        #endregion
    }

    /// <summary>Binds the options from configuration.</summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configuration">The host's configuration.</param>
    public static void AddMlflowFromConfiguration(IServiceCollection services, IConfiguration configuration)
    {
        #region add-mlflow-configuration
        // appsettings.json: { "Mlflow": { "TrackingUri": "https://mlflow.internal/", "MaxRetries": 7 } }
        // The token comes from a secret store or MLFLOW_TRACKING_TOKEN, not from appsettings.json.
        services.AddMLOps().AddTracking().AddRegistry().AddMlflow(configuration.GetSection("Mlflow"));
        #endregion
    }

    /// <summary>Handles MLflow's errors.</summary>
    /// <param name="tracker">The tracker (MLflow-backed).</param>
    /// <returns>A task that completes when done.</returns>
    public static async Task ErrorsAsync(Tracker tracker)
    {
        #region errors
        try
        {
            await using var run = await tracker.StartRunAsync("churn", "baseline");
            run.LogMetric("loss", 0.42, step: 1);                    // batched into log-batch requests
            await run.CompleteAsync();
        }
        catch (TrackingException ex) when (ex.IsTransient)
        {
            // StartRunAsync and the closing update call the server once the HTTP retries are spent; a flush waits for
            // the server instead, unless FlushRetryTimeout is set. The inner exception carries the HTTP status.
            var mlflow = ex.InnerException as MlflowTransientException;
            Console.WriteLine($"MLflow unavailable: {ex.ErrorCode} (HTTP {(int?)mlflow?.StatusCode}, retry after {mlflow?.RetryAfter})");
        }
        #endregion
    }
}
