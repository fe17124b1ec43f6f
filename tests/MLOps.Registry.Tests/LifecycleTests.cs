using Microsoft.Data.Sqlite;

namespace MLOps.Registry.Tests;

public sealed class LifecycleTests : IDisposable
{
    private readonly TestRegistry _t = new();

    private SqliteModelRegistry Registry => _t.Registry;

    public void Dispose() => _t.Dispose();

    [Fact]
    public async Task CreateRegisteredModelAsync_NewName_StoresDescriptionTagsAndTimestamps()
    {
        var model = await Registry.CreateRegisteredModelAsync("fraud", "card fraud", new Dictionary<string, string> { ["team"] = "risk" });

        model.Name.Should().Be("fraud");
        model.Description.Should().Be("card fraud");
        model.Tags.Should().Equal(new Dictionary<string, string> { ["team"] = "risk" });
        model.CreatedAt.Should().Be(_t.Time.GetUtcNow());
        (await Registry.GetRegisteredModelAsync("fraud")).Should().BeEquivalentTo(model);
    }

    [Fact]
    public async Task CreateRegisteredModelAsync_ExistingName_ThrowsAlreadyExists()
    {
        await Registry.CreateRegisteredModelAsync("fraud");

        var act = async () => await Registry.CreateRegisteredModelAsync("fraud");

        (await act.Should().ThrowAsync<ModelAlreadyExistsException>()).Which.ModelName.Should().Be("fraud");
    }

    [Theory]
    [InlineData("")]
    [InlineData("a/b")]
    [InlineData("a@b")]
    [InlineData(" padded")]
    [InlineData("..")]
    [InlineData("bell\u0007")]
    public async Task CreateRegisteredModelAsync_BadName_ThrowsInvalidName(string name)
    {
        var act = async () => await Registry.CreateRegisteredModelAsync(name);

        (await act.Should().ThrowAsync<InvalidRegistryNameException>()).Which.Kind.Should().Be("model name");
    }

    [Fact]
    public async Task CreateModelVersionAsync_ThreeVersions_NumbersThemOneTwoThreeAsReady()
    {
        var versions = new List<ModelVersion>();
        for (var i = 0; i < 3; i++)
        {
            versions.Add(await _t.AddVersionAsync("fraud", 0.8));
        }

        versions.Select(v => v.Version).Should().Equal(1, 2, 3);
        versions.Should().AllSatisfy(v =>
        {
            v.Status.Should().Be(ModelVersionStatus.Ready);
            v.Stage.Should().Be(ModelStage.None);
        });
        versions[2].Source.Should().Be("models/fraud/3/mlp.onnx");
        versions[2].Uri.Should().Be("models:/fraud/3");
    }

    [Fact]
    public async Task CreateModelVersionAsync_ModelMissing_ThrowsNotFoundUnlessAskedToCreate()
    {
        var act = async () => await Registry.CreateModelVersionAsync(new ModelVersionRequest { ModelName = "nope", Source = "s3://bucket/model.onnx" });

        await act.Should().ThrowAsync<ModelNotFoundException>().WithMessage("*'nope'*CreateRegisteredModelAsync*");
    }

    [Fact]
    public async Task CreateModelVersionAsync_WithLineage_StoresSnapshotAndArtifactDigest()
    {
        await Registry.CreateRegisteredModelAsync("fraud");
        var lineage = new ModelLineage
        {
            RunId = "3f2a9c",
            DatasetFingerprint = "sha256:" + new string('a', 64),
            DatasetName = "transactions-2026-02",
            GitCommit = "0123456789abcdef0123456789abcdef01234567",
            Parameters = new Dictionary<string, string> { ["lr"] = "0.01", ["epochs"] = "20" },
            Metrics = new Dictionary<string, double> { ["f1"] = 0.91, ["auc"] = 0.97 },
        };

        var version = await Registry.CreateModelVersionAsync(new ModelVersionRequest
        {
            ModelName = "fraud",
            ArtifactFile = TestAssets.File("mlnet_fraud.onnx"),
            Description = "first",
            Tags = new Dictionary<string, string> { ["validation_status"] = "approved" },
            Lineage = lineage,
        });

        var read = await Registry.GetModelVersionAsync("fraud", 1);
        read.RunId.Should().Be("3f2a9c");
        read.Lineage.Should().BeEquivalentTo(lineage);
        read.Tags.Should().ContainKey("validation_status").WhoseValue.Should().Be("approved");
        read.Artifact!.Sha256.Should().Be(await ProcessRunner.Sha256SumAsync(TestAssets.File("mlnet_fraud.onnx")));
        read.Artifact.Length.Should().Be(new FileInfo(TestAssets.File("mlnet_fraud.onnx")).Length);
        version.Should().BeEquivalentTo(read);
    }

