using System.Text.Json;
using MLOps.Tracking;

namespace MLOps.Mlflow.Tests;

/// <summary>log-batch splitting within MLflow's limits (mlflow.md §3); the fake server rejects any request over them.</summary>
public sealed class BatchTests
{
    private static async Task<string> NewRunAsync(Harness h) => (await h.Client.CreateRunAsync("0", "r", 1, null)).RunId;

    private static IEnumerable<JsonElement> Bodies(Harness h) =>
        h.Server.RequestsTo("/api/2.0/mlflow/runs/log-batch").Select(r => JsonDocument.Parse(r.Body).RootElement);

    private static int Count(JsonElement body, string field) => body.TryGetProperty(field, out var a) ? a.GetArrayLength() : 0;

    [Fact]
    public async Task LogBatch_2500Metrics_ThreeRequestsOf1000_1000_500InOrder()
    {
        await using var h = new Harness();
        var run = await NewRunAsync(h);
        var points = Enumerable.Range(0, 2500).Select(i => new Metric("loss", i * 0.5, 1000 + i, i)).ToArray();

        var requests = await h.Client.LogBatchAsync(run, points);

        requests.Should().Be(3);
        Bodies(h).Select(b => Count(b, "metrics")).Should().Equal(1000, 1000, 500);
        h.Server.PointsOf(run).Select(p => p.Step).Should().Equal(Enumerable.Range(0, 2500).Select(i => (long)i));
    }

    [Fact]
    public async Task LogBatch_150Params250Tags1800Metrics_ThreeRequestsLikeMlflowsClient()
    {
        // MLflow's Python client (chunk_list + zip_longest): (100p,100t,800m), (50p,100t,850m), (0p,50t,150m).
        await using var h = new Harness();
        var run = await NewRunAsync(h);
        var ps = Enumerable.Range(0, 150).Select(i => new Param($"p{i}", "v")).ToArray();
        var ts = Enumerable.Range(0, 250).Select(i => new RunTag($"t{i}", "v")).ToArray();
        var ms = Enumerable.Range(0, 1800).Select(i => new Metric("m", i, i, i)).ToArray();

        var requests = await h.Client.LogBatchAsync(run, ms, ps, ts);

        requests.Should().Be(3);
        Bodies(h).Select(b => (Count(b, "params"), Count(b, "tags"), Count(b, "metrics")))
            .Should().Equal((100, 100, 800), (50, 100, 850), (0, 50, 150));
        h.Server.PointsOf(run).Should().HaveCount(1800);
        (await h.Client.GetRunAsync(run)).Params.Should().HaveCount(150);
    }

    [Fact]
    public async Task LogBatch_LargeValues_EachRequestUnder1MB()
    {
        await using var h = new Harness();
        var run = await NewRunAsync(h);
        var ps = Enumerable.Range(0, 100).Select(i => new Param($"p{i}", new string('x', 6000))).ToArray();
        var ts = Enumerable.Range(0, 100).Select(i => new RunTag($"t{i}", new string('y', 8000))).ToArray();

        var requests = await h.Client.LogBatchAsync(run, ReadOnlyMemory<Metric>.Empty, ps, ts);

        requests.Should().Be(2, "600 kB of params and 800 kB of tags do not fit one 1 MB request");
        h.Server.RequestsTo("/api/2.0/mlflow/runs/log-batch").Should().OnlyContain(r => r.Body.Length <= 1_000_000);
        var stored = await h.Client.GetRunAsync(run);
        stored.Params.Should().HaveCount(100);
        stored.Tags.Keys.Count(k => k.StartsWith('t')).Should().Be(100);
    }

    [Fact]
    public async Task LogBatch_OverLimitSentByHand_ServerRejectsLikeMlflow()
    {
        // The fake server enforces the limit itself, so the tests above would fail on a client that did not split.
        await using var h = new Harness();
        var run = await NewRunAsync(h);
        var body = "{\"run_id\":\"" + run + "\",\"metrics\":[" + string.Join(',', Enumerable.Range(0, 1001).Select(i => $"{{\"key\":\"m\",\"value\":1,\"timestamp\":{i},\"step\":0}}")) + "]}";

        var act = () => h.Client.PostAsync("runs/log-batch", System.Text.Encoding.UTF8.GetBytes(body), default);

        var ex = (await act.Should().ThrowAsync<MlflowException>()).Which;
        ex.ErrorCode.Should().Be("INVALID_PARAMETER_VALUE");
        ex.StatusCode.Should().Be(System.Net.HttpStatusCode.BadRequest);
    }
}
