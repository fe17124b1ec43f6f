using MLOps.Mlflow;
using MLOps.Registry;
using MLOps.Tracking;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// <c>o.UseMlflow(uri)</c> on the tracking and registry options: the one line that switches the embedded SQLite store
/// to an MLflow server. Return the result from the <c>AddTracking</c>/<c>AddRegistry</c> delegate.
/// </summary>
public static class MlflowBackendExtensions
{
    /// <summary>Chooses an MLflow tracking server as the tracking store.</summary>
    /// <param name="options">The tracking options.</param>
    /// <param name="trackingUri">The server, for example <c>http://mlflow:5000</c>.</param>
    /// <returns>The choice; return it from the <c>AddTracking</c> delegate (a discarded choice leaves the SQLite store in place).</returns>
    public static MlflowBackendChoice UseMlflow(this TrackingOptions options, Uri trackingUri)
    {
        ArgumentNullException.ThrowIfNull(trackingUri);
        return options.UseMlflow(o => o.TrackingUri = trackingUri);
    }

    /// <summary>Chooses an MLflow tracking server as the tracking store, with credentials and retry settings.</summary>
    /// <param name="options">The tracking options.</param>
    /// <param name="configure">Sets <see cref="MlflowOptions"/> (unset values come from <c>MLFLOW_TRACKING_*</c> variables).</param>
    /// <returns>The choice; return it from the <c>AddTracking</c> delegate.</returns>
    public static MlflowBackendChoice UseMlflow(this TrackingOptions options, Action<MlflowOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(configure);
        return new MlflowBackendChoice(configure);
    }

    /// <summary>Chooses an MLflow server's model registry as the registry.</summary>
    /// <param name="options">The registry options.</param>
    /// <param name="trackingUri">The server, for example <c>http://mlflow:5000</c>.</param>
    /// <returns>The choice; return it from the <c>AddRegistry</c> delegate (a discarded choice leaves the SQLite registry in place).</returns>
    public static MlflowBackendChoice UseMlflow(this RegistryOptions options, Uri trackingUri)
    {
        ArgumentNullException.ThrowIfNull(trackingUri);
        return options.UseMlflow(o => o.TrackingUri = trackingUri);
    }

    /// <summary>Chooses an MLflow server's model registry as the registry, with credentials and retry settings.</summary>
    /// <param name="options">The registry options.</param>
    /// <param name="configure">Sets <see cref="MlflowOptions"/> (unset values come from <c>MLFLOW_TRACKING_*</c> variables).</param>
    /// <returns>The choice; return it from the <c>AddRegistry</c> delegate.</returns>
    public static MlflowBackendChoice UseMlflow(this RegistryOptions options, Action<MlflowOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(configure);
        return new MlflowBackendChoice(configure);
    }
}