    [Fact]
    public async Task CreateModelVersionAsync_RunIdOnlyWithLineageSource_TakesLineageFromSource()
    {
        using var registry = new SqliteModelRegistry(_t.Options, _t.Artifacts, _t.Time, lineageSource: new FakeLineage());

        var version = await registry.CreateModelVersionAsync(new ModelVersionRequest { ModelName = "fraud", Source = "file:///m.onnx", RunId = "run-7", CreateModelIfMissing = true });

        version.Lineage!.GitCommit.Should().Be("abc123");
        version.Lineage.RunId.Should().Be("run-7");
        version.Lineage.Metrics["f1"].Should().Be(0.5);
    }

    [Fact]
    public async Task CreateModelVersionAsync_CorruptOnnx_LeavesFailedRegistrationWithReason()
    {
        await Registry.CreateRegisteredModelAsync("broken");
        var bytes = await File.ReadAllBytesAsync(TestAssets.File("mlp.onnx"));

        var act = async () => await Registry.CreateModelVersionAsync(new ModelVersionRequest
        {
            ModelName = "broken",
            ArtifactContent = new MemoryStream(bytes[..(bytes.Length / 2)]),
            ArtifactFileName = "model.onnx",
        });

        await act.Should().ThrowAsync<OnnxFormatException>();
        var version = await Registry.GetModelVersionAsync("broken", 1);
        version.Status.Should().Be(ModelVersionStatus.FailedRegistration);
        version.StatusMessage.Should().Contain("runs past the end");
        var promote = async () => await Registry.TransitionStageAsync("broken", 1, ModelStage.Production);
        await promote.Should().ThrowAsync<InvalidStageTransitionException>().WithMessage("*FAILED_REGISTRATION*");
    }

    [Fact]
    public async Task TransitionStageAsync_FullPath_NoneStagingProductionArchived()
    {
        await _t.AddVersionAsync("fraud");

        var staging = await Registry.TransitionStageAsync("fraud", 1, ModelStage.Staging, context: new("alice", "passed offline eval"));
        var production = await Registry.TransitionStageAsync("fraud", 1, ModelStage.Production, context: new("bob", "canary ok"));
        var archived = await Registry.TransitionStageAsync("fraud", 1, ModelStage.Archived);

        staging.Stage.Should().Be(ModelStage.Staging);
        production.Stage.Should().Be(ModelStage.Production);
        archived.Stage.Should().Be(ModelStage.Archived);
        var history = await Registry.GetHistoryAsync("fraud");
        history.Select(h => (h.Target.Name, h.Version, h.Actor)).Should().Equal(
            ("Staging", (int?)1, (string?)"alice"), ("Production", 1, "bob"), ("Archived", 1, null));
        history.Select(h => h.Sequence).Should().BeInAscendingOrder();
    }

    [Fact]
    public async Task TransitionStageAsync_ArchiveExisting_MovesEveryOtherHolderToArchived()
    {
        for (var i = 0; i < 3; i++)
        {
            await _t.AddVersionAsync("fraud");
        }

        await Registry.TransitionStageAsync("fraud", 1, ModelStage.Production);
        await Registry.TransitionStageAsync("fraud", 2, ModelStage.Production);
        await Registry.TransitionStageAsync("fraud", 3, ModelStage.Production, archiveExistingVersions: true);

        var stages = (await Registry.SearchModelVersionsAsync(new ModelVersionQuery { ModelName = "fraud" })).ToDictionary(v => v.Version, v => v.Stage);
        stages.Should().Equal(new Dictionary<int, ModelStage> { [1] = ModelStage.Archived, [2] = ModelStage.Archived, [3] = ModelStage.Production });
        var history = await Registry.GetHistoryAsync("fraud");
        history.TakeLast(3).Select(h => (h.Action, h.Target.Name, h.Version, h.PreviousVersion)).Should().Equal(
            (AssignmentAction.Set, "Production", (int?)3, (int?)2),
            (AssignmentAction.ArchivedExisting, "Archived", 1, null),
            (AssignmentAction.ArchivedExisting, "Archived", 2, null));
    }

