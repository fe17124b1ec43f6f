namespace MLOps.Registry.Tests;

/// <summary>
/// Rollback of aliases and stages (shared contract: <c>RollbackTests</c> on SQLite, <c>MlflowRollbackTests</c> on the
/// MLflow backend). Rollback walks the assignment history, so every test needs <see cref="RegistryCapability.AssignmentHistory"/>.
/// </summary>
public abstract class RollbackContract : RegistryContract
{
    /// <inheritdoc/>
    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        Require(RegistryCapability.AssignmentHistory);
    }

    [Fact]
    public async Task RollbackAsync_Alias_WalksBackOneAssignmentAtATime()
    {
        for (var i = 1; i <= 3; i++)
        {
            await AddVersionAsync("fraud");
            await Registry.SetAliasAsync("fraud", "champion", i);
        }

        var first = await Registry.RollbackAsync("fraud", AssignmentTarget.Alias("champion"), new("oncall", "p99 regression"));
        var second = await Registry.RollbackAsync("fraud", AssignmentTarget.Alias("champion"));
        var third = async () => await Registry.RollbackAsync("fraud", AssignmentTarget.Alias("champion"));

        (first.FromVersion, first.ToVersion).Should().Be(((int?)3, 2));
        first.Record.Action.Should().Be(AssignmentAction.Rollback);
        first.Record.Actor.Should().Be("oncall");
        (second.FromVersion, second.ToVersion).Should().Be(((int?)2, 1));
        (await third.Should().ThrowAsync<RollbackUnavailableException>()).Which.Message.Should().Contain("nothing held it before version 1");
        (await Registry.GetVersionByAliasAsync("fraud", "champion")).Version.Should().Be(1);
        var history = await Registry.GetHistoryAsync("fraud", AssignmentTarget.Alias("champion"));
        history.Select(h => (h.Action, h.Version, h.RevertsSequence)).Should().Equal(
            (AssignmentAction.Set, (int?)1, (long?)null),
            (AssignmentAction.Set, 2, null),
            (AssignmentAction.Set, 3, null),
            (AssignmentAction.Rollback, 2, history[2].Sequence),
            (AssignmentAction.Rollback, 1, history[1].Sequence));
    }

    [Fact]
    public async Task RollbackAsync_AfterNewAssignment_RestoresTheVersionBeforeIt()
    {
        for (var i = 1; i <= 3; i++)
        {
            await AddVersionAsync("fraud");
        }

        await Registry.SetAliasAsync("fraud", "champion", 1);
        await Registry.SetAliasAsync("fraud", "champion", 2);
        await Registry.RollbackAsync("fraud", AssignmentTarget.Alias("champion"));
        await Registry.SetAliasAsync("fraud", "champion", 3);

        var result = await Registry.RollbackAsync("fraud", AssignmentTarget.Alias("champion"));

        result.ToVersion.Should().Be(1);
    }

    [Fact]
    public async Task RollbackAsync_ProductionStage_RestoresPreviousHolderAndArchivesCurrent()
    {
        await AddVersionAsync("fraud");
        await AddVersionAsync("fraud");
        await Registry.TransitionStageAsync("fraud", 1, ModelStage.Production, archiveExistingVersions: true);
        await Registry.TransitionStageAsync("fraud", 2, ModelStage.Production, archiveExistingVersions: true);

        var result = await Registry.RollbackAsync("fraud", AssignmentTarget.Stage(ModelStage.Production));

        (result.FromVersion, result.ToVersion).Should().Be(((int?)2, 1));
        (await Registry.GetModelVersionAsync("fraud", 1)).Stage.Should().Be(ModelStage.Production);
        (await Registry.GetModelVersionAsync("fraud", 2)).Stage.Should().Be(ModelStage.Archived);
        (await Registry.ResolveAsync("models:/fraud/Production")).Version.Should().Be(1);
    }

    [Fact]
    public async Task RollbackAsync_PreviousHolderDeleted_ThrowsWithAdvice()
    {
        await AddVersionAsync("fraud");
        await AddVersionAsync("fraud");
        await Registry.SetAliasAsync("fraud", "champion", 1);
        await Registry.SetAliasAsync("fraud", "champion", 2);
        await Registry.DeleteModelVersionAsync("fraud", 1);

        var act = async () => await Registry.RollbackAsync("fraud", AssignmentTarget.Alias("champion"));

        await act.Should().ThrowAsync<RollbackUnavailableException>().WithMessage("*version 1, has been deleted*");
        (await Registry.GetVersionByAliasAsync("fraud", "champion")).Version.Should().Be(2, "a refused rollback changes nothing");
    }

    [Fact]
    public async Task RollbackAsync_ArchivedStage_IsRefused()
    {
        await AddVersionAsync("fraud");

        var act = async () => await Registry.RollbackAsync("fraud", AssignmentTarget.Stage(ModelStage.Archived));

        await act.Should().ThrowAsync<RollbackUnavailableException>().WithMessage("*only the Staging and Production*");
    }

    [Fact]
    public async Task RollbackAsync_NoHistory_Throws()
    {
        await AddVersionAsync("fraud");

        var act = async () => await Registry.RollbackAsync("fraud", AssignmentTarget.Alias("champion"));

        await act.Should().ThrowAsync<RollbackUnavailableException>().WithMessage("*no assignment*");
    }
}
