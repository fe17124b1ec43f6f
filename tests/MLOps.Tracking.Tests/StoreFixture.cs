using Microsoft.Extensions.Time.Testing;
using MLOps.Tracking.Sqlite;

namespace MLOps.Tracking.Tests;

/// <summary>A fresh SQLite store in a temp folder, with a fake clock.</summary>
internal sealed class StoreFixture : IAsyncDisposable
{
    public StoreFixture(TrackerOptions? options = null)
    {
        Directory = new TempDirectory("mlops-tracking-");
        Time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
        Path = Directory.Combine("tracking.db");
        Store = new SqliteTrackingStore(Path, null, Time);
        Artifacts = new MLOps.Artifacts.LocalArtifactStore(Directory.Combine("artifacts"), Time);
        options ??= new TrackerOptions();
        options.CaptureLineage = false;
        Tracker = new Tracker(Store, options, Artifacts, Time);
    }

    public TempDirectory Directory { get; }

    public FakeTimeProvider Time { get; }

    public string Path { get; }

    public SqliteTrackingStore Store { get; }

    public MLOps.Artifacts.LocalArtifactStore Artifacts { get; }

    public Tracker Tracker { get; }

    public async Task<string> NewRunAsync(string experiment = "exp")
    {
        var id = await Tracker.GetOrCreateExperimentAsync(experiment);
        return (await Store.CreateRunAsync(id, null, Time.GetUtcNow().ToUnixTimeMilliseconds())).RunId;
    }

    public async ValueTask DisposeAsync()
    {
        await Tracker.DisposeAsync();
        Store.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Dispose();
    }
}
