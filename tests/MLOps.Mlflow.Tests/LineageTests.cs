using System.Text.Json;
using MLOps.Registry;
using MLOps.Tracking;

namespace MLOps.Mlflow.Tests;

/// <summary>
/// Lineage over MLflow: kept as <c>mlops.lineage.*</c> version tags at registration, or read from the source run of a
/// version registered by another client (Python's <c>register_model</c> sets only <c>run_id</c>).
/// </summary>
public sealed class LineageTests
{
    private const string RunsGet = "/api/2.0/mlflow/runs/get";

    [Fact]
    public async Task Gate_VersionsRegisteredWithOnlyRunId_ComparesTheRunsLatestMetrics()
    {
        await using var h = new Harness();
        // MLflow's latest value is the point with the largest (step, timestamp, value), not the last logged or the best.
        var incumbentRun = await RunAsync(h, new Metric("f1", 0.70, 1000, 0), new Metric("f1", 0.80, 1500, 5), new Metric("f1", 0.99, 9000, 2));
        var candidateRun = await RunAsync(h, new Metric("f1", 0.95, 1000, 0), new Metric("f1", 0.84, 2000, 3));
        await h.Client.CreateRegisteredModelAsync("fraud");
        await h.Client.CreateModelVersionAsync("fraud", "s3://models/fraud/1", incumbentRun);
        await h.Client.TransitionModelVersionStageAsync("fraud", 1, ModelStage.Production, archiveExistingVersions: false);
        await h.Client.CreateModelVersionAsync("fraud", "s3://models/fraud/2", candidateRun);
        var gate = new PromotionGate(new MlflowModelRegistry(h.Client));
        var runReadsBefore = h.Server.RequestsTo(RunsGet).Count;

        var decision = await gate.EvaluateAsync("fraud", 2, new PromotionPolicy { Metric = "f1" });

        (decision.CandidateValue, decision.IncumbentValue, decision.IncumbentVersion).Should().Be((0.84, 0.80, 1));
        decision.RelativeImprovement.Should().BeApproximately(0.05, 1e-12); // (0.84 - 0.80) / 0.80
        decision.Passed.Should().BeTrue();
        h.Server.RequestsTo(RunsGet).Count.Should().Be(runReadsBefore + 2, "one run read for the candidate and one for the holder");
    }

    [Fact]
    public async Task GetModelVersion_RunOnlyVersion_LineageFromRunButNotOnListReads()
    {
        await using var h = new Harness();
        var sha = new string('c', 64);
        var runId = await RunAsync(h, new Metric("auc", 0.93, 1000, 1));
        await h.Client.LogBatchAsync(runId, ReadOnlyMemory<Metric>.Empty, [new Param("lr", "0.01")], [new RunTag(MlflowTags.GitCommit, "0123abcd")]);
        await h.Client.LogInputsAsync(runId,
        [
            new DatasetInput { Name = "holdout", Digest = "d2", SourceType = "local", Source = "{}", Tags = new Dictionary<string, string> { [MlflowTags.DatasetContext] = "eval" } },
            new DatasetInput { Name = "transactions", Digest = sha[..36], SourceType = "local", Source = "{}", Profile = $$"""{"sha256":"{{sha}}","size_bytes":10}""", Tags = new Dictionary<string, string> { [MlflowTags.DatasetContext] = "training" } },
        ]);
        await h.Client.CreateRegisteredModelAsync("fraud");
        await h.Client.CreateModelVersionAsync("fraud", "s3://models/fraud/1", runId, new Dictionary<string, string> { ["team"] = "risk" });
        var registry = new MlflowModelRegistry(h.Client);

        var version = await registry.GetModelVersionAsync("fraud", 1);
        var listed = (await registry.SearchModelVersionsAsync(new ModelVersionQuery { ModelName = "fraud" })).Single();

        version.Lineage.Should().BeEquivalentTo(new ModelLineage
        {
            RunId = runId,
            Metrics = new Dictionary<string, double> { ["auc"] = 0.93 },
            Parameters = new Dictionary<string, string> { ["lr"] = "0.01" },
            GitCommit = "0123abcd",
            DatasetName = "transactions",
            DatasetFingerprint = sha,
        });
        version.Tags.Should().Equal(new Dictionary<string, string> { ["team"] = "risk" });
        listed.Lineage.Should().BeNull("a list read would cost one run request per version");
        h.Server.RequestsTo(RunsGet).Should().HaveCount(1);
    }