    [Fact]
    public async Task TransitionStageAsync_WithoutArchiveExisting_KeepsBothInProduction()
    {
        await _t.AddVersionAsync("fraud");
        await _t.AddVersionAsync("fraud");

        await Registry.TransitionStageAsync("fraud", 1, ModelStage.Production);
        await Registry.TransitionStageAsync("fraud", 2, ModelStage.Production);

        (await Registry.SearchModelVersionsAsync(new ModelVersionQuery { ModelName = "fraud", Stage = ModelStage.Production })).Should().HaveCount(2);
        (await Registry.GetLatestVersionsAsync("fraud", [ModelStage.Production])).Should().ContainSingle().Which.Version.Should().Be(2);
    }

    [Theory]
    [InlineData(ModelStage.None)]
    [InlineData(ModelStage.Archived)]
    public async Task TransitionStageAsync_ArchiveExistingToNoneOrArchived_IsRefused(ModelStage stage)
    {
        await _t.AddVersionAsync("fraud");

        var act = async () => await Registry.TransitionStageAsync("fraud", 1, stage, archiveExistingVersions: true);

        await act.Should().ThrowAsync<InvalidStageTransitionException>().WithMessage("*only allowed when moving to Staging or Production*");
    }

    [Fact]
    public async Task SetAliasAsync_RepointAlias_RecordsPreviousVersionAndResolves()
    {
        await _t.AddVersionAsync("fraud");
        await _t.AddVersionAsync("fraud");

        var first = await Registry.SetAliasAsync("fraud", "champion", 1);
        var second = await Registry.SetAliasAsync("fraud", "champion", 2, new("ci", "nightly"));
        var again = await Registry.SetAliasAsync("fraud", "champion", 2);

        first.PreviousVersion.Should().BeNull();
        second.PreviousVersion.Should().Be(1);
        second.Version.Should().Be(2);
        again.Should().Be(second, "re-pointing to the same version is a no-op");
        (await Registry.GetVersionByAliasAsync("fraud", "champion")).Version.Should().Be(2);
        (await Registry.GetModelVersionAsync("fraud", 2)).Aliases.Should().Equal("champion");
        (await Registry.GetRegisteredModelAsync("fraud")).Aliases.Should().Equal(new Dictionary<string, int> { ["champion"] = 2 });
        (await Registry.GetHistoryAsync("fraud", AssignmentTarget.Alias("champion"))).Should().HaveCount(2);
    }

    [Theory]
    [InlineData("latest")]
    [InlineData("LATEST")]
    [InlineData("v1")]
    [InlineData("V12")]
    public async Task SetAliasAsync_ReservedAlias_ThrowsReservedAliasException(string alias)
    {
        await _t.AddVersionAsync("fraud");

        var act = async () => await Registry.SetAliasAsync("fraud", alias, 1);

        var error = (await act.Should().ThrowAsync<ReservedAliasException>()).Which;
        error.Value.Should().Be(alias);
        error.Message.Should().Contain($"'{alias}'").And.Contain("reserved").And.Contain("champion");
    }

    [Theory]
    [InlineData("champion!")]
    [InlineData("with space")]
    [InlineData("")]
    public async Task SetAliasAsync_BadCharacters_ThrowsInvalidName(string alias)
    {
        await _t.AddVersionAsync("fraud");

        var act = async () => await Registry.SetAliasAsync("fraud", alias, 1);

        (await act.Should().ThrowAsync<InvalidRegistryNameException>()).Which.Should().NotBeOfType<ReservedAliasException>();
    }

    [Theory]
    [InlineData("v")]
    [InlineData("v1a")]
    [InlineData("version2")]
    [InlineData("latest_v2")]
    public async Task SetAliasAsync_NearReservedAlias_IsAccepted(string alias)
    {
        await _t.AddVersionAsync("fraud");

        var record = await Registry.SetAliasAsync("fraud", alias, 1);

        record.Target.Should().Be(AssignmentTarget.Alias(alias));
    }

