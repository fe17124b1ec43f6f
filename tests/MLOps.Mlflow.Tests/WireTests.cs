using MLOps.Registry;
using MLOps.Tracking;

namespace MLOps.Mlflow.Tests;

/// <summary>
/// Each endpoint's request (method, path, query, body) against the form written by hand from mlflow.md §1, §2, §6:
/// POST/PATCH/DELETE carry compact JSON bodies with snake_case proto names, int64 as numbers, enums by name,
/// NaN/±Infinity as strings, unset optional fields omitted; GET carries fields in the query string with repeated keys.
/// </summary>
public sealed class WireTests
{
    public static TheoryData<string> Endpoints() => new(Cases.Keys.ToArray());

    private sealed record Expected(string Method, string Path, string Query, string? Body);

    private static readonly Dictionary<string, (Func<MlflowClient, Task> Call, Expected Want)> Cases = new()
    {
        ["experiments/create"] = (c => c.CreateExperimentAsync("exp", "s3://b/p", [new RunTag("team", "ml")]),
            new("POST", "/api/2.0/mlflow/experiments/create", "", """{"name":"exp","artifact_location":"s3://b/p","tags":[{"key":"team","value":"ml"}]}""")),
        ["experiments/create minimal"] = (c => c.CreateExperimentAsync("exp"),
            new("POST", "/api/2.0/mlflow/experiments/create", "", """{"name":"exp"}""")),
        ["experiments/get"] = (c => c.GetExperimentAsync("12"),
            new("GET", "/api/2.0/mlflow/experiments/get", "?experiment_id=12", null)),
        ["experiments/get-by-name"] = (c => c.GetExperimentByNameAsync("my exp/α"),
            new("GET", "/api/2.0/mlflow/experiments/get-by-name", "?experiment_name=my%20exp%2F%CE%B1", null)),
        ["experiments/search"] = (c => c.SearchExperimentsAsync(new ExperimentSearch { Filter = "name = 'a'", OrderBy = ["name ASC", "creation_time DESC"], MaxResults = 5, PageToken = "tok", ViewType = ViewType.All }),
            new("POST", "/api/2.0/mlflow/experiments/search", "", """{"max_results":5,"page_token":"tok","filter":"name = 'a'","order_by":["name ASC","creation_time DESC"],"view_type":"ALL"}""")),
        ["experiments/update"] = (c => c.UpdateExperimentAsync("1", "new"),
            new("POST", "/api/2.0/mlflow/experiments/update", "", """{"experiment_id":"1","new_name":"new"}""")),
        ["experiments/delete"] = (c => c.DeleteExperimentAsync("1"),
            new("POST", "/api/2.0/mlflow/experiments/delete", "", """{"experiment_id":"1"}""")),
        ["experiments/restore"] = (c => c.RestoreExperimentAsync("1"),
            new("POST", "/api/2.0/mlflow/experiments/restore", "", """{"experiment_id":"1"}""")),
        ["experiments/set-experiment-tag"] = (c => c.SetExperimentTagAsync("1", "k", "v"),
            new("POST", "/api/2.0/mlflow/experiments/set-experiment-tag", "", """{"experiment_id":"1","key":"k","value":"v"}""")),
        ["experiments/delete-experiment-tag"] = (c => c.DeleteExperimentTagAsync("1", "k"),
            new("POST", "/api/2.0/mlflow/experiments/delete-experiment-tag", "", """{"experiment_id":"1","key":"k"}""")),
        ["runs/create"] = (c => c.CreateRunAsync("0", "r1", 1700000000123, [new RunTag("mlflow.user", "ann")]),
            new("POST", "/api/2.0/mlflow/runs/create", "", """{"experiment_id":"0","run_name":"r1","start_time":1700000000123,"tags":[{"key":"mlflow.user","value":"ann"}]}""")),
        ["runs/update"] = (c => c.UpdateRunAsync("abc", new RunUpdate(RunStatus.Finished, 1700000000999)),
            new("POST", "/api/2.0/mlflow/runs/update", "", """{"run_id":"abc","status":"FINISHED","end_time":1700000000999}""")),
        ["runs/update name only"] = (c => c.UpdateRunAsync("abc", new RunUpdate(RunName: "renamed")),
            new("POST", "/api/2.0/mlflow/runs/update", "", """{"run_id":"abc","run_name":"renamed"}""")),
        ["runs/delete"] = (c => c.DeleteRunAsync("abc"),
            new("POST", "/api/2.0/mlflow/runs/delete", "", """{"run_id":"abc"}""")),
        ["runs/restore"] = (c => c.RestoreRunAsync("abc"),
            new("POST", "/api/2.0/mlflow/runs/restore", "", """{"run_id":"abc"}""")),
        ["runs/get"] = (c => c.GetRunAsync("abc"),
            new("GET", "/api/2.0/mlflow/runs/get", "?run_id=abc", null)),
        ["runs/search"] = (c => c.SearchRunsAsync(new RunSearch { ExperimentIds = ["1", "2"], Filter = "metrics.rmse < 1 and params.model = 'lr'", OrderBy = ["metrics.rmse ASC"], MaxResults = 10, PageToken = "p2" }),
            new("POST", "/api/2.0/mlflow/runs/search", "", """{"experiment_ids":["1","2"],"filter":"metrics.rmse < 1 and params.model = 'lr'","run_view_type":"ACTIVE_ONLY","max_results":10,"order_by":["metrics.rmse ASC"],"page_token":"p2"}""")),
        ["runs/log-metric"] = (c => c.LogMetricAsync("abc", new Metric("loss", 0.25, 1700000000000, 3)),
            new("POST", "/api/2.0/mlflow/runs/log-metric", "", """{"run_id":"abc","key":"loss","value":0.25,"timestamp":1700000000000,"step":3}""")),
        ["runs/log-metric NaN"] = (c => c.LogMetricAsync("abc", new Metric("loss", double.NaN, 5, -1)),
            new("POST", "/api/2.0/mlflow/runs/log-metric", "", """{"run_id":"abc","key":"loss","value":"NaN","timestamp":5,"step":-1}""")),
        ["runs/log-parameter"] = (c => c.LogParamAsync("abc", "lr", "3e-4"),
            new("POST", "/api/2.0/mlflow/runs/log-parameter", "", """{"run_id":"abc","key":"lr","value":"3e-4"}""")),
        ["runs/set-tag"] = (c => c.SetTagAsync("abc", "k", "v"),
            new("POST", "/api/2.0/mlflow/runs/set-tag", "", """{"run_id":"abc","key":"k","value":"v"}""")),
        ["runs/delete-tag"] = (c => c.DeleteTagAsync("abc", "k"),
            new("POST", "/api/2.0/mlflow/runs/delete-tag", "", """{"run_id":"abc","key":"k"}""")),
        ["runs/log-batch"] = (c => c.LogBatchAsync("abc", new Metric[] { new("a", 1, 10, 0), new("b", double.PositiveInfinity, 11, 1), new("c", double.NegativeInfinity, 12, 2) }, [new Param("p", "1")], [new RunTag("t", "x")]),
            new("POST", "/api/2.0/mlflow/runs/log-batch", "", """{"run_id":"abc","metrics":[{"key":"a","value":1,"timestamp":10,"step":0},{"key":"b","value":"Infinity","timestamp":11,"step":1},{"key":"c","value":"-Infinity","timestamp":12,"step":2}],"params":[{"key":"p","value":"1"}],"tags":[{"key":"t","value":"x"}]}""")),
        ["runs/log-inputs"] = (c => c.LogInputsAsync("abc", [new DatasetInput { Name = "train", Digest = "d1", SourceType = "local", Source = """{"uri":"/d.parquet"}""", Schema = "{}", Tags = new Dictionary<string, string> { ["mlflow.data.context"] = "training" } }]),
            new("POST", "/api/2.0/mlflow/runs/log-inputs", "", """{"run_id":"abc","datasets":[{"tags":[{"key":"mlflow.data.context","value":"training"}],"dataset":{"name":"train","digest":"d1","source_type":"local","source":"{\"uri\":\"/d.parquet\"}","schema":"{}"}}]}""")),
        ["metrics/get-history"] = (c => c.GetMetricHistoryAsync("abc", "loss", 100, "t1"),
            new("GET", "/api/2.0/mlflow/metrics/get-history", "?run_id=abc&metric_key=loss&page_token=t1&max_results=100", null)),
        ["metrics/get-history-bulk-interval"] = (c => c.GetMetricHistoryBulkIntervalAsync(["r1", "r2"], "loss", 0, 10, 50),
            new("GET", "/api/2.0/mlflow/metrics/get-history-bulk-interval", "?run_ids=r1&run_ids=r2&metric_key=loss&start_step=0&end_step=10&max_results=50", null)),
        ["registered-models/create"] = (c => c.CreateRegisteredModelAsync("m", "desc", new Dictionary<string, string> { ["k"] = "v" }),
            new("POST", "/api/2.0/mlflow/registered-models/create", "", """{"name":"m","tags":[{"key":"k","value":"v"}],"description":"desc"}""")),
        ["registered-models/get"] = (c => c.GetRegisteredModelAsync("m"),
            new("GET", "/api/2.0/mlflow/registered-models/get", "?name=m", null)),
        ["registered-models/search"] = (c => c.SearchRegisteredModelsAsync("name ILIKE 'm%'", 50, ["name ASC", "last_updated_timestamp DESC"], "pt"),
            new("GET", "/api/2.0/mlflow/registered-models/search", "?filter=name%20ILIKE%20%27m%25%27&max_results=50&order_by=name%20ASC&order_by=last_updated_timestamp%20DESC&page_token=pt", null)),
        ["registered-models/update"] = (c => c.UpdateRegisteredModelAsync("m", "d2"),
            new("PATCH", "/api/2.0/mlflow/registered-models/update", "", """{"name":"m","description":"d2"}""")),
        ["registered-models/rename"] = (c => c.RenameRegisteredModelAsync("m", "m2"),
            new("POST", "/api/2.0/mlflow/registered-models/rename", "", """{"name":"m","new_name":"m2"}""")),
        ["registered-models/delete"] = (c => c.DeleteRegisteredModelAsync("m"),
            new("DELETE", "/api/2.0/mlflow/registered-models/delete", "", """{"name":"m"}""")),
        ["registered-models/set-tag"] = (c => c.SetRegisteredModelTagAsync("m", "k", "v"),
            new("POST", "/api/2.0/mlflow/registered-models/set-tag", "", """{"name":"m","key":"k","value":"v"}""")),
        ["registered-models/delete-tag"] = (c => c.DeleteRegisteredModelTagAsync("m", "k"),
            new("DELETE", "/api/2.0/mlflow/registered-models/delete-tag", "", """{"name":"m","key":"k"}""")),
        ["registered-models/get-latest-versions"] = (c => c.GetLatestVersionsAsync("m", ["Staging", "Production"]),
            new("POST", "/api/2.0/mlflow/registered-models/get-latest-versions", "", """{"name":"m","stages":["Staging","Production"]}""")),
        ["model-versions/create"] = (c => c.CreateModelVersionAsync("m", "mlflow-artifacts:/0/abc/artifacts/model", "abc", new Dictionary<string, string> { ["k"] = "v" }, "http://ui/run", "d"),
            new("POST", "/api/2.0/mlflow/model-versions/create", "", """{"name":"m","source":"mlflow-artifacts:/0/abc/artifacts/model","run_id":"abc","tags":[{"key":"k","value":"v"}],"run_link":"http://ui/run","description":"d"}""")),
        ["model-versions/get"] = (c => c.GetModelVersionAsync("m", 3),
            new("GET", "/api/2.0/mlflow/model-versions/get", "?name=m&version=3", null)),
        ["model-versions/search"] = (c => c.SearchModelVersionsAsync("name = 'm'", 20, ["version_number DESC"]),
            new("GET", "/api/2.0/mlflow/model-versions/search", "?filter=name%20%3D%20%27m%27&max_results=20&order_by=version_number%20DESC", null)),
        ["model-versions/update"] = (c => c.UpdateModelVersionAsync("m", 3, "d"),
            new("PATCH", "/api/2.0/mlflow/model-versions/update", "", """{"name":"m","version":"3","description":"d"}""")),
        ["model-versions/transition-stage"] = (c => c.TransitionModelVersionStageAsync("m", 3, ModelStage.Production, true),
            new("POST", "/api/2.0/mlflow/model-versions/transition-stage", "", """{"name":"m","version":"3","stage":"Production","archive_existing_versions":true}""")),
        ["model-versions/delete"] = (c => c.DeleteModelVersionAsync("m", 3),
            new("DELETE", "/api/2.0/mlflow/model-versions/delete", "", """{"name":"m","version":"3"}""")),
        ["model-versions/get-download-uri"] = (c => c.GetModelVersionDownloadUriAsync("m", 3),
            new("GET", "/api/2.0/mlflow/model-versions/get-download-uri", "?name=m&version=3", null)),
        ["model-versions/set-tag"] = (c => c.SetModelVersionTagAsync("m", 3, "k", "v"),
            new("POST", "/api/2.0/mlflow/model-versions/set-tag", "", """{"name":"m","version":"3","key":"k","value":"v"}""")),
        ["model-versions/delete-tag"] = (c => c.DeleteModelVersionTagAsync("m", 3, "k"),
            new("DELETE", "/api/2.0/mlflow/model-versions/delete-tag", "", """{"name":"m","version":"3","key":"k"}""")),
        ["registered-models/alias set"] = (c => c.SetRegisteredModelAliasAsync("m", "champion", 3),
            new("POST", "/api/2.0/mlflow/registered-models/alias", "", """{"name":"m","alias":"champion","version":"3"}""")),
        ["registered-models/alias delete"] = (c => c.DeleteRegisteredModelAliasAsync("m", "champion"),
            new("DELETE", "/api/2.0/mlflow/registered-models/alias", "", """{"name":"m","alias":"champion"}""")),
        ["registered-models/alias get"] = (c => c.GetModelVersionByAliasAsync("m", "champion"),
            new("GET", "/api/2.0/mlflow/registered-models/alias", "?name=m&alias=champion", null)),
        ["mlflow-artifacts list"] = (c => c.ListArtifactsAsync("0/abc/artifacts"),
            new("GET", "/api/2.0/mlflow-artifacts/artifacts", "?path=0%2Fabc%2Fartifacts", null)),
        ["mlflow-artifacts delete"] = (c => c.DeleteArtifactAsync("0/a b/x.txt"),
            new("DELETE", "/api/2.0/mlflow-artifacts/artifacts/0/a%20b/x.txt", "", null)),
    };

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task Request_Endpoint_MatchesDocumentedForm(string endpoint)
    {
        await using var h = new Harness();
        var (call, want) = Cases[endpoint];
        try
        {
            await call(h.Client);
        }
        catch (MlflowException)
        {
            // The fake server's state may not have the resource; only the request matters here.
        }

        var seen = h.Last;
        seen.Method.Should().Be(want.Method);
        seen.Path.Should().Be(want.Path);
        seen.Query.Should().Be(want.Query);
        if (want.Body is null)
        {
            seen.Body.Should().BeEmpty("GET carries no body");
        }
        else
        {
            seen.BodyText.Should().Be(want.Body);
            seen.ContentType.Should().Be("application/json");
        }
    }

    [Fact]
    public async Task UploadArtifact_Put_StreamsRawBytesToPath()
    {
        await using var h = new Harness();
        await h.Client.UploadArtifactAsync("0/run/artifacts/m.bin", new MemoryStream([1, 2, 3]));

        h.Last.Method.Should().Be("PUT");
        h.Last.Path.Should().Be("/api/2.0/mlflow-artifacts/artifacts/0/run/artifacts/m.bin");
        h.Server.ArtifactBytes("0/run/artifacts/m.bin").Should().Equal(1, 2, 3);
    }

    [Fact]
    public async Task TrackingUri_WithPathPrefix_IsKeptInFrontOfApi()
    {
        await using var server = new FakeMlflowServer();
        using var http = new HttpClient();
        var client = new MlflowClient(http, new MlflowOptions { TrackingUri = new Uri(server.Uri, "/mlflow/") });

        var act = () => client.GetRunAsync("x");

        (await act.Should().ThrowAsync<MlflowException>()).Which.ErrorCode.Should().Be("ENDPOINT_NOT_FOUND");
        server.Requests.Last().Path.Should().Be("/mlflow/api/2.0/mlflow/runs/get");
    }
}
