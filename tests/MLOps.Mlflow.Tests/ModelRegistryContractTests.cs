using Microsoft.Extensions.Time.Testing;
using MLOps.Artifacts;
using MLOps.Registry;

namespace MLOps.Mlflow.Tests;

/// <summary>
/// One set of IModelRegistry behaviour tests (MLflow's registry semantics, mlflow.md §6) run against the embedded
/// SqliteModelRegistry and against MlflowModelRegistry over the in-process server. Versions are registered by
/// reference (Source), which both backends support.
/// </summary>
public abstract class ModelRegistryContractTests : IAsyncLifetime
{
    protected IModelRegistry Registry { get; set; } = null!;

    public abstract ValueTask InitializeAsync();

    public abstract ValueTask DisposeAsync();

    private Task<ModelVersion> AddAsync(string name, string? runId = null) =>
        Registry.CreateModelVersionAsync(new ModelVersionRequest { ModelName = name, Source = "s3://bucket/" + Guid.NewGuid().ToString("N"), RunId = runId, CreateModelIfMissing = true }).AsTask();

    [Fact]
    public async Task CreateModelVersion_NumbersFromOneNeverReused()
    {
        var v1 = await AddAsync("m");
        var v2 = await AddAsync("m");
        await Registry.DeleteModelVersionAsync("m", 2);
        var v3 = await AddAsync("m");

        (v1.Version, v2.Version, v3.Version).Should().Be((1, 2, 3));
        v1.Status.Should().Be(ModelVersionStatus.Ready);
        v1.Stage.Should().Be(ModelStage.None);
    }

    [Fact]
    public async Task TransitionStage_ArchiveExisting_MovesOtherHoldersToArchived()
    {
        await AddAsync("m");
        await AddAsync("m");
        await Registry.TransitionStageAsync("m", 1, ModelStage.Production);

        await Registry.TransitionStageAsync("m", 2, ModelStage.Production, archiveExistingVersions: true);

        (await Registry.GetModelVersionAsync("m", 1)).Stage.Should().Be(ModelStage.Archived);
        (await Registry.GetLatestVersionsAsync("m", [ModelStage.Production])).Select(v => v.Version).Should().Equal(2);
    }

    [Fact]
    public async Task Alias_SetMoveResolveDelete()
    {
        await AddAsync("m");
        await AddAsync("m");

        await Registry.SetAliasAsync("m", "champion", 1);
        await Registry.SetAliasAsync("m", "champion", 2);

        (await Registry.GetVersionByAliasAsync("m", "champion")).Version.Should().Be(2);
        (await Registry.GetModelVersionAsync("m", 2)).Aliases.Should().Equal("champion");
        (await Registry.GetRegisteredModelAsync("m")).Aliases.Should().Equal(new Dictionary<string, int> { ["champion"] = 2 });
        await Registry.DeleteAliasAsync("m", "champion");
        var act = () => Registry.GetVersionByAliasAsync("m", "champion").AsTask();
        await act.Should().ThrowAsync<ModelNotFoundException>();
    }

    [Fact]
    public async Task DeleteModelVersion_RemovesItsAliases()
    {
        await AddAsync("m");
        await Registry.SetAliasAsync("m", "a", 1);

        await Registry.DeleteModelVersionAsync("m", 1);

        (await Registry.GetRegisteredModelAsync("m")).Aliases.Should().BeEmpty();
    }

    [Fact]
    public async Task Tags_SetAndDeleteOnModelAndVersion_DeletingAbsentIsQuiet()
    {
        await AddAsync("m");
        await Registry.SetRegisteredModelTagAsync("m", "team", "ml");
        await Registry.SetModelVersionTagAsync("m", 1, "validation_status", "approved");

        (await Registry.GetRegisteredModelAsync("m")).Tags.Should().Contain("team", "ml");
        (await Registry.GetModelVersionAsync("m", 1)).Tags.Should().Contain("validation_status", "approved");
        await Registry.DeleteModelVersionTagAsync("m", 1, "validation_status");
        await Registry.DeleteModelVersionTagAsync("m", 1, "absent");
        await Registry.DeleteRegisteredModelTagAsync("m", "absent");
        (await Registry.GetModelVersionAsync("m", 1)).Tags.Should().NotContainKey("validation_status");
    }