    [Fact]
    public async Task Gate_LineageFromRunOff_ThrowsMetricMissing()
    {
        await using var h = new Harness(o => o.LineageFromRun = false);
        var runId = await RunAsync(h, new Metric("f1", 0.9, 1000, 0));
        await h.Client.CreateRegisteredModelAsync("fraud");
        await h.Client.CreateModelVersionAsync("fraud", "s3://models/fraud/1", runId);
        var gate = new PromotionGate(new MlflowModelRegistry(h.Client));

        var act = async () => await gate.EvaluateAsync("fraud", 1, new PromotionPolicy { Metric = "f1" });

        await act.Should().ThrowAsync<PromotionMetricMissingException>();
        h.Server.RequestsTo(RunsGet).Should().BeEmpty();
    }

    [Fact]
    public async Task GetModelVersion_RunDeletedForGood_LineageNull()
    {
        await using var h = new Harness();
        await h.Client.CreateRegisteredModelAsync("fraud");
        await h.Client.CreateModelVersionAsync("fraud", "s3://models/fraud/1", "0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f");

        var version = await new MlflowModelRegistry(h.Client).GetModelVersionAsync("fraud", 1);

        version.Lineage.Should().BeNull();
        version.RunId.Should().Be("0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f");
    }

    [Fact]
    public async Task CreateModelVersion_Lineage_SentAsTagsInRoundTripFormAndReadBackOutsideTags()
    {
        await using var h = new Harness();
        var runId = await RunAsync(h, new Metric("f1", 0.5, 1000, 0));
        var registry = new MlflowModelRegistry(h.Client);
        var lineage = new ModelLineage
        {
            RunId = runId,
            Metrics = new Dictionary<string, double> { ["f1"] = 0.1 + 0.2, ["val/loss"] = double.NaN, ["big"] = 1e300 },
            Parameters = new Dictionary<string, string> { ["lr"] = "3e-4" },
            DatasetName = "transactions-2026-02",
            DatasetFingerprint = "sha256:" + new string('a', 64),
            GitCommit = "0123456789abcdef0123456789abcdef01234567",
        };

        await registry.CreateModelVersionAsync(new ModelVersionRequest
        {
            ModelName = "fraud",
            Source = "s3://models/fraud/1",
            CreateModelIfMissing = true,
            Tags = new Dictionary<string, string> { ["team"] = "risk" },
            Lineage = lineage,
        });
        var read = await registry.GetModelVersionAsync("fraud", 1);

        var sent = JsonDocument.Parse(h.Server.RequestsTo("/api/2.0/mlflow/model-versions/create").Single().Body).RootElement;
        var tags = sent.GetProperty("tags").EnumerateArray().ToDictionary(t => t.GetProperty("key").GetString()!, t => t.GetProperty("value").GetString());
        tags.Should().Equal(new Dictionary<string, string?>
        {
            ["team"] = "risk",
            ["mlops.lineage.metric.f1"] = "0.30000000000000004",
            ["mlops.lineage.metric.val/loss"] = "NaN",
            ["mlops.lineage.metric.big"] = "1E+300",
            ["mlops.lineage.param.lr"] = "3e-4",
            ["mlops.lineage.dataset.name"] = "transactions-2026-02",
            ["mlops.lineage.dataset.fingerprint"] = "sha256:" + new string('a', 64),
            ["mlops.lineage.git.commit"] = "0123456789abcdef0123456789abcdef01234567",
        });
        sent.GetProperty("run_id").GetString().Should().Be(runId);
        read.Lineage.Should().BeEquivalentTo(lineage);
        read.Lineage!.Metrics["f1"].Should().Be(0.30000000000000004);
        read.Tags.Should().Equal(new Dictionary<string, string> { ["team"] = "risk" });
        h.Server.RequestsTo(RunsGet).Should().BeEmpty("the tags are the snapshot; the run (f1 0.5) is not read");
    }

