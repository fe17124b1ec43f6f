using System.Security.Cryptography;
using MLOps.Registry;

namespace MLOps.Mlflow.Tests;

/// <summary>MlflowModelRegistry behind IModelRegistry, against the fake server's registry state.</summary>
public sealed class RegistryTests
{
    private static MlflowModelRegistry Registry(Harness h) => new(h.Client);

    [Fact]
    public async Task Lifecycle_CreateVersionsStagesAliases_AsMlflowDefines()
    {
        await using var h = new Harness();
        IModelRegistry registry = Registry(h);
        await registry.CreateRegisteredModelAsync("churn", "d", new Dictionary<string, string> { ["team"] = "ml" });
        var v1 = await registry.CreateModelVersionAsync(new ModelVersionRequest { ModelName = "churn", Source = "s3://b/1", RunId = "r1" });
        var v2 = await registry.CreateModelVersionAsync(new ModelVersionRequest { ModelName = "churn", Source = "s3://b/2", Tags = new Dictionary<string, string> { ["ok"] = "yes" } });

        await registry.TransitionStageAsync("churn", 1, ModelStage.Production);
        await registry.TransitionStageAsync("churn", 2, ModelStage.Production, archiveExistingVersions: true);
        var record = await registry.SetAliasAsync("churn", "champion", 2);
        var moved = await registry.SetAliasAsync("churn", "champion", 1);

        (v1.Version, v2.Version).Should().Be((1, 2));
        (await registry.GetModelVersionAsync("churn", 1)).Stage.Should().Be(ModelStage.Archived);
        (await registry.ResolveAsync(ModelUri.Parse("models:/churn/Production"))).Version.Should().Be(2);
        (await registry.ResolveAsync(ModelUri.Parse("models:/churn@champion"))).Version.Should().Be(1);
        (await registry.ResolveAsync(ModelUri.Parse("models:/churn/latest"))).Version.Should().Be(2);
        record.PreviousVersion.Should().BeNull();
        moved.PreviousVersion.Should().Be(2);
        (await registry.GetRegisteredModelAsync("churn")).Aliases.Should().Equal(new Dictionary<string, int> { ["champion"] = 1 });
        (await registry.SearchModelVersionsAsync(new ModelVersionQuery { ModelName = "churn", Tags = new Dictionary<string, string> { ["ok"] = "yes" } }))
            .Select(v => v.Version).Should().Equal(2);
        (await registry.SearchModelVersionsAsync(new ModelVersionQuery { ModelName = "churn", Stage = ModelStage.Archived })).Select(v => v.Version).Should().Equal(1);
        (await registry.SearchRegisteredModelsAsync(new RegisteredModelQuery { NameLike = "CH%" })).Select(m => m.Name).Should().Equal("churn");

        await registry.DeleteAliasAsync("churn", "champion");
        var missingAlias = () => registry.GetVersionByAliasAsync("churn", "champion").AsTask();
        (await missingAlias.Should().ThrowAsync<ModelNotFoundException>()).Which.ModelName.Should().Be("churn");
        await registry.DeleteModelVersionAsync("churn", 1);
        var gone = () => registry.GetModelVersionAsync("churn", 1).AsTask();
        await gone.Should().ThrowAsync<ModelNotFoundException>();
    }

    [Fact]
    public async Task CreateRegisteredModel_Twice_ModelAlreadyExists()
    {
        await using var h = new Harness();
        var registry = Registry(h);
        await registry.CreateRegisteredModelAsync("m");

        var act = () => registry.CreateRegisteredModelAsync("m").AsTask();

        await act.Should().ThrowAsync<ModelAlreadyExistsException>();
    }

    [Fact]
    public async Task TransitionStage_ArchiveExistingToArchived_InvalidStageTransitionBeforeAnyRequest()
    {
        await using var h = new Harness();
        var registry = Registry(h);
        var before = h.Server.Requests.Count;

        var act = () => registry.TransitionStageAsync("m", 1, ModelStage.Archived, archiveExistingVersions: true).AsTask();

        await act.Should().ThrowAsync<InvalidStageTransitionException>();
        h.Server.Requests.Count.Should().Be(before);
    }

    [Theory]
    [InlineData("latest")]
    [InlineData("v3")]
    public async Task SetAlias_Reserved_ReservedAliasException(string alias)
    {
        await using var h = new Harness();
        var act = () => Registry(h).SetAliasAsync("m", alias, 1).AsTask();

        await act.Should().ThrowAsync<ReservedAliasException>();
    }

    [Fact]
    public async Task HistoryMembers_NotBackedByMlflow_MlflowNotSupportedException()
    {
        await using var h = new Harness();
        var registry = Registry(h);

        FluentActions.Invoking(() => registry.GetHistoryAsync("m")).Should().Throw<MlflowNotSupportedException>().Which.Member.Should().Be("GetHistoryAsync");
        FluentActions.Invoking(() => registry.RollbackAsync("m", AssignmentTarget.Alias("a"))).Should().Throw<MlflowNotSupportedException>();
        FluentActions.Invoking(() => registry.GetChangesAsync(0)).Should().Throw<MlflowNotSupportedException>();
        FluentActions.Invoking(() => registry.GetLastSequenceAsync()).Should().Throw<MlflowNotSupportedException>();
        FluentActions.Invoking(() => registry.WatchAsync()).Should().Throw<MlflowNotSupportedException>().Which.Should().BeAssignableTo<MLOpsException>();
    }

    [Fact]
    public async Task CreateModelVersion_WithContent_UploadedThroughProxyAndStreamedBack()
    {
        await using var h = new Harness();
        var registry = Registry(h);
        var bytes = RandomNumberGenerator.GetBytes(300_000);

        var v = await registry.CreateModelVersionAsync(new ModelVersionRequest { ModelName = "m", ArtifactContent = new MemoryStream(bytes), ArtifactFileName = "model.onnx", CreateModelIfMissing = true });

        v.Source.Should().StartWith("mlflow-artifacts:/registry/m/").And.EndWith("/model.onnx");
        v.Artifact!.Sha256.Should().Be(Convert.ToHexStringLower(SHA256.HashData(bytes)));
        v.Artifact.Length.Should().Be(bytes.Length);
        v.Tags.Should().NotContainKey(MlflowModelRegistry.Sha256Tag, "the backend's own tags surface as Artifact");
        await using var stream = await registry.OpenArtifactAsync("m", v.Version);
        var back = new MemoryStream();
        await stream.CopyToAsync(back);
        back.ToArray().Should().Equal(bytes);
    }
}
