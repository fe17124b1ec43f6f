using Microsoft.Extensions.DependencyInjection;
using MLOps.Tracking;

namespace MLOps.Mlflow.Tests;

/// <summary>The standard resilience handler that AddMlflow configures, on fake time.</summary>
public sealed class ResilienceTests
{
    [Fact]
    public async Task Call_503ThenSuccess_RetriedAndSucceeds()
    {
        await using var h = new DiHarness();
        h.Server.Faults.Enqueue(new Fault(503, "{\"error_code\":\"TEMPORARILY_UNAVAILABLE\",\"message\":\"down\"}"));
        h.Server.Faults.Enqueue(new Fault(502, "bad gateway"));

        var experiment = await h.DriveAsync(h.Client.GetExperimentAsync("0"), TimeSpan.FromSeconds(1));

        experiment.Name.Should().Be("Default");
        h.Server.RequestsTo("/api/2.0/mlflow/experiments/get").Should().HaveCount(3);
    }

    [Fact]
    public async Task Call_429WithRetryAfter_WaitsAtLeastRetryAfterThenSucceeds()
    {
        await using var h = new DiHarness(o => o.RetryBaseDelay = TimeSpan.FromMilliseconds(10));
        h.Server.Faults.Enqueue(new Fault(429, "{\"error_code\":\"REQUEST_LIMIT_EXCEEDED\",\"message\":\"slow down\"}", RetryAfter: "7"));

        var experiment = await h.DriveAsync(h.Client.GetExperimentAsync("0"), TimeSpan.FromSeconds(1));

        experiment.ExperimentId.Should().Be("0");
        var seen = h.Server.RequestsTo("/api/2.0/mlflow/experiments/get");
        seen.Should().HaveCount(2);
        (seen[1].At - seen[0].At).Should().BeGreaterThanOrEqualTo(TimeSpan.FromSeconds(7), "Retry-After: 7 outranks the 10 ms backoff");
    }

    [Fact]
    public async Task Call_PersistentOutage_GivesUpAfterMaxRetriesAsTransient()
    {
        await using var h = new DiHarness(o => o.MaxRetries = 2);
        h.Server.Outage = static () => true;

        var act = () => h.DriveAsync(h.Client.GetExperimentAsync("0"), TimeSpan.FromSeconds(5));

        var ex = (await act.Should().ThrowAsync<MlflowException>()).Which;
        ex.IsTransient.Should().BeTrue();
        ex.ErrorCode.Should().Be("TEMPORARILY_UNAVAILABLE");
        h.Server.RequestsTo("/api/2.0/mlflow/experiments/get").Should().HaveCount(3, "one attempt and two retries");
    }

    [Fact]
    public async Task Call_400_NotRetried()
    {
        await using var h = new DiHarness();
        var act = () => h.DriveAsync(h.Client.CreateExperimentAsync("Default"), TimeSpan.FromSeconds(1));

        (await act.Should().ThrowAsync<MlflowException>()).Which.ErrorCode.Should().Be(MlflowErrorCode.ResourceAlreadyExists);
        h.Server.RequestsTo("/api/2.0/mlflow/experiments/create").Should().HaveCount(1);
    }

    [Fact]
    public async Task Call_SlowFirstAttempt_AttemptTimeoutThenRetrySucceeds()
    {
        await using var h = new DiHarness(o =>
        {
            o.AttemptTimeout = TimeSpan.FromSeconds(5);
            o.RetryBaseDelay = TimeSpan.FromMilliseconds(10);
        });
        h.Server.Faults.Enqueue(new Fault(0, string.Empty, DelayMs: 3000));

        var experiment = await h.DriveAsync(h.Client.GetExperimentAsync("0"), TimeSpan.FromSeconds(1));

        experiment.Name.Should().Be("Default");
        h.Server.RequestsTo("/api/2.0/mlflow/experiments/get").Should().HaveCount(2, "the first attempt timed out on fake time and was retried");
    }
}

/// <summary>The HTTP layer's retry rule for requests that change state: re-sent only when MLflow certainly did not apply them.</summary>
public sealed class ResendTests
{
    private static Metric[] Points(int n) => Enumerable.Range(0, n).Select(i => new Metric("loss", i, i, i)).ToArray();