    [Fact]
    public async Task Search_ByNameRunAndTag()
    {
        await AddAsync("alpha", "run1");
        await AddAsync("alpha", "run2");
        await AddAsync("beta", "run1");
        await Registry.SetModelVersionTagAsync("alpha", 2, "k", "v");

        (await Registry.SearchRegisteredModelsAsync(new RegisteredModelQuery { NameLike = "al%" })).Select(m => m.Name).Should().Equal("alpha");
        (await Registry.SearchModelVersionsAsync(new ModelVersionQuery { RunId = "run1" })).Select(v => (v.Name, v.Version)).Should().BeEquivalentTo([("alpha", 1), ("beta", 1)]);
        (await Registry.SearchModelVersionsAsync(new ModelVersionQuery { ModelName = "alpha", Tags = new Dictionary<string, string> { ["k"] = "v" } })).Select(v => v.Version).Should().Equal(2);
    }

    [Fact]
    public async Task Missing_ModelAndVersion_ModelNotFound_DuplicateModel_AlreadyExists()
    {
        await Registry.CreateRegisteredModelAsync("m");

        var noModel = () => Registry.GetRegisteredModelAsync("none").AsTask();
        var noVersion = () => Registry.GetModelVersionAsync("m", 9).AsTask();
        var dup = () => Registry.CreateRegisteredModelAsync("m").AsTask();

        await noModel.Should().ThrowAsync<ModelNotFoundException>();
        await noVersion.Should().ThrowAsync<ModelNotFoundException>();
        await dup.Should().ThrowAsync<ModelAlreadyExistsException>();
    }

    [Fact]
    public async Task Resolve_VersionAliasStageLatest()
    {
        await AddAsync("m");
        await AddAsync("m");
        await Registry.SetAliasAsync("m", "champion", 1);
        await Registry.TransitionStageAsync("m", 1, ModelStage.Staging);

        (await Registry.ResolveAsync(ModelUri.Parse("models:/m/2"))).Version.Should().Be(2);
        (await Registry.ResolveAsync(ModelUri.Parse("models:/m@champion"))).Version.Should().Be(1);
        (await Registry.ResolveAsync(ModelUri.Parse("models:/m/Staging"))).Version.Should().Be(1);
        (await Registry.ResolveAsync(ModelUri.Parse("models:/m/latest"))).Version.Should().Be(2);
    }
}

/// <summary>The registry contract on the embedded SQLite registry.</summary>
public sealed class SqliteModelRegistryContractTests : ModelRegistryContractTests
{
    private TempDirectory? _dir;
    private SqliteModelRegistry? _registry;

    public override ValueTask InitializeAsync()
    {
        _dir = new TempDirectory("mlops-registry-contract-");
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        var options = new RegistryOptions { DurableCommits = false }.UseSqlite(_dir.Combine("r.db"));
        _registry = new SqliteModelRegistry(options, new LocalArtifactStore(_dir.Combine("artifacts"), time), time);
        Registry = _registry;
        return ValueTask.CompletedTask;
    }

    public override ValueTask DisposeAsync()
    {
        _registry!.Dispose();
        _dir!.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>The registry contract on the MLflow backend.</summary>
public sealed class MlflowModelRegistryContractTests : ModelRegistryContractTests
{
    private Harness? _harness;

    public override ValueTask InitializeAsync()
    {
        _harness = new Harness();
        Registry = new MlflowModelRegistry(_harness.Client);
        return ValueTask.CompletedTask;
    }

    public override ValueTask DisposeAsync() => _harness!.DisposeAsync();
}