    [Fact]
    public async Task DeleteModelVersionAsync_VersionWithAlias_DeletesItsAliasesAsMlflowDoes()
    {
        await _t.AddVersionAsync("fraud");
        await _t.AddVersionAsync("fraud");
        await Registry.SetAliasAsync("fraud", "champion", 1);
        await Registry.SetAliasAsync("fraud", "challenger", 2);

        await Registry.DeleteModelVersionAsync("fraud", 1, new("alice", "bad data"));

        (await Registry.GetRegisteredModelAsync("fraud")).Aliases.Should().Equal(new Dictionary<string, int> { ["challenger"] = 2 });
        var get = async () => await Registry.GetVersionByAliasAsync("fraud", "champion");
        await get.Should().ThrowAsync<ModelNotFoundException>().Where(e => e.Alias == "champion");
        var last = (await Registry.GetHistoryAsync("fraud", AssignmentTarget.Alias("champion")))[^1];
        (last.Action, last.Version, last.PreviousVersion, last.Actor).Should().Be((AssignmentAction.Removed, (int?)null, (int?)1, "alice"));
        var next = await _t.AddVersionAsync("fraud");
        next.Version.Should().Be(3, "version numbers are never reused");
    }

    [Fact]
    public async Task DeleteRegisteredModelAsync_ModelWithAliases_RemovesEverythingAndKeepsHistory()
    {
        await _t.AddVersionAsync("fraud");
        await Registry.SetAliasAsync("fraud", "champion", 1);
        await Registry.TransitionStageAsync("fraud", 1, ModelStage.Production);
        var before = await Registry.GetLastSequenceAsync();

        await Registry.DeleteRegisteredModelAsync("fraud");

        var get = async () => await Registry.GetRegisteredModelAsync("fraud");
        await get.Should().ThrowAsync<ModelNotFoundException>();
        var changes = await Registry.GetChangesAsync(before);
        changes.Select(c => (c.Target.ToString(), c.Action, c.PreviousVersion)).Should().Equal(
            ("@champion", AssignmentAction.Removed, (int?)1), ("Production", AssignmentAction.Removed, 1));
        await using var connection = new SqliteConnection($"Data Source={_t.DatabasePath}");
        await connection.OpenAsync();
        var command = connection.CreateCommand();
        command.CommandText = "SELECT (SELECT count(*) FROM registry_versions) + (SELECT count(*) FROM registry_aliases), (SELECT count(*) FROM registry_history)";
        await using var reader = await command.ExecuteReaderAsync();
        reader.Read();
        reader.GetInt64(0).Should().Be(0);
        reader.GetInt64(1).Should().Be(4);

        var recreated = await Registry.CreateRegisteredModelAsync("fraud");
        recreated.Aliases.Should().BeEmpty();
        (await Registry.GetHistoryAsync("fraud")).Should().BeEmpty("the history of the deleted model is not the new model's");
    }

    [Fact]
    public async Task History_UpdateOrDelete_IsRefusedByTheDatabase()
    {
        await _t.AddVersionAsync("fraud");
        await Registry.SetAliasAsync("fraud", "champion", 1);
        await using var connection = new SqliteConnection($"Data Source={_t.DatabasePath}");
        await connection.OpenAsync();
        var command = connection.CreateCommand();

        command.CommandText = "UPDATE registry_history SET version = 99";
        var update = () => command.ExecuteNonQuery();
        command.CommandText = "DELETE FROM registry_history";
        var delete = () => command.ExecuteNonQuery();

        update.Should().Throw<SqliteException>().WithMessage("*append-only*");
        delete.Should().Throw<SqliteException>().WithMessage("*append-only*");
    }