    [Fact]
    public async Task LogBatch_503Then429ThenSuccess_ResentByHttpLayer_PointsArriveOnce()
    {
        await using var h = new DiHarness(o => o.RetryBaseDelay = TimeSpan.FromMilliseconds(100));
        var run = (await h.DriveAsync(h.Client.CreateRunAsync("0", "r", 1), TimeSpan.FromSeconds(1))).RunId;
        h.Server.Faults.Enqueue(new Fault(503, "{\"error_code\":\"TEMPORARILY_UNAVAILABLE\",\"message\":\"down\"}"));
        h.Server.Faults.Enqueue(new Fault(429, "{\"error_code\":\"REQUEST_LIMIT_EXCEEDED\",\"message\":\"slow\"}", RetryAfter: "1"));

        await h.DriveAsync(h.Client.LogBatchAsync(run, Points(500)), TimeSpan.FromSeconds(1));

        h.Server.RequestsTo("/api/2.0/mlflow/runs/log-batch").Should().HaveCount(3, "503 and 429 mean MLflow did not apply the batch");
        h.Server.MetricEntriesReceived.Should().Be(500);
    }

    [Theory]
    [InlineData(500)]
    [InlineData(502)]
    [InlineData(504)]
    public async Task LogBatch_OutcomeUnknownStatus_NotResentByHttpLayer_Transient(int status)
    {
        await using var h = new DiHarness(o => o.RetryBaseDelay = TimeSpan.FromMilliseconds(100));
        var run = (await h.DriveAsync(h.Client.CreateRunAsync("0", "r", 1), TimeSpan.FromSeconds(1))).RunId;
        h.Server.Faults.Enqueue(new Fault(status, "{\"error_code\":\"INTERNAL_ERROR\",\"message\":\"may have written\"}"));

        var ex = (await FluentActions.Awaiting(() => h.DriveAsync(h.Client.LogBatchAsync(run, Points(10)), TimeSpan.FromSeconds(1))).Should().ThrowAsync<MlflowTransientException>()).Which;

        ex.StatusCode.Should().Be((System.Net.HttpStatusCode)status);
        h.Server.RequestsTo("/api/2.0/mlflow/runs/log-batch").Should().ContainSingle("after a 5xx other than 503 MLflow may have applied the batch");
    }

    [Fact]
    public async Task LogBatch_AttemptTimeoutAfterServerApplied_NotResent_PointsArriveOnce()
    {
        await using var h = new DiHarness(o =>
        {
            o.AttemptTimeout = TimeSpan.FromSeconds(5);
            o.RetryBaseDelay = TimeSpan.FromMilliseconds(10);
        });
        var run = (await h.DriveAsync(h.Client.CreateRunAsync("0", "r", 1), TimeSpan.FromSeconds(1))).RunId;
        h.Server.Faults.Enqueue(new Fault(0, string.Empty, DelayMs: 500)); // applies the batch, late

        var ex = (await FluentActions.Awaiting(() => h.DriveAsync(h.Client.LogBatchAsync(run, Points(100)), TimeSpan.FromSeconds(1))).Should().ThrowAsync<MlflowTransientException>()).Which;
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (h.Server.MetricEntriesReceived < 100)
        {
            await Task.Delay(10, bound.Token);
        }

        ex.StatusCode.Should().BeNull();
        h.Server.RequestsTo("/api/2.0/mlflow/runs/log-batch").Should().ContainSingle("the attempt may have been applied, so the HTTP layer does not re-send it");
        h.Server.MetricEntriesReceived.Should().Be(100);
    }

    [Fact]
    public async Task Get_500ThenSuccess_ResentByHttpLayer()
    {
        await using var h = new DiHarness(o => o.RetryBaseDelay = TimeSpan.FromMilliseconds(100));
        h.Server.Faults.Enqueue(new Fault(500, "{\"error_code\":\"INTERNAL_ERROR\",\"message\":\"db\"}"));

        (await h.DriveAsync(h.Client.GetExperimentAsync("0"), TimeSpan.FromSeconds(1))).Name.Should().Be("Default");

        h.Server.RequestsTo("/api/2.0/mlflow/experiments/get").Should().HaveCount(2, "reading twice changes nothing");
    }
}
