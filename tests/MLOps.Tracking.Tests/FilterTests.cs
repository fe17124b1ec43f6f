namespace MLOps.Tracking.Tests;

/// <summary>The filter DSL contract (<see cref="FilterContract"/>) on the embedded SQLite store.</summary>
public sealed class FilterTests : FilterContract
{
    protected override TrackingBackend CreateBackend() => new SqliteTrackingBackend();
}
