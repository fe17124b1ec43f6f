using Microsoft.Extensions.Time.Testing;
using MLOps.Artifacts;

namespace MLOps.Registry.Tests;

/// <summary>A registry on a fresh SQLite file and artifact folder, with a fake clock.</summary>
internal sealed class TestRegistry : IDisposable
{
    public TestRegistry(TimeSpan? pollInterval = null)
    {
        Time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        Artifacts = new LocalArtifactStore(Root.Combine("artifacts"), Time);
        Options = new RegistryOptions { ChangePollInterval = pollInterval ?? TimeSpan.FromSeconds(1), DurableCommits = false }.UseSqlite(DatabasePath);
        Registry = new SqliteModelRegistry(Options, Artifacts, Time);
    }

    public TempDirectory Root { get; } = new("mlops-registry-");

    public string DatabasePath => Root.Combine("mlops.db");

    public FakeTimeProvider Time { get; }

    public LocalArtifactStore Artifacts { get; }

    public RegistryOptions Options { get; }

    public SqliteModelRegistry Registry { get; }

    /// <summary>A second registry instance on the same files, as another process would have.</summary>
    public SqliteModelRegistry OpenAnother() => new(Options, Artifacts, Time);

    public async Task<ModelVersion> AddVersionAsync(string name, double? f1 = null, string file = "mlp.onnx", Dictionary<string, double>? metrics = null)
    {
        metrics ??= [];
        if (f1 is { } value)
        {
            metrics["f1"] = value;
        }

        return await Registry.CreateModelVersionAsync(new ModelVersionRequest
        {
            ModelName = name,
            ArtifactFile = TestAssets.File(file),
            CreateModelIfMissing = true,
            Lineage = new ModelLineage { Metrics = metrics },
        });
    }

    public void Dispose()
    {
        Registry.Dispose();
        Root.Dispose();
    }
}