    [Fact]
    public async Task CreateModelVersion_LineageRunIdOtherThanVersions_KeptAsTag()
    {
        await using var h = new Harness();
        var registry = new MlflowModelRegistry(h.Client);

        await registry.CreateModelVersionAsync(new ModelVersionRequest
        {
            ModelName = "fraud",
            Source = "s3://models/fraud/1",
            CreateModelIfMissing = true,
            RunId = "aaaa",
            Lineage = new ModelLineage { RunId = "bbbb", Metrics = new Dictionary<string, double> { ["f1"] = 0.9 } },
        });
        var read = await registry.GetModelVersionAsync("fraud", 1);

        (read.RunId, read.Lineage!.RunId).Should().Be(("aaaa", "bbbb"));
    }

    [Fact]
    public async Task CreateModelVersion_KeyAtMlflowsLimit_Accepted()
    {
        await using var h = new Harness();
        var name = new string('m', 250 - "mlops.lineage.metric.".Length);

        var version = await new MlflowModelRegistry(h.Client).CreateModelVersionAsync(new ModelVersionRequest
        {
            ModelName = "fraud",
            Source = "s3://models/fraud/1",
            CreateModelIfMissing = true,
            Lineage = new ModelLineage
            {
                Metrics = new Dictionary<string, double> { [name] = 1 },
                Parameters = new Dictionary<string, string> { ["prompt"] = new string('p', 5000) },
            },
        });

        version.Lineage!.Metrics.Should().ContainKey(name);
        version.Lineage.Parameters["prompt"].Should().HaveLength(5000);
    }

    [Theory]
    [InlineData("metric", "f1@0.5", "mlops.lineage.metric.f1@0.5")]
    [InlineData("metric", "val//loss", "mlops.lineage.metric.val//loss")]
    [InlineData("metric", "229+1", null)]
    [InlineData("param", "prompt", "mlops.lineage.param.prompt")]
    public async Task CreateModelVersion_LineageMlflowCannotHold_ThrowsNamingKeyBeforeAnyRequest(string kind, string name, string? key)
    {
        await using var h = new Harness();
        if (name == "229+1")
        {
            name = new string('m', 250 - "mlops.lineage.metric.".Length + 1);
            key = "mlops.lineage.metric." + name;
        }

        var lineage = kind == "metric"
            ? new ModelLineage { Metrics = new Dictionary<string, double> { [name] = 0.9 } }
            : new ModelLineage { Parameters = new Dictionary<string, string> { [name] = new string('p', 5001) } };
        using var content = new MemoryStream([1, 2, 3]);

        var act = async () => await new MlflowModelRegistry(h.Client).CreateModelVersionAsync(new ModelVersionRequest
        {
            ModelName = "fraud",
            ArtifactContent = content,
            ArtifactFileName = "model.onnx",
            CreateModelIfMissing = true,
            Lineage = lineage,
        });

        var error = (await act.Should().ThrowAsync<MlflowLineageTagException>()).Which;
        error.TagKey.Should().Be(key);
        error.Message.Should().Contain(kind == "metric" ? $"'{key}'" : "5001 characters");
        h.Server.Requests.Should().BeEmpty("nothing is created, uploaded or registered");
    }

    [Fact]
    public async Task SetModelVersionTag_LineageTagOnForeignVersion_BecomesItsLineage()
    {
        await using var h = new Harness();
        await h.Client.CreateRegisteredModelAsync("fraud");
        await h.Client.CreateModelVersionAsync("fraud", "s3://models/fraud/1");
        var registry = new MlflowModelRegistry(h.Client);

        await registry.SetModelVersionTagAsync("fraud", 1, "mlops.lineage.metric.f1", "0.875");
        await registry.SetModelVersionTagAsync("fraud", 1, "mlops.lineage.metric.note", "not a number");

        var read = await registry.GetModelVersionAsync("fraud", 1);
        read.Lineage!.Metrics.Should().Equal(new Dictionary<string, double> { ["f1"] = 0.875 });
        read.Tags.Should().Equal(new Dictionary<string, string> { ["mlops.lineage.metric.note"] = "not a number" });
    }

    private static async Task<string> RunAsync(Harness h, params Metric[] metrics)
    {
        var run = await h.Client.CreateRunAsync("0", "train", 1, null);
        await h.Client.LogBatchAsync(run.RunId, metrics);
        return run.RunId;
    }
}
