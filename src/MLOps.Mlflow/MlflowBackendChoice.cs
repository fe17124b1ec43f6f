namespace MLOps.Mlflow;

/// <summary>
/// An MLflow server chosen by <c>o.UseMlflow(...)</c> on the tracking or registry options. Returned from the
/// <c>AddTracking</c>/<c>AddRegistry</c> delegate, it makes those calls register the MLflow backend instead of SQLite.
/// </summary>
public sealed class MlflowBackendChoice
{
    internal MlflowBackendChoice(Action<MlflowOptions> configure) => Configure = configure;

    internal Action<MlflowOptions> Configure { get; }

    /// <summary>Describes the choice (never a credential).</summary>
    /// <returns>A fixed description.</returns>
    public override string ToString() => "MLflow backend (MlflowOptions set by UseMlflow)";
}
