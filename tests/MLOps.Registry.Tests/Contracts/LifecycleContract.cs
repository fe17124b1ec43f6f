namespace MLOps.Registry.Tests;

/// <summary>
/// The <see cref="IModelRegistry"/> behaviour contract (MLflow's registry semantics, mlflow.md §6): registered
/// models, versions, stages, aliases, tags, search and URI resolution. Run on SQLite by <c>LifecycleTests</c> and on the
/// MLflow backend by <c>MlflowLifecycleTests</c>; assertions about the assignment history or the full lineage only run
/// on backends that keep them (<see cref="RegistryCapability"/>).
/// </summary>
public abstract class LifecycleContract : RegistryContract
{
    [Fact]
    public async Task CreateRegisteredModelAsync_NewName_StoresDescriptionTagsAndTimestamps()
    {
        var model = await Registry.CreateRegisteredModelAsync("fraud", "card fraud", new Dictionary<string, string> { ["team"] = "risk" });

        model.Name.Should().Be("fraud");
        model.Description.Should().Be("card fraud");
        model.Tags.Should().Equal(new Dictionary<string, string> { ["team"] = "risk" });
        model.CreatedAt.Should().Be(Time.GetUtcNow());
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
            versions.Add(await AddVersionAsync("fraud", 0.8));
        }

        versions.Select(v => v.Version).Should().Equal(1, 2, 3);
        versions.Should().AllSatisfy(v =>
        {
            v.Status.Should().Be(ModelVersionStatus.Ready);
            v.Stage.Should().Be(ModelStage.None);
        });
        if (Has(RegistryCapability.EmbeddedSources))
        {
            versions[2].Source.Should().Be("models/fraud/3/mlp.onnx");
        }

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
        if (Has(RegistryCapability.Lineage))
        {
            read.Lineage.Should().BeEquivalentTo(lineage);
        }

