using MLOps.Artifacts;
using MLOps.Inference.Hosting;
using MLOps.Registry;
using MLOps.TestKit;

namespace MLOps.Inference.Tests;

/// <summary>A host following a real SQLite registry alias: re-pointing and rolling back the alias swap the served version.</summary>
public sealed class RegistryFollowTests : IDisposable
{
    private readonly TempDirectory _root = new();
    private readonly SqliteModelRegistry _registry;

    public RegistryFollowTests()
    {
        var artifacts = new LocalArtifactStore(_root.Combine("artifacts"));
        _registry = new SqliteModelRegistry(new RegistryOptions { DurableCommits = false }.UseSqlite(_root.Combine("mlops.db")), artifacts);
    }

    public void Dispose()
    {
        _registry.Dispose();
        _root.Dispose();
    }

    [Fact]
    public async Task FollowAsync_AliasMovesAndRollsBack_HostServesEachVersionInTurn()
    {
        var v1 = await Register("mlp.onnx");
        var v2 = await Register("mlp_v2.onnx");
        await _registry.SetAliasAsync("fraud", "champion", v1.Version);
        var options = new ModelHostOptions();
        options.Model.ExecutionProvider = ExecutionProvider.Cpu;
        await using var host = new ModelHost("fraud", options);
        using var stop = new CancellationTokenSource();

        var following = host.FollowAsync(_registry, ModelUri.Parse("models:/fraud@champion"), stop.Token);
        await UntilActive(host, "1");
        Models.AssertMlpRows((await host.InferAsync(Models.MlpRequest(4))).Result!, 4);

        await _registry.SetAliasAsync("fraud", "champion", v2.Version);
        await UntilActive(host, "2");
        var fromV2 = (await host.InferAsync(Models.MlpRequest(4))).Result!;
        ((double)fromV2.Get<float>("probabilities")[0]).Should().BeApproximately(TestAssets.ReadCsv("mlp_v2_expected.csv")[4][0], Models.Tolerance);

        await _registry.RollbackAsync("fraud", AssignmentTarget.Alias("champion"));
        await UntilActive(host, "1");

        await stop.CancelAsync();
        await following.Awaiting(f => f).Should().ThrowAsync<OperationCanceledException>();
    }

    private async Task<ModelVersion> Register(string file) =>
        await _registry.CreateModelVersionAsync(new ModelVersionRequest { ModelName = "fraud", ArtifactFile = TestAssets.File(file), CreateModelIfMissing = true });

    private static async Task UntilActive(ModelHost host, string version)
    {
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (host.ActiveVersion != version)
        {
            await Task.Delay(5, bound.Token); // poll with a bound: the host loads and warms the version on its own task
        }
    }
}
