using MLOps.Registry;
using MLOps.Tracking;

namespace MLOps.Mlflow.Tests;

/// <summary>Response fixtures, written by hand from mlflow.md's entity lists, with every optional field (and unknown ones) set.</summary>
public sealed class ResponseTests
{
    [Fact]
    public async Task GetRun_FixtureWithEveryField_Parses()
    {
        await using var h = new Harness();
        h.Server.Faults.Enqueue(new Fault(200, """
            {"run": {
              "info": {"run_id": "a1", "run_uuid": "a1", "run_name": "bold-owl", "experiment_id": "7", "user_id": "ann",
                       "status": "FAILED", "start_time": 1700000000000, "end_time": "1700000005000",
                       "artifact_uri": "mlflow-artifacts:/7/a1/artifacts", "lifecycle_stage": "deleted", "future_field": 1},
              "data": {"metrics": [{"key": "loss", "value": "NaN", "timestamp": 5, "step": 2, "dataset_name": "d", "model_id": "m"},
                                   {"key": "acc", "value": "-Infinity", "timestamp": 6, "step": 3}],
                       "params": [{"key": "lr", "value": "0.1"}],
                       "tags": [{"key": "mlflow.runName", "value": "bold-owl"}]},
              "inputs": {"dataset_inputs": [{"tags": [{"key": "mlflow.data.context", "value": "eval"}],
                          "dataset": {"name": "ds", "digest": "abc", "source_type": "local", "source": "{}", "schema": "{\"a\":1}", "profile": "{\"rows\":3}"}}],
                         "model_inputs": [{"model_id": "m-1"}]},
              "outputs": {"model_outputs": [{"model_id": "m-1", "step": 1}]}
            }}
            """));

        var run = await h.Client.GetRunAsync("a1");

        run.Info.Should().BeEquivalentTo(new RunInfo
        {
            RunId = "a1", RunName = "bold-owl", ExperimentId = "7", UserId = "ann", Status = RunStatus.Failed,
            StartTime = 1700000000000, EndTime = 1700000005000, ArtifactUri = "mlflow-artifacts:/7/a1/artifacts", LifecycleStage = LifecycleStage.Deleted,
        });
        double.IsNaN(run.Metrics["loss"].Value).Should().BeTrue();
        run.Metrics["acc"].Should().Be(new Metric("acc", double.NegativeInfinity, 6, 3));
        run.Params.Should().Equal(new Dictionary<string, string> { ["lr"] = "0.1" });
        run.Inputs.Should().ContainSingle().Which.Should().BeEquivalentTo(new DatasetInput
        {
            Name = "ds", Digest = "abc", SourceType = "local", Source = "{}", Schema = "{\"a\":1}", Profile = "{\"rows\":3}",
            Tags = new Dictionary<string, string> { ["mlflow.data.context"] = "eval" },
        });
    }

    [Fact]
    public async Task GetExperiment_FixtureWithEveryField_Parses()
    {
        await using var h = new Harness();
        h.Server.Faults.Enqueue(new Fault(200, """
            {"experiment": {"experiment_id": "3", "name": "e", "artifact_location": "s3://b/3", "lifecycle_stage": "active",
             "last_update_time": 20, "creation_time": 10, "tags": [{"key": "k", "value": "v"}], "workspace": "default"}}
            """));

        var e = await h.Client.GetExperimentAsync("3");

        e.Should().BeEquivalentTo(new Experiment
        {
            ExperimentId = "3", Name = "e", ArtifactLocation = "s3://b/3", LifecycleStage = LifecycleStage.Active,
            CreationTime = 10, LastUpdateTime = 20, Tags = new Dictionary<string, string> { ["k"] = "v" },
        });
    }

    [Fact]
    public async Task GetRegisteredModel_FixtureWithEveryField_Parses()
    {
        await using var h = new Harness();
        h.Server.Faults.Enqueue(new Fault(200, """
            {"registered_model": {"name": "m", "creation_timestamp": 1000, "last_updated_timestamp": 2000, "user_id": "u",
             "description": "d", "latest_versions": [{"name": "m", "version": "2"}], "tags": [{"key": "k", "value": "v"}],
             "aliases": [{"alias": "champion", "version": "2"}]}}
            """));

        var m = await h.Client.GetRegisteredModelAsync("m");

        m.Should().BeEquivalentTo(new RegisteredModel("m", "d", DateTimeOffset.FromUnixTimeMilliseconds(1000), DateTimeOffset.FromUnixTimeMilliseconds(2000),
            new Dictionary<string, string> { ["k"] = "v" }, new Dictionary<string, int> { ["champion"] = 2 }));
    }

    [Fact]
    public async Task GetModelVersion_FixtureWithEveryField_Parses()
    {
        await using var h = new Harness();
        h.Server.Faults.Enqueue(new Fault(200, """
            {"model_version": {"name": "m", "version": "12", "creation_timestamp": 1000, "last_updated_timestamp": 2000,
             "user_id": "u", "current_stage": "Production", "description": "d", "source": "mlflow-artifacts:/x", "run_id": "r",
             "status": "PENDING_REGISTRATION", "status_message": "copying", "tags": [{"key": "k", "value": "v"}],
             "run_link": "http://ui", "aliases": ["champion", "blue"]}}
            """));

        var v = await h.Client.GetModelVersionAsync("m", 12);

        v.Should().BeEquivalentTo(new ModelVersion("m", 12, DateTimeOffset.FromUnixTimeMilliseconds(1000), DateTimeOffset.FromUnixTimeMilliseconds(2000),
            ModelStage.Production, ModelVersionStatus.PendingRegistration, "copying", "d", "mlflow-artifacts:/x", "r", null, null, null,
            new Dictionary<string, string> { ["k"] = "v" }, ["champion", "blue"]));
    }

    [Fact]
    public async Task SearchRuns_ThreePages_FollowsOpaqueTokens()
    {
        await using var h = new Harness();
        for (var i = 0; i < 5; i++)
        {
            await h.Client.CreateRunAsync("0", $"r{i}", 100 + i);
        }

        var names = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = await h.Client.SearchRunsAsync(new RunSearch { ExperimentIds = ["0"], MaxResults = 2, PageToken = token });
            names.AddRange(page.Items.Select(r => r.Info.RunName));
            token = page.NextPageToken;
            pages++;
        }
        while (token is not null);

        pages.Should().Be(3);
        names.Should().Equal("r4", "r3", "r2", "r1", "r0");
    }
}