    [Fact]
    public async Task ResolveAsync_EachUriKind_FindsTheRightVersion()
    {
        for (var i = 0; i < 4; i++)
        {
            await _t.AddVersionAsync("fraud");
        }

        await Registry.SetAliasAsync("fraud", "champion", 2);
        await Registry.TransitionStageAsync("fraud", 1, ModelStage.Production);
        await Registry.TransitionStageAsync("fraud", 3, ModelStage.Staging);

        (await Registry.ResolveAsync("models:/fraud/1")).Version.Should().Be(1);
        (await Registry.ResolveAsync("models:/fraud@champion")).Version.Should().Be(2);
        (await Registry.ResolveAsync("models:/fraud/production")).Version.Should().Be(1);
        (await Registry.ResolveAsync("models:/fraud/Staging")).Version.Should().Be(3);
        (await Registry.ResolveAsync("models:/fraud/latest")).Version.Should().Be(4);
        var missing = async () => await Registry.ResolveAsync("models:/fraud/Archived");
        await missing.Should().ThrowAsync<ModelNotFoundException>().WithMessage("*no version in stage 'Archived'*");
    }

    [Fact]
    public async Task SearchRegisteredModelsAsync_NameLikeAndTags_FiltersAndOrdersByName()
    {
        await Registry.CreateRegisteredModelAsync("fraud-eu", tags: new Dictionary<string, string> { ["team"] = "risk" });
        await Registry.CreateRegisteredModelAsync("fraud-us", tags: new Dictionary<string, string> { ["team"] = "risk" });
        await Registry.CreateRegisteredModelAsync("churn", tags: new Dictionary<string, string> { ["team"] = "growth" });
        await Registry.SetRegisteredModelTagAsync("fraud-us", "team", "payments");

        (await Registry.SearchRegisteredModelsAsync(new RegisteredModelQuery { NameLike = "fraud%" })).Select(m => m.Name).Should().Equal("fraud-eu", "fraud-us");
        (await Registry.SearchRegisteredModelsAsync(new RegisteredModelQuery { Tags = new Dictionary<string, string> { ["team"] = "risk" } })).Select(m => m.Name).Should().Equal("fraud-eu");
        (await Registry.SearchRegisteredModelsAsync()).Select(m => m.Name).Should().Equal("churn", "fraud-eu", "fraud-us");
    }

    [Fact]
    public async Task SearchModelVersionsAsync_ByTagAndRun_FindsMatches()
    {
        await _t.AddVersionAsync("fraud");
        await _t.AddVersionAsync("fraud");
        await Registry.SetModelVersionTagAsync("fraud", 2, "validation_status", "approved");
        await Registry.CreateModelVersionAsync(new ModelVersionRequest { ModelName = "fraud", Source = "s3://b/m", RunId = "r1" });

        (await Registry.SearchModelVersionsAsync(new ModelVersionQuery { Tags = new Dictionary<string, string> { ["validation_status"] = "approved" } })).Should().ContainSingle().Which.Version.Should().Be(2);
        (await Registry.SearchModelVersionsAsync(new ModelVersionQuery { RunId = "r1" })).Should().ContainSingle().Which.Version.Should().Be(3);
        await Registry.DeleteModelVersionTagAsync("fraud", 2, "validation_status");
        (await Registry.GetModelVersionAsync("fraud", 2)).Tags.Should().BeEmpty();
    }

    [Fact]
    public async Task Schema_NewerVersionInFile_IsRefusedWithUpgradeAdvice()
    {
        await _t.AddVersionAsync("fraud");
        await using (var connection = new SqliteConnection($"Data Source={_t.DatabasePath}"))
        {
            await connection.OpenAsync();
            var command = connection.CreateCommand();
            command.CommandText = "UPDATE mlops_schema SET version = 99 WHERE component = 'registry'";
            await command.ExecuteNonQueryAsync();
        }

        using var other = _t.OpenAnother();
        var act = async () => await other.GetRegisteredModelAsync("fraud");

        (await act.Should().ThrowAsync<RegistryStoreException>()).Which.Message.Should().Contain("schema version 99").And.Contain("Upgrade");
    }

    [Fact]
    public async Task Database_AfterFirstUse_IsInWalMode()
    {
        await Registry.CreateRegisteredModelAsync("fraud");
        await using var connection = new SqliteConnection($"Data Source={_t.DatabasePath}");
        await connection.OpenAsync();
        var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";

        (await command.ExecuteScalarAsync()).Should().Be("wal");
    }

    private sealed class FakeLineage : ILineageSource
    {
        public ValueTask<ModelLineage?> GetLineageAsync(string runId, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult<ModelLineage?>(new ModelLineage { GitCommit = "abc123", Metrics = new Dictionary<string, double> { ["f1"] = 0.5 } });
    }
}
