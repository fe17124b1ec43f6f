using Microsoft.Extensions.Time.Testing;
using MLOps.Registry;
using MLOps.Registry.Tests;

namespace MLOps.Mlflow.Tests;

/// <summary>
/// The MLflow backend of the shared registry contract: <see cref="MlflowModelRegistry"/> on a bare HttpClient against a
/// fresh in-process server whose clock is the backend's fake clock; uploads go through the mlflow-artifacts proxy.
/// </summary>
internal sealed class MlflowRegistryBackend : RegistryBackend
{
    private readonly HttpClient _http = new();

    public MlflowRegistryBackend()
    {
        Time = new FakeTimeProvider(Start);
        Server = new FakeMlflowServer(Time.GetUtcNow);
        var client = new MlflowClient(_http, new MlflowOptions { TrackingUri = Server.Uri });
        Registry = new MlflowModelRegistry(client, timeProvider: Time);
    }

    public FakeMlflowServer Server { get; }

    public override IModelRegistry Registry { get; }

    public override FakeTimeProvider Time { get; }

    public override string? Lacks(RegistryCapability capability) => capability switch
    {
        RegistryCapability.AssignmentHistory =>
            "MLflow keeps no history of stage and alias assignments (no endpoint for it); GetHistoryAsync, GetChangesAsync, GetLastSequenceAsync, WatchAsync and RollbackAsync throw MlflowNotSupportedException.",
        RegistryCapability.ArtifactValidation =>
            "MLflow accepts any file as a version's source; the backend uploads it through the mlflow-artifacts proxy without opening it as ONNX, so there is no FAILED_REGISTRATION for a corrupt file.",
        RegistryCapability.EmbeddedSources =>
            "an uploaded version's source is its mlflow-artifacts:/registry/<model>/<id>/<file> URI, not the embedded models/<model>/<version>/<file> path.",
        _ => null,
    };

    public override async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await Server.DisposeAsync();
    }
}

/// <summary>The registry contract (<see cref="LifecycleContract"/>) on the MLflow backend.</summary>
public sealed class MlflowLifecycleTests : LifecycleContract
{
    protected override RegistryBackend CreateBackend() => new MlflowRegistryBackend();
}

/// <summary>The rollback contract (<see cref="RollbackContract"/>) on the MLflow backend: skipped, MLflow keeps no assignment history.</summary>
public sealed class MlflowRollbackTests : RollbackContract
{
    protected override RegistryBackend CreateBackend() => new MlflowRegistryBackend();
}

/// <summary>
/// The promotion-gate contract (<see cref="PromotionGateContract"/>) on the MLflow backend: the lineage metrics the gate
/// compares are kept as <c>mlops.lineage.*</c> version tags; the history checks are left out (MLflow keeps none).
/// </summary>
public sealed class MlflowPromotionGateTests : PromotionGateContract
{
    protected override RegistryBackend CreateBackend() => new MlflowRegistryBackend();
}