        read.Tags.Should().ContainKey("validation_status").WhoseValue.Should().Be("approved");
        read.Artifact!.Sha256.Should().Be(await ProcessRunner.Sha256SumAsync(TestAssets.File("mlnet_fraud.onnx")));
        read.Artifact.Length.Should().Be(new FileInfo(TestAssets.File("mlnet_fraud.onnx")).Length);
        version.Should().BeEquivalentTo(read);
    }

    [Fact]
    public async Task CreateModelVersionAsync_CorruptOnnx_LeavesFailedRegistrationWithReason()
    {
        Require(RegistryCapability.ArtifactValidation);
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
        await AddVersionAsync("fraud");

        var staging = await Registry.TransitionStageAsync("fraud", 1, ModelStage.Staging, context: new("alice", "passed offline eval"));
        var production = await Registry.TransitionStageAsync("fraud", 1, ModelStage.Production, context: new("bob", "canary ok"));
        var archived = await Registry.TransitionStageAsync("fraud", 1, ModelStage.Archived);

        staging.Stage.Should().Be(ModelStage.Staging);
        production.Stage.Should().Be(ModelStage.Production);
        archived.Stage.Should().Be(ModelStage.Archived);
        (await Registry.GetModelVersionAsync("fraud", 1)).Stage.Should().Be(ModelStage.Archived);
        if (!Has(RegistryCapability.AssignmentHistory))
        {
            return;
        }

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
            await AddVersionAsync("fraud");
        }

        await Registry.TransitionStageAsync("fraud", 1, ModelStage.Production);
        await Registry.TransitionStageAsync("fraud", 2, ModelStage.Production);
        await Registry.TransitionStageAsync("fraud", 3, ModelStage.Production, archiveExistingVersions: true);

        var stages = (await Registry.SearchModelVersionsAsync(new ModelVersionQuery { ModelName = "fraud" })).ToDictionary(v => v.Version, v => v.Stage);
        stages.Should().Equal(new Dictionary<int, ModelStage> { [1] = ModelStage.Archived, [2] = ModelStage.Archived, [3] = ModelStage.Production });
        if (!Has(RegistryCapability.AssignmentHistory))
        {
            return;
        }

        var history = await Registry.GetHistoryAsync("fraud");
        history.TakeLast(3).Select(h => (h.Action, h.Target.Name, h.Version, h.PreviousVersion)).Should().Equal(
            (AssignmentAction.Set, "Production", (int?)3, (int?)2),
            (AssignmentAction.ArchivedExisting, "Archived", 1, null),
            (AssignmentAction.ArchivedExisting, "Archived", 2, null));
    }

    [Fact]
    public async Task TransitionStageAsync_WithoutArchiveExisting_KeepsBothInProduction()
    {
        await AddVersionAsync("fraud");
        await AddVersionAsync("fraud");

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
        await AddVersionAsync("fraud");

        var act = async () => await Registry.TransitionStageAsync("fraud", 1, stage, archiveExistingVersions: true);

        await act.Should().ThrowAsync<InvalidStageTransitionException>().WithMessage("*only allowed when moving to Staging or Production*");
    }

    [Fact]
    public async Task SetAliasAsync_RepointAlias_RecordsPreviousVersionAndResolves()
    {
        await AddVersionAsync("fraud");
        await AddVersionAsync("fraud");

        var first = await Registry.SetAliasAsync("fraud", "champion", 1);
        var second = await Registry.SetAliasAsync("fraud", "champion", 2, new("ci", "nightly"));
        var again = await Registry.SetAliasAsync("fraud", "champion", 2);

        first.PreviousVersion.Should().BeNull();
        second.PreviousVersion.Should().Be(1);
        second.Version.Should().Be(2);
        again.Version.Should().Be(2);
        (await Registry.GetVersionByAliasAsync("fraud", "champion")).Version.Should().Be(2);
        (await Registry.GetModelVersionAsync("fraud", 2)).Aliases.Should().Equal("champion");
        (await Registry.GetRegisteredModelAsync("fraud")).Aliases.Should().Equal(new Dictionary<string, int> { ["champion"] = 2 });
        if (Has(RegistryCapability.AssignmentHistory))
        {
            again.Should().Be(second, "re-pointing to the same version is a no-op");
            (await Registry.GetHistoryAsync("fraud", AssignmentTarget.Alias("champion"))).Should().HaveCount(2);
        }
    }

    [Theory]
    [InlineData("latest")]
    [InlineData("LATEST")]
    [InlineData("v1")]
    [InlineData("V12")]
    public async Task SetAliasAsync_ReservedAlias_ThrowsReservedAliasException(string alias)
    {
        await AddVersionAsync("fraud");

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
        await AddVersionAsync("fraud");

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
        await AddVersionAsync("fraud");

        var record = await Registry.SetAliasAsync("fraud", alias, 1);

        record.Target.Should().Be(AssignmentTarget.Alias(alias));
    }

    [Fact]
    public async Task DeleteModelVersionAsync_VersionWithAlias_DeletesItsAliasesAsMlflowDoes()
    {
        await AddVersionAsync("fraud");
        await AddVersionAsync("fraud");
        await Registry.SetAliasAsync("fraud", "champion", 1);
        await Registry.SetAliasAsync("fraud", "challenger", 2);

        await Registry.DeleteModelVersionAsync("fraud", 1, new("alice", "bad data"));

        (await Registry.GetRegisteredModelAsync("fraud")).Aliases.Should().Equal(new Dictionary<string, int> { ["challenger"] = 2 });
        var get = async () => await Registry.GetVersionByAliasAsync("fraud", "champion");
        await get.Should().ThrowAsync<ModelNotFoundException>().Where(e => e.Alias == "champion");
        if (Has(RegistryCapability.AssignmentHistory))
        {
            var last = (await Registry.GetHistoryAsync("fraud", AssignmentTarget.Alias("champion")))[^1];
            (last.Action, last.Version, last.PreviousVersion, last.Actor).Should().Be((AssignmentAction.Removed, (int?)null, (int?)1, "alice"));
        }

        var next = await AddVersionAsync("fraud");
        next.Version.Should().Be(3, "version numbers are never reused");
    }

    [Fact]
    public async Task DeleteRegisteredModelAsync_ModelWithAliases_RemovesEverythingAndKeepsHistory()
    {
        await AddVersionAsync("fraud");
        await Registry.SetAliasAsync("fraud", "champion", 1);
        await Registry.TransitionStageAsync("fraud", 1, ModelStage.Production);
        var history = Has(RegistryCapability.AssignmentHistory);
        var before = history ? await Registry.GetLastSequenceAsync() : 0;

        await Registry.DeleteRegisteredModelAsync("fraud");

        var get = async () => await Registry.GetRegisteredModelAsync("fraud");
        await get.Should().ThrowAsync<ModelNotFoundException>();
        (await Registry.SearchModelVersionsAsync(new ModelVersionQuery { ModelName = "fraud" })).Should().BeEmpty();
        if (history)
        {
            var changes = await Registry.GetChangesAsync(before);
            changes.Select(c => (c.Target.ToString(), c.Action, c.PreviousVersion)).Should().Equal(
                ("@champion", AssignmentAction.Removed, (int?)1), ("Production", AssignmentAction.Removed, 1));
        }

        await AssertStorageAfterModelDeleteAsync();

        var recreated = await Registry.CreateRegisteredModelAsync("fraud");
        recreated.Aliases.Should().BeEmpty();
        var noAlias = async () => await Registry.GetVersionByAliasAsync("fraud", "champion");
        await noAlias.Should().ThrowAsync<ModelNotFoundException>();
        if (history)
        {
            (await Registry.GetHistoryAsync("fraud")).Should().BeEmpty("the history of the deleted model is not the new model's");
        }
    }

    [Fact]
    public async Task ResolveAsync_EachUriKind_FindsTheRightVersion()
    {
        for (var i = 0; i < 4; i++)
        {
            await AddVersionAsync("fraud");
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
    public async Task SearchRegisteredModelsAsync_NameLike_AsciiCaseInsensitiveWithWildcards()
    {
        await Registry.CreateRegisteredModelAsync("Churn-EU");
        await Registry.CreateRegisteredModelAsync("churn_us");
        await Registry.CreateRegisteredModelAsync("fraud");

        (await Registry.SearchRegisteredModelsAsync(new RegisteredModelQuery { NameLike = "CHURN%" })).Select(m => m.Name).Should().Equal("Churn-EU", "churn_us");
        (await Registry.SearchRegisteredModelsAsync(new RegisteredModelQuery { NameLike = "churn_u_" })).Select(m => m.Name).Should().Equal("churn_us");
        (await Registry.SearchRegisteredModelsAsync(new RegisteredModelQuery { NameLike = "%au%" })).Select(m => m.Name).Should().Equal("fraud");
        (await Registry.SearchRegisteredModelsAsync(new RegisteredModelQuery { NameLike = "churn" })).Should().BeEmpty();
    }

    [Fact]
    public async Task SearchModelVersionsAsync_ByTagAndRun_FindsMatches()
    {
        await AddVersionAsync("fraud");
        await AddVersionAsync("fraud");
        await Registry.SetModelVersionTagAsync("fraud", 2, "validation_status", "approved");
        await Registry.CreateModelVersionAsync(new ModelVersionRequest { ModelName = "fraud", Source = "s3://b/m", RunId = "r1" });

        (await Registry.SearchModelVersionsAsync(new ModelVersionQuery { Tags = new Dictionary<string, string> { ["validation_status"] = "approved" } })).Should().ContainSingle().Which.Version.Should().Be(2);
        (await Registry.SearchModelVersionsAsync(new ModelVersionQuery { RunId = "r1" })).Should().ContainSingle().Which.Version.Should().Be(3);
        await Registry.DeleteModelVersionTagAsync("fraud", 2, "validation_status");
        (await Registry.GetModelVersionAsync("fraud", 2)).Tags.Should().BeEmpty();
    }

    // Versions registered by reference (Source), which every backend supports.
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

    /// <summary>Checks the backend's own storage after <c>DeleteRegisteredModelAsync</c>; nothing to check by default.</summary>
    /// <returns>A task.</returns>
    protected virtual Task AssertStorageAfterModelDeleteAsync() => Task.CompletedTask;
}
