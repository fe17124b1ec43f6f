namespace MLOps.Registry.Tests;

/// <summary>
/// The promotion gate over an <see cref="IModelRegistry"/> (shared contract: <c>PromotionGateTests</c> on SQLite,
/// <c>MlflowPromotionGateTests</c> on the MLflow backend). The gate compares the metrics of the versions' lineage, so
/// every test on a registry needs <see cref="RegistryCapability.Lineage"/>; the checks of the assignment history are
/// made only where the backend keeps one.
/// </summary>
public abstract class PromotionGateContract : RegistryContract
{
    private PromotionGate _gate = null!;

    /// <inheritdoc/>
    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        _gate = new PromotionGate(Registry, Time);
    }

    [Theory]
    [InlineData(0.80, 0.82, true)] // +2.5 %
    [InlineData(0.80, 0.816, true)] // exactly +2 %: the threshold passes
    [InlineData(0.80, 0.8159, false)] // +1.99 %
    [InlineData(0.80, 0.81, false)] // +1.25 %
    [InlineData(0.80, 0.70, false)] // worse
    public async Task EvaluateAsync_HigherIsBetter_PassesFromTwoPercent(double incumbent, double candidate, bool passes)
    {
        Require(RegistryCapability.Lineage);
        await ProductionWithAsync("f1", incumbent);
        await AddAsync("f1", candidate);

        var decision = await _gate.EvaluateAsync("fraud", 2, new PromotionPolicy { Metric = "f1" });

        decision.Passed.Should().Be(passes);
        decision.IncumbentVersion.Should().Be(1);
        decision.RelativeImprovement.Should().BeApproximately((candidate - incumbent) / incumbent, 1e-12);
    }

    [Theory]
    [InlineData(0.50, 0.49, true)] // loss down 2 %
    [InlineData(0.50, 0.40, true)]
    [InlineData(0.50, 0.495, false)] // down 1 %
    [InlineData(0.50, 0.51, false)] // up: worse
    public async Task EvaluateAsync_LowerIsBetter_PassesWhenLossFallsTwoPercent(double incumbent, double candidate, bool passes)
    {
        Require(RegistryCapability.Lineage);
        await ProductionWithAsync("loss", incumbent);
        await AddAsync("loss", candidate);

        var decision = await _gate.EvaluateAsync("fraud", 2, new PromotionPolicy { Metric = "loss", Direction = MetricDirection.LowerIsBetter });

        decision.Passed.Should().Be(passes);
        decision.RelativeImprovement.Should().BeApproximately((incumbent - candidate) / incumbent, 1e-12);
    }

    [Fact]
    public async Task EvaluateAsync_Tie_IsRejectedEvenWithZeroThreshold()
    {
        Require(RegistryCapability.Lineage);
        await ProductionWithAsync("f1", 0.8);
        await AddAsync("f1", 0.8);

        var decision = await _gate.EvaluateAsync("fraud", 2, new PromotionPolicy { Metric = "f1", MinRelativeImprovement = 0 });

        decision.Passed.Should().BeFalse();
        decision.Reason.Should().Contain("tie");
    }

    [Fact]
    public async Task EvaluateAsync_CandidateLacksMetric_ThrowsNamingMetricAndWhatExists()
    {
        Require(RegistryCapability.Lineage);
        await ProductionWithAsync("f1", 0.8);
        await AddAsync("auc", 0.9);

        var act = async () => await _gate.EvaluateAsync("fraud", 2, new PromotionPolicy { Metric = "f1" });

        var error = (await act.Should().ThrowAsync<PromotionMetricMissingException>()).Which;
        (error.Version, error.Metric).Should().Be((2, "f1"));
        error.Message.Should().Contain("'f1'").And.Contain("it has: auc").And.Contain("Lineage.Metrics");
        (await Registry.GetModelVersionAsync("fraud", 2)).Tags.Should().NotContainKey("mlops.promotion.decision");
    }

    [Fact]
    public async Task EvaluateAsync_IncumbentLacksMetric_ThrowsNamingIncumbent()
    {
        Require(RegistryCapability.Lineage);
        await ProductionWithAsync("auc", 0.8);
        await AddAsync("f1", 0.9);

        var act = async () => await _gate.EvaluateAsync("fraud", 2, new PromotionPolicy { Metric = "f1" });

        (await act.Should().ThrowAsync<PromotionMetricMissingException>()).Which.Version.Should().Be(1);
    }

    [Fact]
    public async Task EvaluateAsync_NoIncumbent_PassesAsFirst()
    {
        Require(RegistryCapability.Lineage);
        await AddAsync("f1", 0.5);

        var decision = await _gate.EvaluateAsync("fraud", 1, new PromotionPolicy { Metric = "f1" });

        decision.Passed.Should().BeTrue();
        decision.IncumbentVersion.Should().BeNull();
        decision.Reason.Should().Contain("first");
    }

    [Fact]
    public async Task EvaluateAsync_Decision_IsRecordedAsVersionTags()
    {
        Require(RegistryCapability.Lineage);
        await ProductionWithAsync("f1", 0.8);
        await AddAsync("f1", 0.81);

        await _gate.EvaluateAsync("fraud", 2, new PromotionPolicy { Metric = "f1" });

        var tags = (await Registry.GetModelVersionAsync("fraud", 2)).Tags;
        tags["mlops.promotion.decision"].Should().Be("rejected");
        tags["mlops.promotion.reason"].Should().Be("f1 0.81 vs 0.8 of version 1 (higher is better): +1.25%, less than the required 2%.");
        tags["mlops.promotion.metric"].Should().Be("f1");
        tags["mlops.promotion.candidate_value"].Should().Be("0.81");
        tags["mlops.promotion.incumbent_version"].Should().Be("1");
        tags["mlops.promotion.incumbent_value"].Should().Be("0.8");
        tags["mlops.promotion.threshold"].Should().Be("0.02");
        tags["mlops.promotion.target"].Should().Be("Production");
        tags["mlops.promotion.evaluated_at"].Should().Be("2026-03-01T12:00:00.0000000+00:00");
    }

    [Fact]
    public async Task EvaluateAsync_PassWithPromoteToAliasTarget_MovesAliasWithGateAsActor()
    {
        Require(RegistryCapability.Lineage);
        await AddAsync("f1", 0.8);
        await Registry.SetAliasAsync("fraud", "champion", 1);
        await AddAsync("f1", 0.9);

        var decision = await _gate.EvaluateAsync("fraud", 2, new PromotionPolicy { Metric = "f1", Target = AssignmentTarget.Alias("champion"), OnPass = PromotionOnPass.PromoteToTarget });

        decision.PromotedTo.Should().Be(AssignmentTarget.Alias("champion"));
        (await Registry.GetVersionByAliasAsync("fraud", "champion")).Version.Should().Be(2);
        if (Has(RegistryCapability.AssignmentHistory))
        {
            var last = (await Registry.GetHistoryAsync("fraud", AssignmentTarget.Alias("champion")))[^1];
            last.Actor.Should().Be("promotion-gate");
            last.Reason.Should().StartWith("promotion gate passed: f1 0.9 vs 0.8");
        }
    }

    [Fact]
    public async Task EvaluateAsync_PassWithTransitionToStaging_ArchivesPreviousStaging()
    {
        Require(RegistryCapability.Lineage);
        await ProductionWithAsync("f1", 0.8);
        await AddAsync("f1", 0.7);
        await Registry.TransitionStageAsync("fraud", 2, ModelStage.Staging);
        await AddAsync("f1", 0.9);

        var decision = await _gate.EvaluateAsync("fraud", 3, new PromotionPolicy { Metric = "f1", OnPass = PromotionOnPass.TransitionToStaging });

        decision.PromotedTo.Should().Be(AssignmentTarget.Stage(ModelStage.Staging));
        (await Registry.GetModelVersionAsync("fraud", 3)).Stage.Should().Be(ModelStage.Staging);
        (await Registry.GetModelVersionAsync("fraud", 2)).Stage.Should().Be(ModelStage.Archived);
        (await Registry.GetModelVersionAsync("fraud", 1)).Stage.Should().Be(ModelStage.Production, "production is promoted by a person or a PromoteToTarget policy");
    }

    [Fact]
    public async Task EvaluateAsync_RejectedWithPromotePolicy_ChangesNoAssignment()
    {
        Require(RegistryCapability.Lineage);
        await ProductionWithAsync("f1", 0.8);
        await AddAsync("f1", 0.801);
        var before = Has(RegistryCapability.AssignmentHistory) ? await Registry.GetLastSequenceAsync() : 0;

        var decision = await _gate.EvaluateAsync("fraud", 2, new PromotionPolicy { Metric = "f1", OnPass = PromotionOnPass.PromoteToTarget });

        decision.Passed.Should().BeFalse();
        decision.PromotedTo.Should().BeNull();
        (await Registry.GetModelVersionAsync("fraud", 1)).Stage.Should().Be(ModelStage.Production);
        (await Registry.GetModelVersionAsync("fraud", 2)).Stage.Should().Be(ModelStage.None);
        if (Has(RegistryCapability.AssignmentHistory))
        {
            (await Registry.GetLastSequenceAsync()).Should().Be(before);
        }
    }

    private async Task ProductionWithAsync(string metric, double value)
    {
        await AddAsync(metric, value);
        await Registry.TransitionStageAsync("fraud", 1, ModelStage.Production);
    }

    private Task<ModelVersion> AddAsync(string metric, double value) =>
        AddVersionAsync("fraud", metrics: new Dictionary<string, double> { [metric] = value });
}
