using Microsoft.Extensions.Time.Testing;
using MLOps.Artifacts;

namespace MLOps.Registry.Tests;

/// <summary>A registry on a fresh SQLite file and artifact folder, with a fake clock.</summary>
internal sealed class TestRegistry : IDisposable
{
    public TestRegistry(TimeSpan? pollInterval = null)
    {
        Time = new FakeTimeProvider(RegistryBackend.Start);
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

    public Task<ModelVersion> AddVersionAsync(string name, double? f1 = null, string file = "mlp.onnx", Dictionary<string, double>? metrics = null)
        => RegistryContract.AddVersionAsync(Registry, name, f1, file, metrics);

    public void Dispose()
    {
        Registry.Dispose();
        Root.Dispose();
    }
}
