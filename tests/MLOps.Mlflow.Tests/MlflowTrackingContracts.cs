using Microsoft.Extensions.Time.Testing;
using MLOps.Tracking;
using MLOps.Tracking.Tests;

namespace MLOps.Mlflow.Tests;

/// <summary>
/// The MLflow backend of the shared tracking contract: <see cref="MlflowTrackingStore"/> on a bare HttpClient (one
/// attempt per call) against a fresh in-process server whose clock is the backend's fake clock.
/// </summary>
internal sealed class MlflowTrackingBackend : TrackingBackend
{
    private readonly HttpClient _http = new();

    public MlflowTrackingBackend()
    {
        Time = new FakeTimeProvider(Start);
        Server = new FakeMlflowServer(Time.GetUtcNow);
        Client = new MlflowClient(_http, new MlflowOptions { TrackingUri = Server.Uri });
        Store = new MlflowTrackingStore(Client);
    }

    public FakeMlflowServer Server { get; }

    public MlflowClient Client { get; }

    public override ITrackingStore Store { get; }

    public override FakeTimeProvider Time { get; }

    public override string? Lacks(TrackingCapability capability) => capability switch
    {
        TrackingCapability.FilterErrorPositions =>
            "an MLflow server reports a bad filter or order_by as INVALID_PARAMETER_VALUE with its own message and no position; the backend throws InvalidTrackingValueException with that message.",
        TrackingCapability.TypedParamConflict =>
            "MLflow's log-batch reports changed params as one INVALID_PARAMETER_VALUE message listing them; the backend throws InvalidTrackingValueException with that message rather than guessing key and values from the text.",
        TrackingCapability.OneCallBatchLimit =>
            "MlflowTrackingStore splits a LogBatch call into as many log-batch requests as MLflow's limits need (1000 metrics, 100 params, 100 tags, 1 MB) instead of rejecting it.",
        TrackingCapability.EmbeddedArtifactUris =>
            "run artifact URIs are the server's (mlflow-artifacts:/<experiment>/<run>/artifacts), not the embedded experiments/... layout.",
        TrackingCapability.NegativePageOffsetRejected =>
            "MLflow's parse_start_offset_from_page_token only checks that the token decodes to JSON with an integer offset; a negative offset is not rejected.",
        _ => null,
    };

    public override async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await Server.DisposeAsync();
    }
}

/// <summary>The store contract (<see cref="StoreContract"/>) on the MLflow backend.</summary>
public sealed class MlflowStoreTests : StoreContract
{
    protected override TrackingBackend CreateBackend() => new MlflowTrackingBackend();
}

/// <summary>The filter DSL contract (<see cref="FilterContract"/>) on the MLflow backend.</summary>
public sealed class MlflowFilterTests : FilterContract
{
    protected override TrackingBackend CreateBackend() => new MlflowTrackingBackend();
}
